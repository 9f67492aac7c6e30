"""The review queue: which claims wait, in what order, and how many in each status.

The desk's queue lists groups, not sentences: one row per group, its
representative claim, with how often the claim appeared. A claim that belongs
to no group (one never matched) stands for itself.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims.models import Claim, Match

ANY_STATUS = "all"
QUEUE_ORDER = ("-checkworthiness", "-created", "pk")
# The desk's sort orders: most check-worthy, most repeated, most recently seen.
QUEUE_SORTS = {
    "checkworthiness": QUEUE_ORDER,
    "repeats": ("-appearances", "-checkworthiness", "pk"),
    "newest": ("-last_seen", "pk"),
}


def _group_figures() -> dict:
    return {
        "appearances": Coalesce("group__article_count", Value(1)),
        "sources": Coalesce("group__source_count", Value(0)),
        "first_seen": Coalesce("group__first_seen", "created"),
        "last_seen": Coalesce("group__last_seen", "created"),
    }


def status_counts(*, claims: QuerySet | None = None) -> dict[str, int]:
    """How many claims are in each status; of `claims` when given, else of all."""
    claims = Claim.objects.all() if claims is None else claims
    counts = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value, _ in Claim.Status.choices}


def claim_queue(
    *,
    status: str | None = None,
    article_id: int | None = None,
    kind: str | None = None,
    language: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    numbers_differ: bool = False,
    groups: bool = False,
    sort: str = "checkworthiness",
) -> QuerySet:
    """Claims in review order (`sort`, by default check-worthiness, then the newest first).

    `status` None means awaiting review; ANY_STATUS means every status. With
    `groups`, only each group's representative, and `article_id` finds the
    groups with a member in that article; `language` keeps the claims (the
    representatives) in that language. Each claim is annotated with
    `numbers_differ`, its `best_score` among its matches, and its group's
    `appearances` (articles), `sources`, `first_seen` and `last_seen`.
    """
    if status is None:
        claims = Claim.objects.awaiting_review()
    elif status == ANY_STATUS:
        claims = Claim.objects.all()
    else:
        claims = Claim.objects.filter(status=status)
    if groups:
        claims = claims.filter(Q(group__isnull=True) | Q(group__representative=F("pk")))
    if article_id is not None:
        in_article = Q(article_id=article_id)
        if groups:
            in_article |= Q(Exists(Claim.objects.filter(group=OuterRef("group"), article_id=article_id)))
        claims = claims.filter(in_article)
    if kind:
        claims = claims.filter(kind=kind)
    if language:
        claims = claims.filter(language=language)
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
        **_group_figures(),
    ).order_by(*QUEUE_SORTS.get(sort, QUEUE_ORDER))


def claim_neighbours(
    *, claim: Claim, queue: QuerySet, sort: str = "checkworthiness"
) -> tuple[Claim | None, Claim | None]:
    """The claims just before and just after `claim` in `queue` order (keyset, so
    it works whether or not `claim` itself is still in the queue)."""
    order = QUEUE_SORTS.get(sort, QUEUE_ORDER)
    fields = [name.lstrip("-") for name in order]
    row = Claim.objects.filter(pk=claim.pk).annotate(**_group_figures()).values(*fields).first()
    if row is None:
        return None, None

    def beyond(forward: bool) -> Q:
        # (a, b, c) after (x, y, z) in this order: a past x, or a = x and b past y, ...
        q, equal = Q(), Q()
        for name in order:
            field = name.lstrip("-")
            descending = name.startswith("-") == forward
            q |= equal & Q(**{f"{field}__{'lt' if descending else 'gt'}": row[field]})
            equal &= Q(**{field: row[field]})
        return q

    reverse = [name[1:] if name.startswith("-") else f"-{name}" for name in order]
    previous = queue.filter(beyond(forward=False)).order_by(*reverse).only("pk").first()
    following = queue.filter(beyond(forward=True)).order_by(*order).only("pk").first()
    return previous, following
