"""The editors' dashboard: the day's work as charts (Chart.js through Chartkick.js,
served from our own static files), each downloadable as CSV."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from claims.desk import HtmxRequest
from claims.roles import editor_required
from claims.services import dashboard

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30


def _days(request: HtmxRequest) -> int:
    value = request.GET.get("days", "")
    return int(value) if value.isdigit() and int(value) in WINDOWS else DEFAULT_WINDOW


@editor_required
def dashboard_page(request: HtmxRequest) -> HttpResponse:
    days = _days(request)
    since, until = dashboard.window(days=days)
    waiting, oldest = dashboard.queue_now()
    context = {
        "charts": [
            {
                "figure": f,
                "id": f"chart-{f.key}",
                "data_id": f"chart-{f.key}-data",
                "options_id": f"chart-{f.key}-options",
                "series": f.series(),
                "options": f.options(),
            }
            for f in dashboard.figures(since=since, until=until)
        ],
        "days": days,
        "windows": WINDOWS,
        "since": since,
        "until": until,
        "waiting": waiting,
        "oldest_hours": round(oldest.total_seconds() / 3600, 1) if oldest else None,
    }
    return render(request, "claims/dashboard.html", context)


@editor_required
def dashboard_csv(request: HtmxRequest, key: str) -> HttpResponse:
    if key not in dashboard.FIGURES:
        raise Http404
    since, until = dashboard.window(days=_days(request))
    figure = dashboard.figure(key=key, since=since, until=until)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-{since}-{until}.csv"'
    csv.writer(response).writerows(figure.csv_rows())
    return response
