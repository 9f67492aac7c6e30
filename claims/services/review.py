"""What reviewers and editors do to a claim: verdicts, assignment, match decisions."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from claims.models import (
    Claim,
    Match,
    Reference,
    Verdict,
    WebhookSubscription,
)
from claims.roles import is_editor, is_reviewer
from claims.services.errors import Conflict, InvalidInput, NotAllowed
from claims.services.groups import group_apply_verdict
from claims.services.references import reference_from_verdict
from claims.services.webhooks import verdict_event, webhooks_notify

logger = logging.getLogger(__name__)


def _rating_clean(rating: str) -> str:
    if rating not in settings.VERDICT_RATINGS:
        raise InvalidInput(
            f"Unknown rating {rating!r}.", fields={"rating": f"Choose one of: {', '.join(settings.VERDICT_RATINGS)}."}
        )
    return rating


@transaction.atomic
def verdict_record(
    *,
    claim: Claim,
    reviewer,
    rating: str,
    note: str = "",
    sources: list[str] | None = None,
    expected_version: int | None = None,
) -> Verdict:
    """Give a verdict on a claim; it leaves the review queue.

    `expected_version` is the claim version the reviewer saw; a stale one raises
    Conflict instead of silently overwriting a colleague's work.
    """
    _rating_clean(rating)
    if not claim.bump(expected_version=expected_version, status=Claim.Status.REVIEWED):
        raise Conflict()
    verdict = Verdict.objects.create(
        claim=claim, group=claim.group, reviewer=reviewer, rating=rating, note=note, sources=sources or []
    )
    if claim.group is not None:
        # One verdict, every appearance: the claim's repeats leave the queue with it.
        group_apply_verdict(group=claim.group)
    return verdict


@transaction.atomic
def verdict_update(
    *,
    verdict: Verdict,
    user,
    rating: str | None = None,
    note: str | None = None,
    sources: list[str] | None = None,
    expected_version: int | None = None,
) -> Verdict:

    if verdict.reviewer_id != user.pk and not is_editor(user):
        raise NotAllowed("Only the reviewer who gave this verdict or an editor may change it.")
    if not verdict.claim.bump(expected_version=expected_version):
        raise Conflict()
    if rating is not None:
        verdict.rating = _rating_clean(rating)
    if note is not None:
        verdict.note = note
    if sources is not None:
        verdict.sources = sources
    verdict.save()
    if verdict.is_published:
        reference_from_verdict(verdict=verdict)
    return verdict


@transaction.atomic
def verdict_publish(*, verdict: Verdict, editor) -> Verdict:

    if not is_editor(editor):
        raise NotAllowed("Only an editor may publish a verdict.")
    if not verdict.is_published:
        verdict.publish()
        # The desk's own verdict joins the corpus the next claims are matched against.
        reference_from_verdict(verdict=verdict)
        webhooks_notify(event=WebhookSubscription.Event.VERDICT_PUBLISHED, data=verdict_event(verdict=verdict))
    return verdict


@transaction.atomic
def verdict_withdraw(*, verdict: Verdict, editor) -> Verdict:
    """Unpublish a verdict: it leaves the ClaimReview feed, and its reference the corpus."""
    if not is_editor(editor):
        raise NotAllowed("Only an editor may withdraw a verdict.")
    if verdict.is_published:
        verdict.withdraw()
        Reference.objects.filter(verdict=verdict).delete()
    return verdict


@transaction.atomic
def claim_assign(*, claim: Claim, assignee, editor, expected_version: int | None = None) -> Claim:

    if not is_editor(editor):
        raise NotAllowed("Only an editor may assign claims.")
    if assignee is not None and not is_reviewer(assignee):
        raise InvalidInput("The assignee is not a reviewer.", fields={"assignee": "Not a reviewer."})
    changes: dict = {"assignee": assignee}
    if claim.status == Claim.Status.MATCHED:
        changes["status"] = Claim.Status.IN_REVIEW
    if not claim.bump(expected_version=expected_version, **changes):
        raise Conflict()
    return claim


@transaction.atomic
def match_decide(*, match: Match, reviewer, decision: str) -> Match:
    """Confirm or reject a suggested match; decisions later feed threshold calibration."""
    if decision not in (Match.Decision.CONFIRMED, Match.Decision.REJECTED, Match.Decision.PENDING):
        raise InvalidInput(f"Unknown decision {decision!r}.", fields={"decision": "confirmed, rejected or pending."})
    match.decision = decision
    match.decided_by = reviewer
    match.save(update_fields=["decision", "decided_by"])
    match.claim.bump(expected_version=None)
    return match
