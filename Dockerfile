# syntax=docker/dockerfile:1
# The users API's container image. Build and run it with harness/image (python -m harness.image) (README: "Container
# image"); it builds unchanged with Docker/BuildKit and with podman/buildah.
#
#   BASE_IMAGE   any Debian-based image with Python 3.11+ and its venv module (default: the
#                official Python slim image; harness/image (python -m harness.image) builds a local one from Debian's
#                packages when no registry can be reached).
#   VERSION, REVISION, SOURCE   OCI labels (set by harness/image (python -m harness.image) from pyproject.toml and git).
#
# Secrets: none is passed as an ARG or copied into a layer. The only build secret is an optional
# CA bundle for pip (id=pip_ca), mounted for one RUN and never stored.

ARG BASE_IMAGE=docker.io/library/python:3.12-slim-bookworm

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS build

# PIP_CONFIG_FILE=/dev/null: ignore any pip configuration in the base image; use PyPI.
ENV PIP_CONFIG_FILE=/dev/null \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DEFAULT_TIMEOUT=120 \
    PYTHONDONTWRITEBYTECODE=1

RUN python3 -m venv /opt/venv

COPY requirements/base.txt /tmp/requirements.txt

# The CA bundle (for a TLS-intercepting proxy) is a build secret: mounted for this step only.
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && /opt/venv/bin/python -m pip install --no-compile -r /tmp/requirements.txt \
    && /opt/venv/bin/python -m pip uninstall --yes pip setuptools \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

WORKDIR /app
COPY manage.py ./
COPY webapp/ ./webapp/
COPY container/entrypoint.sh container/healthcheck.py /usr/local/lib/users-api/
RUN /opt/venv/bin/python -m compileall -q /app/webapp

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime

# A fixed, non-root UID/GID, so volume ownership and Kubernetes securityContext can name it.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown 10001:10001 /data \
    && chmod 0750 /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=build /usr/local/lib/users-api /usr/local/lib/users-api

# The root filesystem may be read-only: Python writes no bytecode, the server writes no file, and
# the default SQLite database lives in /data (a writable volume; /tmp is one too).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=webapp.settings \
    DJANGO_ENV=production \
    DATA_DIR=/data \
    PORT=8000

WORKDIR /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
STOPSIGNAL SIGTERM

# Declared last, so that a new revision does not invalidate the cached layers above.
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE=unknown
# The base it was built on, so that a gate checking an image built elsewhere knows it.
ARG BASE_IMAGE
LABEL org.opencontainers.image.title="users-api" \
      org.opencontainers.image.description="Users REST API (Django REST framework under granian)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"

# Ready = the database answers and no migration is pending (GET /readyz), checked with Python.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python3", "/usr/local/lib/users-api/healthcheck.py"]

# `serve` (default): the server (granian); `migrate`: apply migrations and exit. See container/entrypoint.sh.
ENTRYPOINT ["/usr/local/lib/users-api/entrypoint.sh"]
CMD ["serve"]
