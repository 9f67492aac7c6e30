"""One small function per API operation: parse, call a service, serialise.

Where one URL takes several methods, a dispatcher decorated with `@api_view`
hands each method to its own operation function; the schema, permissions and
throttle scope are declared per method on the dispatcher.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from claims import services
from claims.api import serializers as s
from claims.api.pagination import NewestFirst, paginate
from claims.api.parsers import LimitedMultiPartParser
from claims.api.permissions import IsEditor, IsReviewer
from claims.models import Article, Claim, ImportJob, Match, Reference, Verdict, WebhookSubscription
from claims.services import claimreview

ERROR_DESCRIPTIONS = {
    400: "The request does not match the schema; `fields` says where.",
    401: "No token, or a bad one.",
    403: "The token's user has no role that allows this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict: the claim changed since you read it, or the thing exists already.",
    413: "The body or file is too large.",
    415: "Unsupported content type.",
    422: "Well-formed, but it cannot be acted on; see `code` and `message`.",
    429: "Too many requests; wait `Retry-After` seconds.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an operation; every one has 401, 403 and 429."""
    return {
        code: OpenApiResponse(response=s.ErrorOutput, description=ERROR_DESCRIPTIONS[code])
        for code in sorted({401, 403, 429, *codes})
    }


def valid(serializer_class: type[Serializer], data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def throttle(**scopes: str):
    """Extra rate limits for expensive methods: throttle(POST="submit")."""

    def decorator(func):
        func.throttle_scope = scopes
        return func

    return decorator


class EditorWrites(BasePermission):
    """Reviewers read; only editors change."""

    message = IsEditor.message

    def has_permission(self, request, view) -> bool:
        check = IsReviewer() if request.method in SAFE_METHODS else IsEditor()
        return check.has_permission(request, view)


def _location(name: str, pk: int) -> dict[str, str]:
    return {"Location": reverse(f"api:{name}", args=[pk])}


# --- Articles ---------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="articles_list",
    summary="List articles, newest first",
    parameters=[s.ArticleFilterInput],
    responses={200: s.page_of(s.ArticleSummaryOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="articles_submit",
    summary="Submit an article (text, HTML, or a URL to fetch)",
    description="202 with a Location to poll while claims are extracted and matched. The same content, or "
    "a repeated `Idempotency-Key`, answers 200 with the article already stored.",
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            {"type": "string", "maxLength": 200},
            OpenApiParameter.HEADER,
            description="Resubmitting with the same key returns the first article.",
        )
    ],
    request=s.ArticleSubmitInput,
    responses={202: s.ArticleAcceptedOutput, 200: s.ArticleAcceptedOutput, **errors(400, 413, 415, 422)},
)
@api_view(["GET", "POST"])
@throttle(POST="submit")
def articles(request: Request) -> Response:
    return article_submit(request) if request.method == "POST" else article_list(request)


def article_list(request: Request) -> Response:
    query = valid(s.ArticleFilterInput, request.query_params)
    rows = Article.objects.annotate(claim_count=Count("claims"))
    if query.get("status"):
        rows = rows.filter(status=query["status"])
    return paginate(request, rows, s.ArticleSummaryOutput)


def article_submit(request: Request) -> Response:
    data = valid(s.ArticleSubmitInput, request.data)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationError({"Idempotency-Key": "At most 200 characters."})
    article, created = services.article_submit(
        text=data["text"],
        content_format=data["format"],
        url=data["url"],
        title=data["title"],
        published=data["published"],
        submitted_by=request.user,
        idempotency_key=key,
    )
    return Response(
        s.ArticleAcceptedOutput(article).data,
        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        headers=_location("article-detail", article.pk),
    )


@extend_schema(
    operation_id="articles_retrieve",
    summary="An article with its status, claims, matches and number comparisons",
    responses={200: s.ArticleOutput, **errors(404)},
)
@api_view(["GET"])
def article_detail(request: Request, article_id: int) -> Response:
    matches = Match.objects.select_related("reference").order_by("rank")
    claims = Claim.objects.order_by("start").prefetch_related(Prefetch("matches", queryset=matches))
    article = get_object_or_404(Article.objects.prefetch_related(Prefetch("claims", queryset=claims)), pk=article_id)
    return Response(s.ArticleOutput(article).data)


# --- Claims -------------------------------------------------------------------------


@extend_schema(
    operation_id="claims_list",
    summary="List claims, newest first, with filters",
    parameters=[s.ClaimFilterInput],
    responses={200: s.page_of(s.ClaimSummaryOutput), **errors(400, 404)},
)
@api_view(["GET"])
def claim_list(request: Request) -> Response:
    query = valid(s.ClaimFilterInput, request.query_params)
    rows = services.claim_queue(
        status=query.get("status") or services.ANY_STATUS,
        article_id=query.get("article"),
        kind=query.get("kind"),
        numbers_differ=query["numbers_differ"],
    ).select_related("assignee")
    if query.get("assignee"):
        rows = rows.filter(assignee__username=query["assignee"])
    return paginate(request, rows, s.ClaimSummaryOutput)


