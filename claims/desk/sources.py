"""The sources page: what the desk watches, how each poll went, and the entries
that could not be read. Reviewers read; editors add, pause, resume, poll and retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from claims import roles, services
from claims.desk import HtmxRequest
from claims.desk.forms import SourceForm
from claims.models import FeedEntry
from claims.roles import editor_required, reviewer_required
from claims.services import sources

ACTIONS = {
    "pause": (sources.source_pause, "Paused: it will not be polled until it is resumed."),
    "resume": (sources.source_resume, "Resumed: it is being polled now."),
    "poll": (sources.source_poll_now, "A poll is queued."),
}


def _page(request: HtmxRequest, form: SourceForm | None = None, *, status: int = 200) -> HttpResponse:
    is_editor = roles.is_editor(request.user)
    context = {
        "sources": sources.sources_with_counts(),
        "form": form or (SourceForm(initial={"interval": 900}) if is_editor else None),
        "is_editor": is_editor,
    }
    return render(request, "claims/sources.html", context, status=status)


@reviewer_required
def source_list(request: HtmxRequest) -> HttpResponse:
    return _page(request)


@require_POST
@editor_required
def source_add(request: HtmxRequest) -> HttpResponse:
    form = SourceForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        source = sources.source_create(fields=form.cleaned_data, created_by=request.user)
    except services.InvalidInput as exc:
        for name, message in (exc.fields or {"url": exc.message}).items():
            form.add_error(name if name in form.fields else None, message)
        return _page(request, form, status=422)
    except services.Conflict as exc:
        form.add_error("url", exc.message)
        return _page(request, form, status=409)
    messages.success(request, f"Watching {source.url}; its first poll is queued.")
    return redirect("claims:sources")


@reviewer_required
def source_detail(request: HtmxRequest, source_id: int) -> HttpResponse:
    source = get_object_or_404(sources.sources_with_counts(), pk=source_id)
    entries = source.entries.select_related("article").order_by("-created", "-pk")
    context = {
        "source": source,
        "failed": entries.filter(status=FeedEntry.Status.FAILED)[:100],
        "recent": entries.exclude(status=FeedEntry.Status.FAILED)[:50],
        "appearances": source.appearances.count(),
        "is_editor": roles.is_editor(request.user),
    }
    return render(request, "claims/source.html", context)


@require_POST
@editor_required
def source_action(request: HtmxRequest, source_id: int, action: str) -> HttpResponse:
    source = get_object_or_404(sources.sources_with_counts(), pk=source_id)
    if action == "delete":
        sources.source_delete(source=source)
        messages.success(request, f"No longer watching {source.url}.")
        return redirect("claims:sources")
    if action not in ACTIONS:
        return HttpResponse(status=404)
    run, said = ACTIONS[action]
    run(source=source)
    if request.htmx:
        row = get_object_or_404(sources.sources_with_counts(), pk=source_id)
        context = {"source": row, "is_editor": True, "said": said}
        return render(request, "claims/partials/source_row.html", context)
    messages.success(request, said)
    return redirect(request.POST.get("next") or "claims:sources")


@require_POST
@editor_required
def entry_retry(request: HtmxRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(FeedEntry, pk=entry_id)
    if entry.status != FeedEntry.Status.FAILED:
        messages.info(request, "Only an entry that failed can be retried.")
    else:
        sources.entry_retry(entry=entry)
        messages.success(request, "The entry is being fetched again.")
    return redirect("claims:source", source_id=entry.source_id)
