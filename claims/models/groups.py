"""Groups of claims that say the same thing: one claim repeated across articles,
checked once."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ClaimGroupQuerySet(models.QuerySet):
    def with_published_verdict(self) -> ClaimGroupQuerySet:
        from claims.models.review import Verdict

        return self.filter(Exists(Verdict.objects.published().filter(group=OuterRef("pk"))))


class ClaimGroup(models.Model):
    """Every appearance of one claim. The counts are kept by claims.services.groups
    whenever a member joins or leaves, so the queue can sort on them."""

    # The most check-worthy member: the wording a reviewer reads first.
    representative = models.ForeignKey(
        "claims.Claim", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    claim_count = models.PositiveIntegerField(default=1)
    article_count = models.PositiveIntegerField(default=1)
    source_count = models.PositiveIntegerField(default=0, help_text="Distinct hosts that carried it.")
    checkworthiness = models.FloatField(default=0.0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ClaimGroupQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        ordering = ["-last_seen", "pk"]

    def __str__(self) -> str:
        return f"Group {self.pk} ({self.claim_count} claims)"
