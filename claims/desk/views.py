"""The reviewer's desk: thin function views that parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from claims import roles, services
from claims.desk import HtmxRequest, group_presenters, presenters
from claims.desk.forms import AssignForm, QueueFilterForm, ReferenceForm, VerdictForm
from claims.models import Article, Claim, Match, Reference, Verdict
from claims.roles import editor_required, reviewer_required
from claims.services import claimreview, groups, review

QUEUE_PAGE_SIZE = 25


def _partial(request: HtmxRequest) -> bool:
    """An htmx request that wants a fragment, not a whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _queue_form(request: HtmxRequest) -> QueueFilterForm:
    """The queue filters: the GET parameters, or those a form carried along in
    its `filters` field, so next/previous and redirects keep the reviewer's view."""
    data = request.GET if request.method == "GET" else QueryDict(request.POST.get("filters", ""))
    return QueueFilterForm(data, reviewers=roles.reviewers())


# --- Queue -------------------------------------------------------------------------


@reviewer_required
def queue(request: HtmxRequest) -> HttpResponse:
    form = _queue_form(request)
    filters = form.queue_filters(user=request.user)
    claims = services.claim_queue(**filters).select_related("article", "assignee").defer("embedding")
    page = Paginator(claims, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    presenters.with_best_matches(page.object_list)
    context = {
        "form": form,
        "filters": form.querystring(),
        "sort": filters["sort"],
        "page": page,
        "counts": presenters.status_counts(
            services.status_counts(claims=services.claim_queue(**{**filters, "status": services.ANY_STATUS}))
        ),
        "articles": Article.objects.filter(Q(claims__isnull=False) | Q(pk=filters["article_id"] or 0))
        .distinct()
        .only("pk", "title")[:200],
    }
    template = "claims/partials/queue_results.html" if _partial(request) else "claims/queue.html"
    return render(request, template, context)


# --- Articles ---------------------------------------------------------------------


@reviewer_required
def article_detail(request: HtmxRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=article_id)
    claims = list(article.claims.defer("embedding").order_by("start"))
    context = {
        "article": article,
        "claims": claims,
        "claim_count": len(claims),
        "steps": presenters.pipeline_steps(article),
        "segments": presenters.article_segments(article.text, claims),
    }
    return render(request, "claims/article.html", context)


@reviewer_required
def article_status(request: HtmxRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=article_id)
    context = {"article": article, "claim_count": article.claims.count(), "steps": presenters.pipeline_steps(article)}
    response = render(request, "claims/partials/article_status.html", context)
    if request.htmx and article.is_finished:
        # The page was showing progress: reload it to show the claims or the error.
        response["HX-Refresh"] = "true"
    return response


@require_POST
@reviewer_required
def article_retry(request: HtmxRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=article_id)
    if article.status != Article.Status.FAILED:
        messages.info(request, "Only an article that failed can be retried.")
    else:
        services.article_retry(article=article)
        messages.success(request, "The article is being processed again.")
    return redirect("claims:article", article_id=article.pk)


@editor_required
def failed_articles(request: HtmxRequest) -> HttpResponse:
    """The dead letters: articles whose processing failed for good (a bug, bad
    data, or work stuck past SWEEP_GIVE_UP_AFTER), with why, for an editor to retry."""
    failed = Article.objects.filter(status=Article.Status.FAILED).only("pk", "title", "error", "updated", "created")
    page = Paginator(failed.order_by("-updated", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "claims/failed_articles.html", {"page": page})


# --- Claims -----------------------------------------------------------------------


def _claim(claim_id: int) -> Claim:
    matches = Match.objects.select_related("reference", "decided_by").defer("reference__embedding").order_by("rank")
    return get_object_or_404(
        Claim.objects.select_related("article", "assignee", "group")
        .defer("embedding")
        .prefetch_related(Prefetch("matches", queryset=matches)),
        pk=claim_id,
    )


def _claim_page(
    request: HtmxRequest,
    claim: Claim,
    *,
    verdict_form: VerdictForm | None = None,
    conflict: str = "",
    status: int = 200,
    template: str = "claims/claim.html",
) -> HttpResponse:
    form = _queue_form(request)
    filters = form.queue_filters(user=request.user)
    previous, following = services.claim_neighbours(
        claim=claim, queue=services.claim_queue(**filters), sort=filters["sort"]
    )
    before, parts, after = presenters.claim_context(claim)
    is_editor = roles.is_editor(request.user)
    context = {
        "claim": claim,
        "before": before,
        "parts": parts,
        "after": after,
        "slot_rows": presenters.slot_rows(claim.slots),
        "matches": [presenters.with_tier(m) for m in claim.matches.all()],
        "verdicts": claim.verdicts.select_related("reviewer"),
        "verdict_form": verdict_form or VerdictForm(initial={"version": claim.version}),
        "ratings": presenters.ratings(),
        "conflict": conflict,
        "filters": form.querystring(),
        "previous": previous,
        "next": following,
        "is_editor": is_editor,
        "assign_form": (
            AssignForm(initial={"assignee": claim.assignee, "version": claim.version}, reviewers=roles.reviewers())
            if is_editor
            else None
        ),
        "audit": presenters.audit_trail(claim),
        **_group_panel(claim),
    }
    return render(request, template, context, status=status)


def _group_panel(claim: Claim) -> dict:
    """The claim's group: how often it appeared, why it joined, and the verdict
    that holds for every member (a published one makes it "already checked")."""
    if claim.group is None:
        return {"group": None}
    verdict = groups.group_verdict(group=claim.group)
    return {
        "group": claim.group,
        "group_reason": group_presenters.reason(claim),
        "group_verdict": verdict,
        "already_checked": verdict is not None and verdict.is_published,
    }


@reviewer_required
def claim_detail(request: HtmxRequest, claim_id: int) -> HttpResponse:
    return _claim_page(request, _claim(claim_id))


def _claim_url(claim: Claim, filters: str = "") -> str:
    url = reverse("claims:claim", args=[claim.pk])
    return f"{url}?{filters}" if filters else url


@require_POST
@reviewer_required
def verdict_create(request: HtmxRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _verdict_error(request, claim, form, status=422)
    data = form.cleaned_data
    try:
        services.verdict_record(
            claim=claim,
            reviewer=request.user,
            rating=data["rating"],
            note=data["note"],
            sources=data["sources"],
            expected_version=data["version"],
        )
    except services.InvalidInput as exc:
        form.add_error(None, exc.message)
        return _verdict_error(request, claim, form, status=422)
    except services.Conflict as exc:
        claim = _claim(claim_id)
        # Keep what the reviewer typed; the new version lets them save it on purpose.
        kept = VerdictForm(initial={**data, "version": claim.version})
        return _verdict_error(request, claim, kept, status=409, conflict=exc.message)
    messages.success(request, "Verdict saved.")
    url = _claim_url(claim, request.POST.get("filters", ""))
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _verdict_error(request: HtmxRequest, claim: Claim, form: VerdictForm, *, status: int, conflict: str = ""):
    template = "claims/partials/verdict_panel.html" if _partial(request) else "claims/claim.html"
    return _claim_page(request, claim, verdict_form=form, conflict=conflict, status=status, template=template)


@require_POST
@editor_required
def verdict_publish(request: HtmxRequest, verdict_id: int) -> HttpResponse:
    verdict = get_object_or_404(Verdict.objects.select_related("claim"), pk=verdict_id)
    services.verdict_publish(verdict=verdict, editor=request.user)
    messages.success(request, "Verdict published: it is now in the ClaimReview feed.")
    return redirect(_claim_url(verdict.claim, request.POST.get("filters", "")))


@require_POST
@editor_required
def verdict_withdraw(request: HtmxRequest, verdict_id: int) -> HttpResponse:
    verdict = get_object_or_404(Verdict.objects.select_related("claim"), pk=verdict_id)
    if not verdict.is_published:
        messages.info(request, "This verdict is not published.")
    else:
        review.verdict_withdraw(verdict=verdict, editor=request.user)
        messages.success(request, "Verdict withdrawn: it has left the ClaimReview feed and the reference corpus.")
    return redirect(_claim_url(verdict.claim, request.POST.get("filters", "")))


@require_POST
@editor_required
def claim_assign(request: HtmxRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.defer("embedding"), pk=claim_id)
    form = AssignForm(request.POST, reviewers=roles.reviewers())
    if not form.is_valid():
        messages.error(request, "Choose a reviewer from the list.")
    else:
        try:
            services.claim_assign(
                claim=claim,
                assignee=form.cleaned_data["assignee"],
                editor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.Conflict as exc:
            messages.error(request, exc.message)
        else:
            who = form.cleaned_data["assignee"]
            messages.success(request, f"Assigned to {who.get_username()}." if who else "Unassigned.")
    return redirect(_claim_url(claim, request.POST.get("filters", "")))


@require_POST
@reviewer_required
def match_decide(request: HtmxRequest, match_id: int) -> HttpResponse:
    match = get_object_or_404(Match.objects.select_related("claim", "reference", "decided_by"), pk=match_id)
    try:
        services.match_decide(match=match, reviewer=request.user, decision=request.POST.get("decision", ""))
    except services.InvalidInput as exc:
        return HttpResponseBadRequest(exc.message)
    if not _partial(request):
        return redirect(_claim_url(match.claim, request.POST.get("filters", "")))
    context = {"match": presenters.with_tier(match), "claim": match.claim, "is_editor": roles.is_editor(request.user)}
    return render(request, "claims/partials/match_row.html", {**context, "oob_version": True})


# --- References (editors) ---------------------------------------------------------------


@reviewer_required
def reference_list(request: HtmxRequest) -> HttpResponse:
    # Reviewers browse and search the corpus too; adding, editing and importing stay with editors.
    references = Reference.objects.defer("embedding", "slots").order_by("-updated", "-pk")
    query = request.GET.get("q", "").strip()
    if query:
        references = references.filter(
            Q(text__icontains=query)
            | Q(title__icontains=query)
            | Q(publisher__icontains=query)
            | Q(external_id__iexact=query)
        )
    page = Paginator(references, 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "is_editor": roles.is_editor(request.user)}
    return render(request, "claims/references.html", context)


@editor_required
def reference_edit(request: HtmxRequest, reference_id: int | None = None) -> HttpResponse:
    reference = get_object_or_404(Reference, pk=reference_id) if reference_id else Reference()
    form = ReferenceForm(request.POST or None, instance=reference)
    if request.method == "POST" and form.is_valid():
        services.reference_save(reference=form.save(commit=False))
        messages.success(request, "Reference saved.")
        return redirect("claims:references")
    return render(request, "claims/reference_form.html", {"form": form, "reference": reference})


# --- ClaimReview (public) -------------------------------------------------------------


def claimreview_detail(request: HtmxRequest, verdict_id: int) -> JsonResponse:
    # Published fact-checks are public by nature: search engines read this.
    verdict = get_object_or_404(Verdict.objects.published().select_related("claim__article"), pk=verdict_id)
    return JsonResponse(claimreview.claimreview(verdict, base_url=request.build_absolute_uri("/")))


def claimreview_feed(request: HtmxRequest) -> JsonResponse:
    verdicts = Verdict.objects.published().select_related("claim__article").order_by("-published_at")
    return JsonResponse(claimreview.feed(verdicts, base_url=request.build_absolute_uri("/")))
