"""Articles and the claims pulled out of them."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from claims.models.review import Match

EMBEDDING_DIMENSIONS = 384
# multilingual-e5-small (claims/engine/multilingual.py): claims and fact-checks in
# any language side by side, beside the English model's vectors.
MULTILINGUAL_DIMENSIONS = 384
# BCP 47's "undetermined": lingua would not decide (a short or mixed text).
UNDETERMINED_LANGUAGE = "und"


def content_hash(text: str) -> str:
    # Whitespace differences should not make a resubmitted article new.
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


class ArticleQuerySet(models.QuerySet):
    def in_progress(self) -> ArticleQuerySet:
        return self.exclude(status__in=[Article.Status.DONE, Article.Status.FAILED])

    def stuck(self, *, older_than: timedelta) -> ArticleQuerySet:
        return self.in_progress().filter(updated__lt=timezone.now() - older_than)


class Article(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for extraction"
        EXTRACTING = "extracting", "Extracting claims"
        EMBEDDING = "embedding", "Embedding claims"
        MATCHING = "matching", "Matching claims"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    url = models.URLField(max_length=2000, blank=True)
    published = models.DateField(null=True, blank=True)
    # ISO 639-1, identified at ingest (claims/engine/language.py); extraction
    # runs in it when it has rules for it, in English otherwise.
    language = models.CharField(max_length=10, default=UNDETERMINED_LANGUAGE, db_index=True)
    content_hash = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title or f"Article {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def advance(self, *, from_status: str, to_status: str) -> bool:
        """Move to the next stage only if still at `from_status`; workers use the
        returned flag to claim the work so a redelivered task does not repeat it."""
        updated = Article.objects.filter(pk=self.pk, status=from_status).update(
            status=to_status, updated=timezone.now()
        )
        if updated:
            self.status = to_status
        return bool(updated)

    def fail(self, *, error: str) -> None:
        Article.objects.filter(pk=self.pk).update(status=self.Status.FAILED, error=error, updated=timezone.now())
        self.status, self.error = self.Status.FAILED, error


class ClaimQuerySet(models.QuerySet):
    def awaiting_review(self) -> ClaimQuerySet:
        return self.filter(status__in=[Claim.Status.MATCHED, Claim.Status.IN_REVIEW]).order_by(
            "-checkworthiness", "-created", "pk"
        )

    def with_numbers_differing(self) -> ClaimQuerySet:
        # Match lives in claims.models.review, which imports this module.
        match = cast("type[Match]", self.model._meta.get_field("matches").related_model)
        return self.filter(Exists(match.objects.filter(claim=OuterRef("pk"), numbers=match.Numbers.DIFFERS)))

    def without_embedding(self) -> ClaimQuerySet:
        return self.filter(embedding__isnull=True)

    def in_language(self, language: str | None) -> ClaimQuerySet:
        return self.filter(language=language) if language else self


class Claim(models.Model):
    class Status(models.TextChoices):
        EXTRACTED = "extracted", "Extracted"
        MATCHED = "matched", "Matched"
        IN_REVIEW = "in_review", "In review"
        REVIEWED = "reviewed", "Reviewed"
        # Joined a group whose verdict was already published: nothing left to do.
        ALREADY_CHECKED = "already_checked", "Already checked"

    class Kind(models.TextChoices):
        NUMERIC = "numeric", "Numeric"
        DATED_EVENT = "dated_event", "Dated event"
        ATTRIBUTED = "attributed", "Attributed statement"

    article = models.ForeignKey(Article, related_name="claims", on_delete=models.CASCADE)
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    slots = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NUMERIC, db_index=True)
    checkworthiness = models.FloatField(default=0.0)
    # Its own sentence's language, or its article's when lingua will not decide.
    language = models.CharField(max_length=10, default=UNDETERMINED_LANGUAGE, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.EXTRACTED, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="assigned_claims", on_delete=models.SET_NULL
    )
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    # The e5 "query" vector: what matches it to fact-checks in other languages.
    embedding_ml = VectorField(dimensions=MULTILINGUAL_DIMENSIONS, null=True, blank=True)
    embedding_ml_model = models.CharField(max_length=200, blank=True)
    # The repeats of one claim across articles share a group, and its verdict.
    group = models.ForeignKey(
        "claims.ClaimGroup", null=True, blank=True, related_name="members", on_delete=models.SET_NULL
    )
    # Why it is in its group (claims.services.groups): how it joined, the
    # score and the number check against the member it resembled.
    grouping = models.JSONField(default=dict, blank=True)
    # Bumped by every reviewer change, so two reviewers editing one claim
    # cannot overwrite each other unseen (optimistic locking).
    version = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["embedding", "embedding_ml", "updated"])

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            # A redelivered extraction task must not duplicate claims.
            models.UniqueConstraint(fields=["article", "start", "end"], name="claim_unique_span"),
        ]
        indexes = [
            # Grouping looks for the nearest claims already on the desk.
            HnswIndex(
                name="claim_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=200,
                opclasses=["vector_cosine_ops"],
            ),
            HnswIndex(
                name="claim_embedding_ml_hnsw",
                fields=["embedding_ml"],
                m=16,
                ef_construction=200,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def bump(self, *, expected_version: int | None, **changes) -> bool:
        """Apply `changes` only if nobody changed the claim since `expected_version`
        (None skips the check). Returns False on a conflict."""
        rows = Claim.objects.filter(pk=self.pk)
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
        if not rows.update(version=models.F("version") + 1, updated=timezone.now(), **changes):
            return False
        self.refresh_from_db(fields=["version", "updated", *changes])
        # A queryset update sends no signals: record the change for the audit
        # trail by hand (the user comes from HistoryRequestMiddleware).
        Claim.history.bulk_history_create([self], update=True)
        return True
