"""One JSON shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.services import Conflict, InvalidInput, NotAllowed
from claims.services.fetch import FetchError

logger = logging.getLogger(__name__)

SERVER_ERROR = "Something went wrong on our side; it has been logged."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: " ".join(str(item) for item in value) if isinstance(value, list) else str(value)
            for key, value in detail.items()
        }
    return {}


def exception_handler(exc, context):
    # A request that matches the schema but that a service cannot act on is a
    # 422; a request that does not match the schema fails in its serializer (400).
    if isinstance(exc, InvalidInput):
        if exc.code == "too_large":
            return Response(error_body(exc.code, exc.message, exc.fields), status=413)
        if exc.code == "conflict":  # e.g. merging two groups that both have a verdict
            return Response(error_body(exc.code, exc.message, exc.fields), status=status.HTTP_409_CONFLICT)
        code = "unprocessable" if exc.code == "invalid" else exc.code
        return Response(error_body(code, exc.message, exc.fields), status=422)
    if isinstance(exc, FetchError):
        return Response(error_body(exc.code, exc.message, {"url": exc.message}), status=422)
    if isinstance(exc, Conflict):
        return Response(error_body("conflict", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotAllowed):
        return Response(error_body("permission_denied", exc.message), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DatabaseError):
        return Response(
            error_body("service_unavailable", "The database is unavailable; try again shortly."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, RequestDataTooBig):
        # DRF reads the whole body before LimitedJSONParser can look at its
        # length, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE check fires first.
        return Response(error_body("too_large", "The request body is too large."), status=413)
    if isinstance(exc, SuspiciousOperation):  # e.g. too many form fields: the client's doing
        return Response(error_body("bad_request", "The request cannot be read."), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug: log it with its traceback, and answer JSON even with DEBUG on
        # (Django's debug page would be an HTML traceback).
        view = context.get("view")
        logger.exception("unhandled error in %s", type(view).__name__ if view else "an API view", exc_info=exc)
        return Response(error_body("server_error", SERVER_ERROR), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail) if isinstance(detail, dict) else {}
        message = (
            "The request is invalid: " + "; ".join(f"{k}: {v}" for k, v in fields.items())
            if fields
            else str(detail[0] if isinstance(detail, list) and detail else detail)
        )
        response.data = error_body("invalid", message, fields)
    else:
        code = getattr(exc, "default_code", "error")
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        response.data = error_body(code, message)
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    """JSON for API paths, the usual page elsewhere."""
    if _is_api(request):
        return JsonResponse(error_body("not_found", "No such URL."), status=404)
    return defaults.page_not_found(request, exception)


def handler500(request):
    """Never an HTML traceback for an API client."""
    if _is_api(request):
        return JsonResponse(error_body("server_error", SERVER_ERROR), status=500)
    return defaults.server_error(request)


def handler400(request, exception=None):
    """A request Django itself refuses (a bad Host header, an oversized form)."""
    if _is_api(request):
        return JsonResponse(error_body("bad_request", "The request is malformed."), status=400)
    return defaults.bad_request(request, exception)
