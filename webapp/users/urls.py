from django.urls import path

from webapp.users.views import UserDetailView, UserListView

# Each route is declared with and without its trailing slash: no redirect, so a POST to
# /api/users creates a user exactly like /api/users/.
urlpatterns = [
    path("users/", UserListView.as_view(), name="user-list"),
    path("users", UserListView.as_view()),
    path("users/<str:id>/", UserDetailView.as_view(), name="user-detail"),
    path("users/<str:id>", UserDetailView.as_view()),
]
