from django.urls import path, register_converter

from webapp.users.converters import UserIdConverter
from webapp.users.views import NoSuchUserView, UserDetailView, UserListView

register_converter(UserIdConverter, "user_id")

# Each route is declared with and without its trailing slash: no redirect, so a POST to
# /api/users creates a user exactly like /api/users/.
urlpatterns = [
    path("users/", UserListView.as_view(), name="user-list"),
    path("users", UserListView.as_view()),
    path("users/<user_id:id>/", UserDetailView.as_view(), name="user-detail"),
    path("users/<user_id:id>", UserDetailView.as_view()),
    # Any other id (0, -1, abc, one beyond 64 bits) names no user. It gets the answer of an
    # unused id, through the same view class (same 404 body, Allow header, 405 and 406), rather
    # than the catch-all's 404, whose body and headers differ.
    path("users/<str:id>/", NoSuchUserView.as_view()),
    path("users/<str:id>", NoSuchUserView.as_view()),
]
