"""What the desk's templates show, built in Python from the models: article text
cut into plain and highlighted segments (rendered escaped by the templates,
never marked safe), slots as table rows, match tiers and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone

from claims import services
from claims.models import Article, Claim, ClaimGroup, Match, Reference, Verdict

# Slot lists with spans in the article text, and what one item of each is called.
EN_DASH = "\u2013"
SPAN_SLOTS = {"quantities": "quantity", "tallies": "tally", "rankings": "ranking", "dates": "date"}


@dataclass(frozen=True)
class Part:
    """A run of text inside a claim; `slot` names the slot it shows, if any."""

    text: str
    slot: str = ""
    label: str = ""


@dataclass(frozen=True)
class Segment:
    """A run of article text: plain, or one claim cut into parts."""

    text: str = ""
    claim: Claim | None = None
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class SlotRow:
    slot: str
    text: str
    reading: str
    notes: str = ""


def _number(value) -> str:
    if value is None:
        return "?"
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.6g}"


def _span(item: Mapping, lo: int, hi: int) -> tuple[int, int] | None:
    start, end = item.get("start"), item.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    start, end = max(start, lo), min(end, hi)
    return (start, end) if start < end else None


def slot_parts(text: str, lo: int, hi: int, slots: Mapping | None) -> tuple[Part, ...]:
    """text[lo:hi] cut into plain parts and the slot spans inside it (spans that
    overlap an earlier one are left unmarked)."""
    spans = []
    for key, name in SPAN_SLOTS.items():
        for item in (slots or {}).get(key) or []:
            if isinstance(item, Mapping) and (span := _span(item, lo, hi)):
                spans.append((*span, name, reading(name, item)))
    spans.sort(key=lambda s: (s[0], -s[1]))
    parts, cursor = [], lo
    for start, end, name, label in spans:
        if start < cursor:
            continue
        if start > cursor:
            parts.append(Part(text[cursor:start]))
        parts.append(Part(text[start:end], slot=name, label=label))
        cursor = end
    if cursor < hi:
        parts.append(Part(text[cursor:hi]))
    return tuple(parts)


def article_segments(text: str, claims: Iterable[Claim]) -> list[Segment]:
    """The whole article text, each claim's span a segment of its own."""
    segments, cursor = [], 0
    for claim in sorted(claims, key=lambda c: (c.start, -c.end)):
        start, end = max(claim.start, cursor), min(claim.end, len(text))
        if start >= end:
            continue
        if start > cursor:
            segments.append(Segment(text=text[cursor:start]))
        segments.append(Segment(claim=claim, parts=slot_parts(text, start, end, claim.slots)))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text=text[cursor:]))
    return segments


def claim_context(claim: Claim, *, width: int = 400) -> tuple[str, tuple[Part, ...], str]:
    """(text before, the claim's parts, text after) within `width` characters."""
    text = claim.article.text
    start, end = min(claim.start, len(text)), min(claim.end, len(text))
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    if start - width > 0:
        before = "…" + before.split(" ", 1)[-1]
    if end + width < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    return before, slot_parts(text, start, end, claim.slots), after


def reading(name: str, item: Mapping) -> str:
    """How the extractor read one slot item, in words."""
    if name == "quantity":
        low, high, value = item.get("low"), item.get("high"), item.get("value")
        precision = item.get("precision") or ""
        if precision == "range" and low is not None and high is not None:
            amount = f"{_number(low)}{EN_DASH}{_number(high)}"
        elif value is None:
            amount = "vague amount"
        else:
            amount = {"lower_bound": "at least ", "upper_bound": "at most ", "approximate": "about "}.get(
                precision, ""
            ) + _number(value)
        return " ".join(part for part in (amount, item.get("unit") or "", item.get("counted") or "") if part)
    if name == "tally":
        out = f"{item.get('for', '?')} for, {item.get('against', '?')} against"
        return out + (f", {item['abstain']} abstaining" if item.get("abstain") is not None else "")
    if name == "ranking":
        rank = f"top {item.get('rank')}" if item.get("top") else f"number {item.get('rank')}"
        return rank + (f" of {item['of']}" if item.get("of") else "")
    if name == "date":
        out = " ".join(str(p) for p in (item.get("modifier"), item.get("value")) if p)
        return out + (f" ({item['granularity']})" if item.get("granularity") else "")
    return ""


