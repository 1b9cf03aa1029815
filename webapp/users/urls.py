from django.urls import path, register_converter

from webapp.users.converters import UserIdConverter
from webapp.users.views import NoSuchUserView, UserDetailView, UserListView

register_converter(UserIdConverter, "user_id")

# The users routes, with their whole paths. The root URLconf (webapp/urls.py) puts them first,
# as they are, rather than through include("api/", ...): the users routes serve almost every
# request, and the resolver then matches one pattern list instead of trying the probes' and the
# docs' routes first and resolving again under an included one (resolving /api/users/1/ took
# 12 us, 7 us so).
#
# Each route is declared with and without its trailing slash: no redirect, so a POST to
# /api/users creates a user exactly like /api/users/.
urlpatterns = [
    path("api/users/", UserListView.as_view(), name="user-list"),
    path("api/users", UserListView.as_view()),
    path("api/users/<user_id:id>/", UserDetailView.as_view(), name="user-detail"),
    path("api/users/<user_id:id>", UserDetailView.as_view()),
    # Any other id (0, -1, abc, one beyond 64 bits) names no user. It gets the answer of an
    # unused id, through the same view class (same 404 body, Allow header, 405 and 406), rather
    # than the catch-all's 404, whose body and headers differ.
    path("api/users/<str:id>/", NoSuchUserView.as_view()),
    path("api/users/<str:id>", NoSuchUserView.as_view()),
]
