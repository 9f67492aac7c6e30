"""Liveness and readiness, for load balancers and for people."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

from claims.engine import embedding


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as exc:
        return f"down: {exc.__class__.__name__}"


def _broker() -> str:
    from factcheck.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # kombu raises a different class per transport
        return f"down: {exc.__class__.__name__}"


def _model() -> str:
    if embedding.is_loaded():
        return "ok"
    return "ok (not loaded yet)" if embedding.model_available() else "down: model files missing"


def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker(), "model": _model()}
    healthy = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