def _notes(name: str, item: Mapping) -> str:
    notes = []
    if name == "quantity":
        if item.get("precision"):
            notes.append(str(item["precision"]).replace("_", " "))
        if item.get("magnitude") is not None:
            notes.append(f"order of magnitude 10^{item['magnitude']}")
    if name == "date" and item.get("inherited"):
        notes.append("taken from the previous sentence")
    return "; ".join(notes)


def slot_rows(slots: Mapping | None) -> list[SlotRow]:
    slots = slots or {}
    rows = []
    for key, name in SPAN_SLOTS.items():
        for item in slots.get(key) or []:
            if isinstance(item, Mapping):
                rows.append(SlotRow(name, str(item.get("text", "")), reading(name, item), _notes(name, item)))
    for key in ("actor", "source"):
        if slots.get(key):
            rows.append(SlotRow(key, str(slots[key]), ""))
    return rows


def with_tier(match: Match) -> Match:
    # Templates read the tier beside the model's own fields.
    match.tier = services.match_tier_of(  # type: ignore[attr-defined]
        score=match.score, numbers=match.numbers, scorer=match.scorer
    )
    return match


def with_best_matches(rows: Iterable[Claim]) -> list[Claim]:
    """Give each claim of a queue page its best match (`best_match`, with its
    tier, or None) in one query: the row shows the reference, its tier and
    whether it is one of the desk's own verdicts. A page's queryset keeps the
    same instances, so its template sees them."""
    claims = list(rows)
    best = (
        Match.objects.filter(claim__in=[c.pk for c in claims])
        .select_related("reference")
        .only(
            "pk",
            "claim_id",
            "score",
            "scorer",
            "numbers",
            "rank",
            "reference__verdict",
            "reference__publisher",
            "reference__language",
        )
        .order_by("claim_id", "-score", "rank")
        .distinct("claim_id")
    )
    by_claim = {match.claim_id: with_tier(match) for match in best}
    for claim in claims:
        claim.best_match = by_claim.get(claim.pk)  # type: ignore[attr-defined]
    return claims


def status_counts(counts: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """(status, its label, how many) in workflow order."""
    return [(value, label, counts.get(value, 0)) for value, label in Claim.Status.choices]


PIPELINE = (Article.Status.PENDING, Article.Status.EXTRACTING, Article.Status.EMBEDDING, Article.Status.MATCHING)


def pipeline_steps(article: Article) -> list[tuple[str, str]]:
    """Each processing stage's label and whether it is done, current or to do."""
    current = PIPELINE.index(article.status) if article.status in PIPELINE else len(PIPELINE)
    return [
        (Article.Status(stage).label, "done" if i < current else "current" if i == current else "todo")
        for i, stage in enumerate(PIPELINE)
    ]


def ratings() -> list[tuple[int, str]]:
    """The configured scale with the key (1, 2, …) that picks each rating."""
    return list(enumerate(settings.VERDICT_RATINGS, start=1))


# --- Audit trail -------------------------------------------------------------------


@dataclass
class AuditEntry:
    when: datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Shown when a record has no earlier one to diff against (rows made in bulk
# by the pipeline have no "created" record).
KEY_FIELDS = {
    Claim: ("status", "assignee"),
    Match: ("decision", "decided_by"),
    Verdict: ("rating", "note", "sources", "published_at"),
    ClaimGroup: ("representative", "claim_count", "article_count", "source_count"),
}
# Why a claim joined its group is told by the group's own trail (group_audit_trail).
NOISE = {
    Claim: ("version", "slots", "grouping"),
    Match: ("rank", "score", "comparisons", "numbers"),
    Verdict: (),
    ClaimGroup: ("checkworthiness", "first_seen", "last_seen", "created"),
}
USER_FIELDS = {"assignee", "decided_by", "reviewer"}
# Foreign keys shown as what they point at.
KEY_LABELS = {"group": "group", "representative": "claim", "claim": "claim"}


def _format(model, name: str, value, users: Mapping[int, str]) -> str:
    if value in (None, "", []):
        return "—"
    if name in USER_FIELDS:
        return users.get(value, f"user {value}")
    if name in KEY_LABELS:
        return f"{KEY_LABELS[name]} {value}"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.choices).get(value, value))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _is_default(model, name: str, record) -> bool:
    model_field = model._meta.get_field(name)
    return model_field.has_default() and getattr(record, model_field.attname) == model_field.get_default()


