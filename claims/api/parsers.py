"""Parsers that refuse an oversized body with 413 before reading it whole."""

from __future__ import annotations

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _declared_length(parser_context) -> int:
    request = (parser_context or {}).get("request")
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except (TypeError, ValueError):
        return 0


class LimitedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        if _declared_length(parser_context) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit:,} bytes.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            # json.loads recurses per nesting level: `[[[[...` a few KB long
            # would otherwise escape as a 500.
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class LimitedMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # A little room on top of the file for the other form fields and the boundaries.
        limit = settings.IMPORT_MAX_BYTES + 64 * 1024
        if _declared_length(parser_context) > limit:
            raise RequestTooLarge(f"The upload is larger than {settings.IMPORT_MAX_BYTES:,} bytes.")
        return super().parse(stream, media_type, parser_context)
