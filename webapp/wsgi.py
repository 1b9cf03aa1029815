"""The WSGI application the server runs (webapp/server.py)."""

import io
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")


def sized_bodies(app):
    """APP, with a chunked request body given a length before Django sees it.

    Django reads a body only as far as ``CONTENT_LENGTH`` says (none: empty), so a chunked body
    (``Transfer-Encoding: chunked``, no length) would look empty. The body is read here up to the
    size limit plus one byte: within it, it reaches Django as a body of that length; over it, its
    length is given as over the limit and BodySizeLimitMiddleware answers the JSON ``413``
    without Django reading anything.
    """

    def application(environ, start_response):
        if "HTTP_TRANSFER_ENCODING" in environ and not environ.get("CONTENT_LENGTH"):
            limit = settings.MAX_REQUEST_BODY_BYTES
            body = environ["wsgi.input"].read(limit + 1)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body if len(body) <= limit else b"")
            del environ["HTTP_TRANSFER_ENCODING"]
        return app(environ, start_response)

    return application


application = sized_bodies(get_wsgi_application())