def _label(model, record, references: Mapping[int, Reference]) -> str:
    if model is Claim:
        return "Claim"
    if model is Verdict:
        return f"Verdict #{record.id}"
    if model is ClaimGroup:
        return f"Group {record.id}"
    reference = references.get(record.reference_id)
    return f"Match #{record.rank}: {str(reference)[:60] if reference else 'deleted reference'}"


def _entries(model, records: Sequence, users, references) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    previous: dict[int, object] = {}
    for record in records:
        prev = previous.get(record.id)
        previous[record.id] = record
        if record.history_type == "~" and prev is not None:
            delta = record.diff_against(prev, excluded_fields=NOISE[model])
            changes = [(c.field, c.old, c.new) for c in delta.changes]
        elif record.history_type == "-":
            changes = []
        else:
            changes = [
                (name, None, getattr(record, model._meta.get_field(name).attname))
                for name in KEY_FIELDS[model]
                if record.history_type == "~" or not _is_default(model, name, record)
            ]
            changes = [c for c in changes if c[2] not in (None, "", [])]
        if not changes and (record.history_type == "~" or model is Match):
            continue  # a version bump only, or a suggestion made with its claim
        entries.append(
            AuditEntry(
                when=record.history_date,
                who=record.history_user.get_username() if record.history_user else "system",
                what=_label(model, record, references),
                action=ACTIONS.get(record.history_type, record.history_type),
                changes=[
                    (
                        str(model._meta.get_field(name).verbose_name),
                        _format(model, name, old, users) if old is not None or prev is not None else "",
                        _format(model, name, new, users),
                    )
                    for name, old, new in changes
                ],
            )
        )
    return entries


def audit_trail(claim: Claim) -> list[AuditEntry]:
    """Who changed what, and when, on a claim, its matches and its verdicts; newest first."""
    order = ("id", "history_date", "history_id")
    histories = {
        Claim: list(claim.history.select_related("history_user").order_by(*order)),
        Match: list(Match.history.filter(claim_id=claim.pk).select_related("history_user").order_by(*order)),
        Verdict: list(Verdict.history.filter(claim_id=claim.pk).select_related("history_user").order_by(*order)),
    }
    user_ids = {
        getattr(record, name + "_id")
        for model, records in histories.items()
        for record in records
        for name in USER_FIELDS
        if hasattr(record, name + "_id")
    }
    users = dict(get_user_model().objects.filter(pk__in=user_ids - {None}).values_list("pk", "username"))
    references = Reference.objects.defer("embedding").in_bulk({r.reference_id for r in histories[Match]})
    entries = [entry for model, records in histories.items() for entry in _entries(model, records, users, references)]
    return sorted(entries, key=lambda e: e.when, reverse=True)


def group_audit_trail(group: ClaimGroup) -> list[AuditEntry]:
    """Who changed a group, and when: its own record (representative, counts)
    and every claim that joined it or left it, with why; newest first."""
    order = ("id", "history_date", "history_id")
    entries = _entries(
        ClaimGroup, list(group.history.select_related("history_user").order_by(*order)), users={}, references={}
    )
    ever = Claim.history.filter(group_id=group.pk).values("id")
    records = Claim.history.filter(id__in=ever).select_related("history_user").order_by(*order)
    previous: dict[int, int | None] = {}
    for record in records:
        before, now = previous.get(record.id), record.group_id
        previous[record.id] = now
        if before == now or group.pk not in (before, now):
            continue
        joined = now == group.pk
        how = group_reason(record.grouping) if joined else ""
        entries.append(
            AuditEntry(
                when=record.history_date,
                who=record.history_user.get_username() if record.history_user else "system",
                what=f"Claim {record.id}",
                action="joined" if joined else "left",
                changes=[
                    ("group", f"group {before}" if before else "", f"group {now}" if now else "—"),
                    *([("why", "", how)] if how else []),
                ],
            )
        )
    return sorted(entries, key=lambda e: e.when, reverse=True)


def group_reason(grouping) -> str:
    """How a claim joined, in a few words, for the audit trail."""
    if not isinstance(grouping, Mapping):
        return ""
    how = grouping.get("how", "")
    score = grouping.get("score")
    if how == "moved":
        return f"{grouping.get('note') or 'moved'} by {grouping.get('by') or 'someone'}"
    if how in ("wording", "reference"):
        figure = f", score {score:.2f}" if isinstance(score, int | float) else ""
        return f"{how}, like claim {grouping.get('member')}{figure}"
    return "started the group" if how == "founded" else how
