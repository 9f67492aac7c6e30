"""What the group page and the claim page's group panel show: every appearance
of a claim, and why each member is in its group, in words. A wrong join must
never be silent, so the reason is built from what claims.services.groups kept
(Claim.grouping), not guessed again here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import formats, timezone

from claims.desk.presenters import Part, Segment, article_segments, claim_context
from claims.models import Appearance, Claim, ClaimGroup, Match

NUMBERS_LABELS = dict(Match.Numbers.choices)


@dataclass(frozen=True)
class KeptApart:
    """A nearby group the claim resembled but did not join, because a number differed."""

    group: int | None
    exists: bool
    member: int | None
    detail: str
    cosine: float | None


@dataclass
class Reason:
    how: str
    summary: str
    member: int | None = None  # the claim it resembled
    member_here: bool = False  # ... and whether that claim is still in the same group
    score: float | None = None
    cosine: float | None = None
    reference: str = ""
    numbers: str = ""
    numbers_label: str = ""
    comparisons: list[Mapping] = field(default_factory=list)
    kept_apart: list[KeptApart] = field(default_factory=list)

    @property
    def member_label(self) -> str:
        return f"Claim {self.member}" if self.member else "Member"


def _when(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    return formats.date_format(timezone.localtime(moment), "j M Y H:i")


def _float(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def reason_summary(grouping: Mapping) -> str:
    """How a claim came into its group, in words (the template adds the claim
    it resembled, as a link)."""
    how = grouping.get("how", "")
    score, cosine = _float(grouping.get("score")), _float(grouping.get("cosine"))
    figures = ", ".join(
        part
        for part in (
            f"score {score:.2f}" if score is not None else "",
            f"cosine {cosine:.2f}" if cosine is not None else "",
        )
        if part
    )
    figures = f" ({figures})" if figures else ""
    if how == "founded":
        return "Started this group: no claim already on the desk said the same thing"
    if how == "wording":
        return f"Joined on its wording{figures}"
    if how == "reference":
        reference = grouping.get("reference") or "unnamed"
        return f"Joined because its best match is the same fact-check, {reference}{figures}"
    if how == "moved":
        by = grouping.get("by") or "someone"
        at = _when(grouping.get("at", ""))
        return f"Moved by {by}{f' on {at}' if at else ''}: {grouping.get('note') or 'moved'}"
    return "No record of how it joined"


def _kept_apart(grouping: Mapping) -> list[Mapping]:
    """The nearby groups not joined, once each: a claim can resemble several
    members of one group, and each was kept apart by the same number."""
    rows = [row for row in grouping.get("kept_apart") or [] if isinstance(row, Mapping)]
    best: dict = {}
    for row in rows:
        kept = best.get(row.get("group"))
        if kept is None or (_float(row.get("cosine")) or 0.0) > (_float(kept.get("cosine")) or 0.0):
            best[row.get("group")] = row
    return list(best.values())


def reason(
    claim: Claim,
    *,
    member_groups: Mapping[int, int | None] | None = None,
    existing_groups: set[int] | None = None,
) -> Reason:
    """Why `claim` is in its group. `member_groups` maps claim ids to their group
    ids (is the claim it resembled still beside it?) and `existing_groups` says
    which groups are still there; both are looked up when not given."""
    grouping: Mapping = claim.grouping if isinstance(claim.grouping, Mapping) else {}
    member = grouping.get("member")
    if member_groups is None:
        member_groups = dict(Claim.objects.filter(pk=member).values_list("pk", "group_id")) if member else {}
    kept = _kept_apart(grouping)
    if existing_groups is None:
        existing_groups = set(
            ClaimGroup.objects.filter(pk__in=[row.get("group") for row in kept]).values_list("pk", flat=True)
        )
    existing = existing_groups
    numbers = grouping.get("numbers", "")
    return Reason(
        how=grouping.get("how", ""),
        summary=reason_summary(grouping),
        member=member,
        member_here=member is not None and member_groups.get(member) == claim.group_id,
        score=_float(grouping.get("score")),
        cosine=_float(grouping.get("cosine")),
        reference=grouping.get("reference", ""),
        numbers=numbers,
        numbers_label=NUMBERS_LABELS.get(numbers, ""),
        comparisons=[c for c in grouping.get("comparisons") or [] if isinstance(c, Mapping)],
        kept_apart=[
            KeptApart(
                group=row.get("group"),
                exists=row.get("group") in existing,
                member=row.get("member"),
                detail=str(row.get("detail") or ""),
                cosine=_float(row.get("cosine")),
            )
            for row in kept
        ],
    )


@dataclass
class Member:
    """One appearance of the group's claim: the member, its sentence marked in
    its article, the places the article was seen, and why it joined."""

    claim: Claim
    before: str
    parts: tuple[Part, ...]
    after: str
    segments: list[Segment]
    outlets: list[Appearance]
    reason: Reason
    is_representative: bool


def members(group: ClaimGroup) -> list[Member]:
    """Every member of `group`, the earliest first."""
    claims = list(
        Claim.objects.filter(group=group).select_related("article").defer("embedding").order_by("created", "pk")
    )
    outlets: dict[int, list[Appearance]] = defaultdict(list)
    for appearance in Appearance.objects.filter(article__in={c.article_id for c in claims}).order_by("created", "pk"):
        outlets[appearance.article_id].append(appearance)
    recorded = [c.grouping for c in claims if isinstance(c.grouping, Mapping)]
    resembled = {g["member"] for g in recorded if isinstance(g.get("member"), int)}
    member_groups = dict(Claim.objects.filter(pk__in=resembled).values_list("pk", "group_id"))
    nearby = {row["group"] for g in recorded for row in _kept_apart(g) if isinstance(row.get("group"), int)}
    existing = set(ClaimGroup.objects.filter(pk__in=nearby).values_list("pk", flat=True))
    rows = []
    for claim in claims:
        before, parts, after = claim_context(claim, width=240)
        rows.append(
            Member(
                claim=claim,
                before=before,
                parts=parts,
                after=after,
                segments=article_segments(claim.article.text, [claim]),
                outlets=outlets[claim.article_id],
                reason=reason(claim, member_groups=member_groups, existing_groups=existing),
                is_representative=claim.pk == group.representative_id,
            )
        )
    return rows
