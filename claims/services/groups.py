"""Claim groups: each claim is checked once, however many articles repeat it.

When an article's claims are matched, each claim joins the group of the claim
on the desk that says the same thing, or starts a group of its own. Two kinds
of evidence join: the wording (claims/engine/grouping.py: embedding cosine and
shared rare words, a calibrated probability) and the corpus (both claims'
best reference match is the same fact-check, confidently). Neither joins when
a number or a date differs: "400 to 0" never joins "397 to 0". Every member
keeps why it joined, so a wrong join is never silent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min
from django.utils import timezone
from pgvector.django import CosineDistance

from claims.engine import grouping
from claims.models import Appearance, Claim, ClaimGroup, Match, Verdict, WebhookSubscription
from claims.services.errors import InvalidInput
from claims.services.matching import match_tier_of, numbers_compare
from claims.services.webhooks import verdict_event, webhooks_notify

logger = logging.getLogger(__name__)

# One grouping decision at a time across every worker: two near-identical
# claims grouped at the same moment must see each other (hashtext of a name).
GROUPING_LOCK = "claims.grouping"
NEAREST_CLAIMS = 20
# Below this cosine no wording evidence can pass the calibrated threshold.
NEAREST_MIN_COSINE = 0.45
# Neighbours this close that do not join because a number differs are noted.
NEAR_MISS_COSINE = 0.6


@dataclass
class Evidence:
    """Why a claim is (or is not) in a group, as shown on the group page."""

    how: str  # "founded" | "wording" | "reference" | "moved"
    score: float = 0.0
    cosine: float = 0.0
    member: int | None = None  # the claim it resembled
    reference: str = ""  # the shared fact-check's external id
    numbers: str = Match.Numbers.NO_NUMBERS
    comparisons: list[dict] = field(default_factory=list)
    kept_apart: list[dict] = field(default_factory=list)  # nearby groups it did not join, and why
    by: str = ""  # who moved it, for "moved"
    at: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        """What differs from the defaults: a founding member says only that."""
        unset = asdict(Evidence(how=self.how))
        return {key: value for key, value in asdict(self).items() if key == "how" or value != unset[key]}


def _lock(*, search: bool = False) -> None:
    sql, params = "SELECT pg_advisory_xact_lock(hashtext(%s))", [GROUPING_LOCK]
    if search:
        # The nearest-claims search's settings, in the same round trip: every
        # query counts when each claim of every article is grouped.
        sql += ", set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)"
        params.append(str(max(NEAREST_CLAIMS, settings.HNSW_EF_SEARCH)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _best_reference(claim: Claim) -> Match | None:
    return _confident(claim.matches.filter(rank=1).select_related("reference").first())


def _best_references(claims: Iterable[Claim]) -> dict[int, Match | None]:
    """`_best_reference` of many claims in one query: a repeated claim has up to
    forty candidates, and one query each made grouping cost more than matching."""
    ids = [claim.pk for claim in claims]
    found: dict[int, Match] = {}
    for match in Match.objects.filter(claim__in=ids, rank=1).select_related("reference"):
        found.setdefault(match.claim_id, match)
    return {pk: _confident(found.get(pk)) for pk in ids}


def _confident(match: Match | None) -> Match | None:
    """A rank-1 match when it is confident enough to be evidence: a reviewer
    confirmed it, the desk's own verdict in the "likely" tier, or a ranking
    score and cosine past the calibrated floors."""
    model = grouping.model()
    if match is None or match.decision == Match.Decision.REJECTED:
        return None
    if match.decision == Match.Decision.CONFIRMED:
        return match
    likely = match_tier_of(score=match.score, numbers=match.numbers, scorer=match.scorer) == "likely"
    if match.reference.verdict_id is not None and likely:
        return match
    if match.scorer != Match.Scorer.ENGLISH:
        # The floors below were calibrated on MiniLM's cosines and the hybrid's
        # scores; the multilingual model's cosines sit higher, so only its own
        # "likely" tier counts.
        return match if likely else None
    if (match.fused or 0.0) >= model.reference_min_score and match.score >= model.reference_min_cosine:
        return match
    return None


def _own_verdict_group(best: Match | None) -> ClaimGroup | None:
    """The group whose published verdict the claim's confident best match is:
    the desk's own verdict, which stands for that group's claim."""
    if best is None or best.reference.verdict_id is None:
        return None
    return ClaimGroup.objects.filter(verdicts=best.reference.verdict_id).first()


# Candidates are read with their group and its representative, never their vectors.
_VECTORS = (
    "embedding",
    "embedding_ml",
    "group__representative__embedding",
    "group__representative__embedding_ml",
)


def _candidates(claim: Claim, *, best: Match | None, own_group: ClaimGroup | None) -> dict[int, tuple[Claim, float]]:
    """Grouped claims that could say the same thing, each with its cosine: the
    nearest by embedding, and those whose best match is the same fact-check.
    Runs after `_lock(search=True)`, which sets the HNSW search for it."""
    found: dict[int, tuple[Claim, float]] = {}
    nearest = (
        Claim.objects.filter(group__isnull=False, embedding__isnull=False)
        .exclude(pk=claim.pk)
        .annotate(distance=CosineDistance("embedding", claim.embedding))
        .order_by("distance")
        .select_related("group__representative")
        .defer(*_VECTORS)[:NEAREST_CLAIMS]
    )
    for other in nearest:
        cosine = 1.0 - other.distance
        if cosine >= NEAREST_MIN_COSINE:
            found[other.pk] = (other, cosine)
    if own_group is not None and own_group.representative_id and own_group.representative_id not in found:
        representative = (
            Claim.objects.select_related("group__representative").defer(*_VECTORS).get(pk=own_group.representative_id)
        )
        found[representative.pk] = (representative, 0.0)
    if best is not None:
        sharing = (
            Claim.objects.filter(group__isnull=False, matches__rank=1, matches__reference=best.reference_id)
            .exclude(pk=claim.pk)
            .exclude(pk__in=found)
            .annotate(distance=CosineDistance("embedding", claim.embedding))
            .select_related("group__representative")
            .defer(*_VECTORS)[:NEAREST_CLAIMS]
        )
        for other in sharing:
            found[other.pk] = (other, 1.0 - other.distance if other.distance is not None else 0.0)
    return found


def _evidence(
    claim: Claim,
    other: Claim,
    cosine: float,
    *,
    words: frozenset[str],
    best: Match | None,
    theirs: Match | None,
    own_group: ClaimGroup | None,
) -> Evidence | None:
    """The evidence that `claim` says what `other` says, or None."""
    if best is not None and own_group is not None and other.group_id == own_group.pk:
        # Its best match is the desk's own verdict on this very group.
        return Evidence(
            how="reference", score=2.0, cosine=round(cosine, 4), member=other.pk, reference=best.reference.external_id
        )
    if best is not None and theirs is not None and theirs.reference_id == best.reference_id:
        # Shared-reference evidence ranks above wording: it says which claim both are.
        return Evidence(
            how="reference",
            score=round(1.0 + min(best.fused or 0.0, theirs.fused or 0.0) / 100, 4),
            cosine=round(cosine, 4),
            member=other.pk,
            reference=best.reference.external_id,
        )
    model = grouping.model()
    probability = model.probability(grouping.pair_features(words, grouping.tokens(other.text), cosine))
    if probability >= model.join_threshold:
        return Evidence(how="wording", score=round(probability, 4), cosine=round(cosine, 4), member=other.pk)
    return None


def _numbers_apart(claim: Claim, others: Iterable[Claim]) -> tuple[str, list[dict], dict | None]:
    """The number check of `claim` against each of `others` (the member it
    resembled and the group's representative): the summary against the first,
    and the comparison that keeps them apart, if one differs."""
    summary: str = Match.Numbers.NO_NUMBERS
    shown: list[dict] = []
    for i, other in enumerate(others):
        comparisons, result = numbers_compare(claim_slots=claim.slots, reference_slots=other.slots)
        if i == 0:
            summary, shown = result, comparisons
        if result == Match.Numbers.DIFFERS:
            differing = next((c for c in comparisons if c["verdict"] == "differs"), {})
            return result, comparisons, {"member": other.pk, "detail": differing.get("detail", "")}
    return summary, shown, None


def claim_group(*, claim: Claim) -> ClaimGroup:
    """Put one matched claim into the group that says the same thing, or a new
    one. A claim already in a group stays there (a redelivered task)."""
    with transaction.atomic():
        _lock(search=True)
        claim.refresh_from_db(fields=["group", "status", "grouping"])
        if claim.group_id is not None:
            return ClaimGroup.objects.get(pk=claim.group_id)
        words = grouping.tokens(claim.text)
        best_match = _best_reference(claim)
        own_group = _own_verdict_group(best_match)
        chosen: tuple[Evidence, Claim] | None = None
        kept_apart: list[dict] = []
        candidates = _candidates(claim, best=best_match, own_group=own_group)
        # Only shared-reference evidence needs the candidates' own best matches.
        theirs = _best_references(other for other, _ in candidates.values()) if best_match else {}
        for other, cosine in sorted(candidates.values(), key=lambda pair: -pair[1]):
            evidence = _evidence(
                claim,
                other,
                cosine,
                words=words,
                best=best_match,
                theirs=theirs.get(other.pk),
                own_group=own_group,
            )
            if evidence is None and cosine < NEAR_MISS_COSINE:
                continue
            if evidence is not None and chosen is not None and evidence.score <= chosen[0].score:
                continue
            representative = other.group.representative if other.group else None
            checked = [other] + ([representative] if representative and representative.pk != other.pk else [])
            numbers, comparisons, apart = _numbers_apart(claim, checked)
            if apart is not None:
                # Said so on the group page: a near neighbour whose numbers differ is a different claim.
                kept_apart.append({"group": other.group_id, **apart, "cosine": round(cosine, 4)})
                continue
            if evidence is not None:
                evidence.numbers, evidence.comparisons = numbers, comparisons
                chosen = (evidence, other)
        if chosen is None:
            group = ClaimGroup.objects.create(representative=claim)
            evidence = Evidence(how="founded")
        else:
            evidence, other = chosen
            # Read with the candidate, under the lock.
            group = other.group or ClaimGroup.objects.get(pk=other.group_id or 0)
        nearest_apart: dict[int, dict] = {}
        for row in kept_apart:  # one note per group: its closest member
            if row["group"] != group.pk and row["cosine"] > nearest_apart.get(row["group"], {}).get("cosine", -1):
                nearest_apart[row["group"]] = row
        evidence.kept_apart = list(nearest_apart.values())
        _join(claim, group, evidence)
        return group


def _join(claim: Claim, group: ClaimGroup, evidence: Evidence) -> None:
    """Make `claim` a member of `group`: it takes the group's verdict, present or
    future, and a debunked claim turning up again is announced."""
    verdict = group_verdict(group=group)
    changes: dict = {"group": group, "grouping": evidence.to_dict()}
    if verdict is not None and claim.status in (Claim.Status.EXTRACTED, Claim.Status.MATCHED, Claim.Status.IN_REVIEW):
        changes["status"] = Claim.Status.ALREADY_CHECKED if verdict.is_published else Claim.Status.REVIEWED
    claim.bump(expected_version=None, **changes)
    group_refresh(group=group)
    if verdict is not None and verdict.is_published and evidence.how != "founded":
        webhooks_notify(
            event=WebhookSubscription.Event.CLAIM_REPEATED, data=repeated_event(claim=claim, verdict=verdict)
        )


def claims_group(*, claims: Sequence[Claim]) -> list[ClaimGroup]:
    """Group each of an article's matched claims, in order (unless CLAIM_GROUPING is off)."""
    if not settings.CLAIM_GROUPING:
        return []
    return [claim_group(claim=claim) for claim in claims if claim.embedding is not None]


def group_verdict(*, group: ClaimGroup) -> Verdict | None:
    """The group's verdict: the published one if any, else the newest."""
    return group.verdicts.order_by(F("published_at").desc(nulls_last=True), "-created").first()


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def group_refresh(*, group: ClaimGroup) -> ClaimGroup:
    """Recount a group from its members and choose its representative (the most
    check-worthy member, the earliest on ties); an empty group is deleted."""
    members = Claim.objects.filter(group=group)
    representative = members.order_by("-checkworthiness", "created", "pk").only("pk", "checkworthiness").first()
    if representative is None:
        group.delete()
        return group
    figures = members.aggregate(
        claims=Count("pk"), articles=Count("article", distinct=True), first=Min("created"), last=Max("created")
    )
    hosts = {_host(url) for url in members.exclude(article__url="").values_list("article__url", flat=True).distinct()}
    hosts |= set(Appearance.objects.filter(article__claims__group=group).values_list("host", flat=True).distinct())
    group.representative = representative
    group.claim_count, group.article_count = figures["claims"], figures["articles"]
    group.source_count = len(hosts - {""})
    group.checkworthiness = representative.checkworthiness
    group.first_seen, group.last_seen = figures["first"], figures["last"]
    group.save()
    return group


def groups_prune() -> int:
    """Delete the groups whose every member went with its article."""
    deleted, _ = ClaimGroup.objects.filter(members__isnull=True).delete()
    return deleted


@transaction.atomic
def group_split(*, group: ClaimGroup, claim: Claim, reviewer) -> ClaimGroup:
    """Take `claim` out of `group` into a group of its own; it leaves the old
    group's verdict behind and goes back to the queue."""
    if claim.group_id != group.pk:
        raise InvalidInput("The claim is not in this group.", fields={"claim": "Not a member of this group."})
    if group.claim_count <= 1:
        raise InvalidInput("A group of one cannot be split.", fields={"claim": "It is the only member."})
    _lock()
    alone = ClaimGroup.objects.create(representative=claim)
    changes: dict = {"group": alone, "grouping": _moved(reviewer, note=f"taken out of group {group.pk}")}
    if claim.status in (Claim.Status.REVIEWED, Claim.Status.ALREADY_CHECKED) and not claim.verdicts.exists():
        changes["status"] = Claim.Status.MATCHED
    claim.bump(expected_version=None, **changes)
    group_refresh(group=alone)
    group_refresh(group=group)
    return alone


@transaction.atomic
def groups_merge(*, into: ClaimGroup, others: Sequence[ClaimGroup], reviewer) -> ClaimGroup:
    """Move every member of `others` into `into`. A verdict moves with its
    group; two groups that both have one cannot be merged."""
    others = [g for g in others if g.pk != into.pk]
    if not others:
        raise InvalidInput("Give at least one other group to merge.", fields={"groups": "Nothing to merge."})
    with_verdicts = [g for g in [into, *others] if g.verdicts.exists()]
    if len(with_verdicts) > 1:
        raise InvalidInput(
            "More than one of these groups has a verdict; change or withdraw all but one first.",
            fields={"groups": "Groups with verdicts: " + ", ".join(str(g.pk) for g in with_verdicts)},
            code="conflict",
        )
    _lock()
    Verdict.objects.filter(group__in=others).update(group=into)
    for member in Claim.objects.filter(group__in=others):
        member.bump(
            expected_version=None, group=into, grouping=_moved(reviewer, note=f"merged from group {member.group_id}")
        )
    if group_verdict(group=into) is not None:
        group_apply_verdict(group=into)
    for other in others:
        other.delete()
    return group_refresh(group=into)


def _moved(reviewer, *, note: str) -> dict:
    by = reviewer.get_username() if reviewer is not None else ""
    return Evidence(how="moved", by=by, at=timezone.now().isoformat(), note=note).to_dict()


def group_apply_verdict(*, group: ClaimGroup) -> int:
    """Every member still waiting takes the group's verdict. Returns how many."""
    waiting = Claim.objects.filter(group=group).exclude(
        status__in=[Claim.Status.REVIEWED, Claim.Status.ALREADY_CHECKED]
    )
    changed = 0
    for member in waiting:
        member.bump(expected_version=None, status=Claim.Status.REVIEWED)
        changed += 1
    return changed


def repeated_event(*, claim: Claim, verdict: Verdict) -> dict:
    return {
        "claim": {
            "id": claim.pk,
            "text": claim.text,
            "article": claim.article_id,
            "group": claim.group_id,
        },
        **verdict_event(verdict=verdict),
    }
