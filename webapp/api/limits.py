"""Request limits whose defaults both the settings and the API description quote."""

# Largest request body accepted unless MAX_REQUEST_BODY_BYTES says otherwise: 16 KiB.
DEFAULT_MAX_REQUEST_BODY_BYTES = 16 * 1024

# What gunicorn reads of a request before it passes it on (gunicorn.conf.py sets them; these are
# gunicorn's own defaults). A request over one of them is answered by the worker, not by Django:
# 414 for the request line, 431 for the headers (webapp/api/workers.py).
REQUEST_LINE_MAX_BYTES = 4094  # method, path, query and version
REQUEST_HEADERS_MAX = 100  # header fields
REQUEST_HEADER_MAX_BYTES = 8190  # one header field, name and value
