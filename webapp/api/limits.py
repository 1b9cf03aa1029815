"""Request limits whose defaults both the settings and the API description quote."""

# Largest request body accepted unless MAX_REQUEST_BODY_BYTES says otherwise: 16 KiB.
DEFAULT_MAX_REQUEST_BODY_BYTES = 16 * 1024

# What the service reads of a request before it routes it (RequestLimitsMiddleware): 414 for the
# request line, 431 for the headers, in JSON. The server's own limits are above these (granian
# reads at most 100 header fields and 408 KiB of head), so a request over them reaches the
# service, which answers as the contract says; only one over the server's limits gets the
# server's empty answer (docs/api.md).
REQUEST_LINE_MAX_BYTES = 4094  # method, path and query and version
REQUEST_HEADERS_MAX = 64  # header fields
REQUEST_HEADER_MAX_BYTES = 8190  # one header field, name and value
