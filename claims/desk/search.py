"""The search box on every page: "has this been checked?" (the UI of POST /api/match)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from claims import services
from claims.desk import HtmxRequest
from claims.desk.forms import SearchForm
from claims.roles import reviewer_required
from claims.services import search as search_service


@reviewer_required
def search(request: HtmxRequest) -> HttpResponse:
    form = SearchForm(request.GET if "q" in request.GET else None)
    result, error = None, ""
    if form.is_valid():
        try:
            result = search_service.desk_search(text=form.cleaned_data["q"])
        except services.InvalidInput as exc:
            error = exc.message
    return render(request, "claims/search.html", {"form": form, "result": result, "error": error})
