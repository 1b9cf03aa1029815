from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "webapp.users"
    label = "api"  # the original service's app label; keeps its table name api_user
