"""Django settings, read only from environment variables (configuration table: README.md)."""

import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from webapp.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# "local" relaxes exactly one thing: a missing DJANGO_SECRET_KEY gets a throwaway random key.
# Anything else ("production", the default) refuses to start without a real key.
DJANGO_ENV = env_str("DJANGO_ENV", "production").lower()
if DJANGO_ENV not in {"local", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV={DJANGO_ENV!r} is not one of: local, production")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if DJANGO_ENV != "local":
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set; set it to a long random value "
            "(or DJANGO_ENV=local for a throwaway key on a developer machine)"
        )
    SECRET_KEY = secrets.token_urlsafe(50)

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "webapp.users",
    "webapp.health",
]

# The API keeps no sessions, cookies or logins, so the session, auth, CSRF and messages
# middleware would only cost time on every request.
MIDDLEWARE = [
    "webapp.api.middleware.JSONErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the Swagger UI and ReDoc assets (drf-spectacular-sidecar) from the app: no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "webapp.api.middleware.BodySizeLimitMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
APPEND_SLASH = False  # every path answers with and without the slash, with no redirect

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "webapp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# SQLite in a data directory is the embedded default; production sets DATABASE_URL to PostgreSQL.
DATA_DIR = Path(env_str("DATA_DIR") or BASE_DIR / "data")
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
_db = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the database is unreachable instead of hanging a worker.
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3, 1))
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).setdefault("timeout", 10)
    if _db["NAME"] not in ("", ":memory:"):
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# Serve static files straight from the installed apps, so no collectstatic step is needed and the
# root filesystem can stay read-only.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# Largest request body accepted; anything bigger gets 413 before it is read.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 16 * 1024, 1)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["webapp.api.parsers.StrictJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "webapp.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Users API",
    "DESCRIPTION": (
        "Create users, list them and read one by id. Every client error is a JSON object with a "
        "`detail` message; validation errors add a field-keyed `errors` object. Every path answers "
        "with and without its trailing slash."
    ),
    "VERSION": "1.0.0",
    # Relative: the paths are served by whichever host serves this document, in every environment.
    "SERVERS": [{"url": "/", "description": "The host that serves this document."}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "PREPROCESSING_HOOKS": ["webapp.api.schema.only_canonical_paths"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webapp.api.schema.add_links",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["stderr"], "level": env_str("DJANGO_LOG_LEVEL", "INFO").upper()},
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
