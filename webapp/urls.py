from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from webapp.api.views import ApiRootView, not_found
from webapp.health.views import LivenessView, ReadinessView
from webapp.users import urls as users


def both(route: str, view, name: str | None = None):
    """The route with its trailing slash (canonical, documented) and without it."""
    return [path(f"{route}/", view, name=name), path(route, view)]


urlpatterns = [
    *users.urlpatterns,  # first: almost every request is one of these (webapp/users/urls.py)
    *both("healthz", LivenessView.as_view(), "healthz"),
    *both("readyz", ReadinessView.as_view(), "readyz"),
    *both("api", ApiRootView.as_view(), "api-root"),
    *both("api/schema", SpectacularAPIView.as_view(), "schema"),
    *both("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), "swagger-ui"),
    *both("api/redoc", SpectacularRedocView.as_view(url_name="schema"), "redoc"),
    re_path(r"^", not_found),
]
