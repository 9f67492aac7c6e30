"""The review queue: which claims wait, in what order, and how many in each status."""

from __future__ import annotations

import logging

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from claims.models import (
    Claim,
    Match,
)

logger = logging.getLogger(__name__)


def status_counts(*, claims: QuerySet | None = None) -> dict[str, int]:
    """How many claims are in each status; of `claims` when given, else of all."""
    claims = Claim.objects.all() if claims is None else claims
    counts = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value, _ in Claim.Status.choices}


QUEUE_ORDER = ("-checkworthiness", "-created", "pk")
ANY_STATUS = "all"


def claim_queue(
    *,
    status: str | None = None,
    article_id: int | None = None,
    kind: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    numbers_differ: bool = False,
) -> QuerySet:
    """Claims in review order (check-worthiness, then the newest first).

    `status` None means awaiting review; ANY_STATUS means every status. Each claim
    is annotated with `numbers_differ` and its `best_score` among its matches.
    """
    if status is None:
        claims = Claim.objects.awaiting_review()
    elif status == ANY_STATUS:
        claims = Claim.objects.all()
    else:
        claims = Claim.objects.filter(status=status)
    if article_id is not None:
        claims = claims.filter(article_id=article_id)
    if kind:
        claims = claims.filter(kind=kind)
    if unassigned:
        claims = claims.filter(assignee__isnull=True)
    elif assignee_id is not None:
        claims = claims.filter(assignee_id=assignee_id)
    if numbers_differ:
        claims = claims.with_numbers_differing()
    best = Match.objects.filter(claim=OuterRef("pk")).order_by("-score").values("score")[:1]
    return claims.annotate(
        numbers_differ=Exists(Match.objects.filter(claim=OuterRef("pk"), numbers=Match.Numbers.DIFFERS)),
        best_score=Subquery(best),
    ).order_by(*QUEUE_ORDER)


def claim_neighbours(*, claim: Claim, queue: QuerySet) -> tuple[Claim | None, Claim | None]:
    """The claims just before and just after `claim` in `queue` order (keyset, so
    it works whether or not `claim` itself is still in the queue)."""
    cw, created, pk = claim.checkworthiness, claim.created, claim.pk
    after = (
        Q(checkworthiness__lt=cw)
        | Q(checkworthiness=cw, created__lt=created)
        | Q(checkworthiness=cw, created=created, pk__gt=pk)
    )
    before = (
        Q(checkworthiness__gt=cw)
        | Q(checkworthiness=cw, created__gt=created)
        | Q(checkworthiness=cw, created=created, pk__lt=pk)
    )
    previous = queue.filter(before).order_by("checkworthiness", "created", "-pk").only("pk").first()
    following = queue.filter(after).order_by(*QUEUE_ORDER).only("pk").first()
    return previous, following
