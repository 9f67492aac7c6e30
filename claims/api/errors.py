"""One JSON shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.services import InvalidInput


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
    if isinstance(exc, InvalidInput):
        code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if exc.code == "too_large" else 400
        return Response(error_body(exc.code, exc.message, exc.fields), status=code)
    if isinstance(exc, DatabaseError):
        return Response(
            error_body("service_unavailable", "The database is unavailable; try again shortly."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
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


def json_404(request, exception=None):
    return JsonResponse(error_body("not_found", "No such URL."), status=404)