def _claim_detail(claim_id: int) -> Claim:
    matches = Match.objects.select_related("reference").order_by("rank")
    verdicts = Verdict.objects.select_related("reviewer", "claim").order_by("-created")
    return get_object_or_404(
        Claim.objects.select_related("assignee").prefetch_related(
            Prefetch("matches", queryset=matches), Prefetch("verdicts", queryset=verdicts)
        ),
        pk=claim_id,
    )


@extend_schema(
    operation_id="claims_retrieve",
    summary="A claim with its matches, number comparisons and verdicts",
    responses={200: s.ClaimDetailOutput, **errors(404)},
)
@api_view(["GET"])
def claim_detail(request: Request, claim_id: int) -> Response:
    return Response(s.ClaimDetailOutput(_claim_detail(claim_id)).data)


@extend_schema(
    operation_id="claims_assign",
    summary="Assign a claim to a reviewer (editor)",
    request=s.ClaimAssignInput,
    responses={200: s.ClaimDetailOutput, **errors(400, 404, 409, 415, 422)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
def claim_assign(request: Request, claim_id: int) -> Response:
    claim = get_object_or_404(Claim, pk=claim_id)
    data = valid(s.ClaimAssignInput, request.data)
    assignee = None
    if data["assignee"] is not None:
        assignee = get_user_model().objects.filter(username=data["assignee"]).first()
        if assignee is None:
            raise services.InvalidInput("No such user.", fields={"assignee": "No user with this username."})
    services.claim_assign(
        claim=claim, assignee=assignee, editor=request.user, expected_version=data["expected_version"]
    )
    return Response(s.ClaimDetailOutput(_claim_detail(claim.pk)).data)


@extend_schema(
    operation_id="matches_decide",
    summary="Confirm or reject a suggested match",
    request=s.MatchDecisionInput,
    responses={200: s.MatchOutput, **errors(400, 404, 415)},
)
@api_view(["POST"])
def match_decide(request: Request, match_id: int) -> Response:
    match = get_object_or_404(Match.objects.select_related("reference", "claim"), pk=match_id)
    data = valid(s.MatchDecisionInput, request.data)
    services.match_decide(match=match, reviewer=request.user, decision=data["decision"])
    return Response(s.MatchOutput(match).data)


# --- Matching --------------------------------------------------------------------------


@extend_schema(
    operation_id="match",
    summary="Rank the references nearest to one claim text",
    request=s.MatchInput,
    responses={200: s.MatchOutputList, **errors(400, 413, 415, 422)},
)
@api_view(["POST"])
@throttle(POST="match")
def match(request: Request) -> Response:
    v = valid(s.MatchInput, request.data)
    results = services.claim_match(
        text=v["text"],
        top_k=v["top_k"],
        published=v["published"],
        likely=v["likely_threshold"],
        possible=v["possible_threshold"],
    )
    return Response(s.MatchOutputList({"results": results}).data)


@extend_schema(
    operation_id="match_batch",
    summary=f"Rank references for up to {settings.MATCH_BATCH_MAX} claim texts at once",
    request=s.MatchBatchInput,
    responses={200: s.MatchBatchOutput, **errors(400, 413, 415, 422)},
)
@api_view(["POST"])
@throttle(POST="match")
def match_batch(request: Request) -> Response:
    v = valid(s.MatchBatchInput, request.data)
    batches = services.claims_match_batch(
        texts=v["texts"],
        top_k=v["top_k"],
        published=v["published"],
        likely=v["likely_threshold"],
        possible=v["possible_threshold"],
    )
    items = [{"index": i, "results": results} for i, results in enumerate(batches)]
    return Response(s.MatchBatchOutput({"results": items}).data)


# --- Verdicts ----------------------------------------------------------------------------


@extend_schema(
    operation_id="verdicts_create",
    summary="Give a verdict on a claim",
    description="`expected_version` is the claim version you read; if someone changed the claim since, 409.",
    request=s.VerdictCreateInput,
    responses={201: s.VerdictOutput, **errors(400, 404, 409, 415, 422)},
)
@api_view(["POST"])
def verdict_create(request: Request, claim_id: int) -> Response:
    claim = get_object_or_404(Claim, pk=claim_id)
    data = valid(s.VerdictCreateInput, request.data)
    verdict = services.verdict_record(claim=claim, reviewer=request.user, **data)
    return Response(
        s.VerdictOutput(verdict).data, status=status.HTTP_201_CREATED, headers=_location("verdict-detail", verdict.pk)
    )


@extend_schema(
    operation_id="verdicts_list",
    summary="List verdicts, newest first",
    parameters=[s.VerdictFilterInput],
    responses={200: s.page_of(s.VerdictOutput), **errors(400, 404)},
)
@api_view(["GET"])
def verdict_list(request: Request) -> Response:
    query = valid(s.VerdictFilterInput, request.query_params)
    rows = Verdict.objects.select_related("reviewer", "claim")
    if query.get("claim"):
        rows = rows.filter(claim_id=query["claim"])
    if query.get("published") is not None:
        rows = rows.filter(published_at__isnull=not query["published"])
    return paginate(request, rows, s.VerdictOutput)


@extend_schema(
    methods=["GET"],
    operation_id="verdicts_retrieve",
    summary="A verdict",
    responses={200: s.VerdictOutput, **errors(404)},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="verdicts_update",
    summary="Change a verdict (its reviewer, or an editor)",
    request=s.VerdictUpdateInput,
    responses={200: s.VerdictOutput, **errors(400, 404, 409, 415, 422)},
)
@api_view(["GET", "PATCH"])
def verdict(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(Verdict.objects.select_related("reviewer", "claim"), pk=verdict_id)
    return verdict_update(request, found) if request.method == "PATCH" else Response(s.VerdictOutput(found).data)


def verdict_update(request: Request, found: Verdict) -> Response:
    data = valid(s.VerdictUpdateInput, request.data)
    updated = services.verdict_update(verdict=found, user=request.user, **data)
    return Response(s.VerdictOutput(updated).data)


@extend_schema(
    operation_id="verdicts_publish",
    summary="Publish a verdict (editor); publishing twice changes nothing",
    request=None,
    responses={200: s.VerdictOutput, **errors(404)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
def verdict_publish(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(Verdict.objects.select_related("reviewer", "claim"), pk=verdict_id)
    return Response(s.VerdictOutput(services.verdict_publish(verdict=found, editor=request.user)).data)


@extend_schema(
    operation_id="verdicts_claimreview",
    summary="The schema.org ClaimReview JSON-LD of a published verdict",
    responses={200: OpenApiResponse(response=OpenApiTypes.OBJECT), **errors(404)},
)
@api_view(["GET"])
def verdict_claimreview(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(Verdict.objects.published().select_related("claim__article"), pk=verdict_id)
    return Response(claimreview.claimreview(found, base_url=request.build_absolute_uri("/")))


@extend_schema(
    operation_id="claimreview_feed",
    summary="Published verdicts as a schema.org DataFeed of ClaimReviews",
    description='Newest first, cursor-paginated: the next page is in the `Link: <...>; rel="next"` header.',
    parameters=[s.PageInput],
    responses={200: OpenApiResponse(response=OpenApiTypes.OBJECT), **errors(400, 404)},
)
@api_view(["GET"])
def claimreview_feed(request: Request) -> Response:
    valid(s.PageInput, request.query_params)
    paginator = NewestFirst()
    page = paginator.paginate_queryset(Verdict.objects.published().select_related("claim__article"), request, view=None)
    links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", paginator.get_next_link()),) if url]
    links += [f'<{url}>; rel="prev"' for url in (paginator.get_previous_link(),) if url]
    headers = {"Link": ", ".join(links)} if links else {}
    return Response(claimreview.feed(page, base_url=request.build_absolute_uri("/")), headers=headers)


# --- References ----------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="references_list",
    summary="List the reference corpus, newest first",
    parameters=[s.ReferenceFilterInput],
    responses={200: s.page_of(s.ReferenceDetailOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="references_create",
    summary="Add a reference (editor); it is embedded in the background",
    request=s.ReferenceInput,
    responses={201: s.ReferenceDetailOutput, **errors(400, 409, 413, 415)},
)
@api_view(["GET", "POST"])
@permission_classes([EditorWrites])
def references(request: Request) -> Response:
    return reference_create(request) if request.method == "POST" else reference_list(request)


def reference_list(request: Request) -> Response:
    query = valid(s.ReferenceFilterInput, request.query_params)
    rows = Reference.objects.all()
    if query.get("q"):
        rows = rows.filter(text__icontains=query["q"])
    for name in ("publisher", "rating", "external_id"):
        if query.get(name):
            rows = rows.filter(**{name: query[name]})
    return paginate(request, rows, s.ReferenceDetailOutput)


def reference_create(request: Request) -> Response:
    data = valid(s.ReferenceInput, request.data)
    created = services.reference_create(fields=data)
    return Response(
        s.ReferenceDetailOutput(created).data,
        status=status.HTTP_201_CREATED,
        headers=_location("reference-detail", created.pk),
    )


@extend_schema(
    methods=["GET"],
    operation_id="references_retrieve",
    summary="A reference",
    responses={200: s.ReferenceDetailOutput, **errors(404)},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="references_update",
    summary="Change a reference (editor); a new text or title is re-embedded",
    request=s.ReferenceInput(partial=True),
    responses={200: s.ReferenceDetailOutput, **errors(400, 404, 409, 413, 415)},
)
@extend_schema(
    methods=["DELETE"],
    operation_id="references_delete",
    summary="Remove a reference and its suggested matches (editor)",
    responses={204: None, **errors(404)},
)
@api_view(["GET", "PATCH", "DELETE"])
@permission_classes([EditorWrites])
def reference(request: Request, reference_id: int) -> Response:
    found = get_object_or_404(Reference, pk=reference_id)
    if request.method == "PATCH":
        return reference_update(request, found)
    if request.method == "DELETE":
        return reference_delete(request, found)
    return Response(s.ReferenceDetailOutput(found).data)


def reference_update(request: Request, found: Reference) -> Response:
    changes = valid(s.ReferenceInput, request.data, partial=True)
    return Response(s.ReferenceDetailOutput(services.reference_update(reference=found, changes=changes)).data)


def reference_delete(request: Request, found: Reference) -> Response:
    services.reference_delete(reference=found)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    operation_id="references_import",
    summary="Import a reference file in the background (editor)",
    description="202 with the job and a Location to poll for its progress. Re-importing a file changes nothing.",
    request={"multipart/form-data": s.ImportInput},
    responses={202: s.ImportJobOutput, **errors(400, 413, 415, 422)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
@parser_classes([LimitedMultiPartParser])
@throttle(POST="import")
def references_import(request: Request) -> Response:
    data = valid(s.ImportInput, request.data)
    upload = data["file"]
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise services.InvalidInput("The file is too large.", fields={"file": "Too large."}, code="too_large")
    job = services.import_job_create(
        data=upload.read(), fmt=data["format"], filename=upload.name or "", created_by=request.user
    )
    return Response(
        s.ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED, headers=_location("import-detail", job.pk)
    )


@extend_schema(
    operation_id="imports_list",
    summary="List reference imports, newest first (editor)",
    parameters=[s.PageInput],
    responses={200: s.page_of(s.ImportJobOutput), **errors(400, 404)},
)
@api_view(["GET"])
@permission_classes([IsEditor])
def import_list(request: Request) -> Response:
    valid(s.PageInput, request.query_params)
    return paginate(request, ImportJob.objects.defer("data"), s.ImportJobOutput)


@extend_schema(
    operation_id="imports_retrieve",
    summary="A reference import and its progress (editor)",
    responses={200: s.ImportJobOutput, **errors(404)},
)
@api_view(["GET"])
@permission_classes([IsEditor])
def import_detail(request: Request, job_id: int) -> Response:
    return Response(s.ImportJobOutput(get_object_or_404(ImportJob.objects.defer("data"), pk=job_id)).data)


# --- Webhooks -----------------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="webhooks_list",
    summary="List webhook subscriptions (editor)",
    parameters=[s.PageInput],
    responses={200: s.page_of(s.WebhookOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="webhooks_create",
    summary="Subscribe a URL to events (editor)",
    description="The answer holds the secret, shown only here. Each delivery is a POST of JSON with "
    "`X-Factcheck-Signature: sha256=<hex HMAC-SHA256 of the body>`, retried with backoff until a 2xx.",
    request=s.WebhookInput,
    responses={201: s.WebhookCreatedOutput, **errors(400, 415, 422)},
)
@api_view(["GET", "POST"])
@permission_classes([IsEditor])
def webhooks(request: Request) -> Response:
    return webhook_create(request) if request.method == "POST" else webhook_list(request)


def webhook_list(request: Request) -> Response:
    valid(s.PageInput, request.query_params)
    return paginate(request, WebhookSubscription.objects.all(), s.WebhookOutput)


def webhook_create(request: Request) -> Response:
    data = valid(s.WebhookInput, request.data)
    created = services.webhook_subscribe(url=data["url"], events=data["events"], created_by=request.user)
    return Response(
        s.WebhookCreatedOutput(created).data,
        status=status.HTTP_201_CREATED,
        headers=_location("webhook-detail", created.pk),
    )


@extend_schema(
    methods=["GET"],
    operation_id="webhooks_retrieve",
    summary="A webhook subscription and its last delivery (editor)",
    responses={200: s.WebhookOutput, **errors(404)},
)
@extend_schema(
    methods=["DELETE"],
    operation_id="webhooks_delete",
    summary="Unsubscribe (editor)",
    responses={204: None, **errors(404)},
)
@api_view(["GET", "DELETE"])
@permission_classes([IsEditor])
def webhook(request: Request, webhook_id: int) -> Response:
    found = get_object_or_404(WebhookSubscription, pk=webhook_id)
    if request.method == "DELETE":
        services.webhook_unsubscribe(subscription=found)
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(s.WebhookOutput(found).data)
