from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "webapp.users"
    label = "users"
