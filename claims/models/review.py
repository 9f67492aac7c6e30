"""What reviewers work on: the suggested matches of a claim, and the verdicts they give."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.models.articles import Claim
from claims.models.references import Reference


class Match(models.Model):
    class Numbers(models.TextChoices):
        AGREES = "agrees", "Numbers agree"
        DIFFERS = "differs", "Numbers differ"
        NOT_COMPARABLE = "not_comparable", "Not comparable"
        NO_NUMBERS = "no_numbers", "No numbers"

    class Scorer(models.TextChoices):
        """Whose cosine `score` is, which decides the thresholds of its tiers."""

        ENGLISH = "english", "all-MiniLM-L6-v2 (English)"
        MULTILINGUAL = "multilingual", "multilingual-e5-small, same language"
        CROSSLINGUAL = "crosslingual", "multilingual-e5-small, across languages"

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided"
        CONFIRMED = "confirmed", "Same claim"
        REJECTED = "rejected", "Not the same claim"

    claim = models.ForeignKey(Claim, related_name="matches", on_delete=models.CASCADE)
    reference = models.ForeignKey(Reference, related_name="matches", on_delete=models.CASCADE)
    score = models.FloatField()
    # The retrieval's ranking score (z-scores fused); the cosine is `score`.
    fused = models.FloatField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField()
    scorer = models.CharField(max_length=20, choices=Scorer.choices, default=Scorer.ENGLISH)
    numbers = models.CharField(max_length=20, choices=Numbers.choices, default=Numbers.NO_NUMBERS)
    comparisons = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created"])

    class Meta:
        ordering = ["claim", "rank"]
        constraints = [models.UniqueConstraint(fields=["claim", "reference"], name="match_unique_pair")]

    def __str__(self) -> str:
        return f"{self.claim_id} → {self.reference_id} ({self.score:.2f})"


class VerdictQuerySet(models.QuerySet):
    def published(self) -> VerdictQuerySet:
        return self.filter(published_at__isnull=False)


class Verdict(models.Model):
    claim = models.ForeignKey(Claim, related_name="verdicts", on_delete=models.CASCADE)
    # A verdict on a claim of a group holds for every member, present and future.
    group = models.ForeignKey(
        "claims.ClaimGroup", null=True, blank=True, related_name="verdicts", on_delete=models.SET_NULL
    )
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="verdicts", on_delete=models.PROTECT)
    rating = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = VerdictQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.rating}: {self.claim}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def publish(self) -> None:
        self.published_at = timezone.now()
        self.save(update_fields=["published_at", "updated"])

    def withdraw(self) -> None:
        self.published_at = None
        self.save(update_fields=["published_at", "updated"])
