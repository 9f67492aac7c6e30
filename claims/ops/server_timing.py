"""A Server-Timing header on responses that embedded text, so a client, a
browser's network panel or bench/match_api.py sees how much of a request the
model took (`embed`) against the whole of the view and middleware (`app`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from claims.engine import embedding


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with embedding.time_spent() as spent:
            response = self.get_response(request)
        if spent[0] > 0:
            app = time.perf_counter() - started
            response["Server-Timing"] = f"embed;dur={spent[0] * 1000:.2f}, app;dur={app * 1000:.2f}"
        return response
