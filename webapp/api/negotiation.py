"""Content negotiation: DRF's, honouring q=0, with a shortcut for what almost every client sends."""

from django.http.request import MediaType
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation

# Accept headers whose answer is always the first renderer's own media type when that renderer
# writes JSON: no header at all (DRF reads it as */*), */* and application/json exactly.
_PLAIN_JSON_ACCEPTS = frozenset({None, "*/*", "application/json"})


def refused(media_type: str, ranges: list[MediaType]) -> bool:
    """True when the Accept ranges give this media type the quality 0: "not acceptable".

    As RFC 9110 (12.5.1) says, the most specific range that matches the media type decides its
    quality, so ``application/json;q=0, */*`` refuses JSON and ``*/*;q=0, application/json``
    accepts it. Django's MediaType parses the ranges and their q (an invalid q counts as 1).
    DRF's own algorithm ignores q; a media type this does not refuse is left to it.
    """
    offered = MediaType(media_type)
    matching = [accepted for accepted in ranges if offered.match(accepted)]
    if not matching:
        return False
    return max(matching, key=lambda accepted: accepted.specificity).quality == 0


def asks_for_plain_json(request, format_param: str) -> bool:
    """Whether a request without a format suffix gets, from a view whose first renderer writes
    ``application/json``, that renderer and the media type ``application/json`` whatever DRF's
    algorithm: no Accept header (DRF reads it as ``*/*``), ``*/*`` or ``application/json``
    exactly, and no ``?format=`` override (FORMAT_PARAM: DRF's URL_FORMAT_OVERRIDE). Without a
    query string there is no ``?format=`` to look at, and no QueryDict to build. REQUEST is
    Django's or DRF's."""
    meta = request.META
    return meta.get("HTTP_ACCEPT") in _PLAIN_JSON_ACCEPTS and (
        not meta.get("QUERY_STRING") or format_param not in request.GET
    )


class FastContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, without the renderers the Accept header gives q=0, and answering the
    plain cases without parsing the header.

    For a view whose first renderer is ``application/json``, a request without a format
    override that accepts ``*/*`` or exactly ``application/json`` gets what DRF's algorithm
    gives it: that renderer, and the media type ``application/json``. Every other request
    (any other Accept header, ``?format=``, a format suffix) goes through DRF's algorithm, over
    the renderers whose media type the header does not refuse with ``q=0`` (DRF reads q only
    for ordering); when it refuses all of them the answer is 406, as for any Accept that
    excludes them. Profiling GET one showed DRF's Accept parsing as the largest part of its
    per-request overhead.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            renderers
            and renderers[0].media_type == "application/json"
            and not format_suffix
            and asks_for_plain_json(request, self.settings.URL_FORMAT_OVERRIDE)
        ):
            return renderers[0], renderers[0].media_type
        ranges = [MediaType(token) for token in self.get_accept_list(request)]
        acceptable = [r for r in renderers if not refused(r.media_type, ranges)]
        if renderers and not acceptable:
            raise exceptions.NotAcceptable(available_renderers=renderers)
        return super().select_renderer(request, acceptable, format_suffix)
