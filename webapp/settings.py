"""Django settings, read only from environment variables (configuration table: README.md)."""

import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from webapp.api.limits import DEFAULT_MAX_REQUEST_BODY_BYTES
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
# The probes of the platform (Kubernetes' kubelet, the image's HEALTHCHECK) call these by the
# pod's address, whatever the Host; they answer with nothing that depends on it.
HOST_CHECK_EXEMPT_PATHS = frozenset({"/healthz", "/healthz/", "/readyz", "/readyz/"})

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
    # Outermost: one JSON line for every answer, errors included.
    "webapp.api.access_log.AccessLogMiddleware",
    # HEAD: GET's answer without its body, after Content-Length was set from it.
    "webapp.api.middleware.HeadWithoutBodyMiddleware",
    # Next, so that it measures the final body of every response, errors included.
    "webapp.api.middleware.ContentLengthMiddleware",
    # Deprecation and Sunset on every response of a deprecated operation (none today).
    "webapp.api.middleware.DeprecationHeadersMiddleware",
    "webapp.api.middleware.JSONErrorMiddleware",
    # Before anything reads the request: the request line and header limits, a missing Host,
    # then a Host that is not allowed, each a JSON 4xx on every path.
    "webapp.api.middleware.RequestLimitsMiddleware",
    "webapp.api.middleware.AllowedHostsMiddleware",
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
    # Every wait for the database is bounded, so an outage or a frozen server answers 503 at
    # once instead of holding a worker: connecting, each statement and each lock wait on the
    # server, and (webapp/db/) each round trip on the client, for a server that stops answering.
    _statement_timeout = env_int("DB_STATEMENT_TIMEOUT", 5, 1)
    _db["ENGINE"] = "webapp.db"
    _db.setdefault("OPTIONS", {}).update(
        connect_timeout=env_int("DB_CONNECT_TIMEOUT", 3, 1),
        options=(
            f"-c statement_timeout={_statement_timeout * 1000} "
            f"-c lock_timeout={env_int('DB_LOCK_TIMEOUT', 3, 1) * 1000}"
        ),
        client_deadline=_statement_timeout + 1,
    )
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).setdefault("timeout", 10)
    # Write-ahead logging: readers and the writer no longer block each other across workers, and
    # with synchronous=NORMAL a commit no longer waits for fsync (the profile of POST showed
    # two thirds of each request in the commit). A crash of the process loses nothing; a power
    # loss may lose the last commits, never the file's consistency. Production runs PostgreSQL.
    # WAL needs a local filesystem: never put the SQLite file on a network share.
    _db["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
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
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", DEFAULT_MAX_REQUEST_BODY_BYTES, 1)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["webapp.api.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "webapp.api.negotiation.FastContentNegotiation",
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
    # What Spectral's stock OpenAPI ruleset asks of a contract for its readers: who answers for
    # it, and every tag an operation uses declared with what it groups.
    "CONTACT": {"name": "Users API maintainers"},
    "TAGS": [
        {"name": "users", "description": "Create users, list them, read one by id."},
        {"name": "health", "description": "Liveness and readiness probes of the platform."},
    ],
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
        "webapp.api.schema.add_protocol_errors",
        "webapp.api.schema.add_deprecations",
        "webapp.api.schema.add_head_operations",
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
