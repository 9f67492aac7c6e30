"""Articles, the claims pulled out of them, the reference corpus they are matched
against, and the verdicts fact-checkers give."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField
from simple_history.models import HistoricalRecords

EMBEDDING_DIMENSIONS = 384


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
        return self.filter(Exists(Match.objects.filter(claim=OuterRef("pk"), numbers=Match.Numbers.DIFFERS)))

    def without_embedding(self) -> ClaimQuerySet:
        return self.filter(embedding__isnull=True)


class Claim(models.Model):
    class Status(models.TextChoices):
        EXTRACTED = "extracted", "Extracted"
        MATCHED = "matched", "Matched"
        IN_REVIEW = "in_review", "In review"
        REVIEWED = "reviewed", "Reviewed"

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
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.EXTRACTED, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="assigned_claims", on_delete=models.SET_NULL
    )
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    # Bumped by every reviewer change, so two reviewers editing one claim
    # cannot overwrite each other unseen (optimistic locking).
    version = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["embedding", "updated"])

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            # A redelivered extraction task must not duplicate claims.
            models.UniqueConstraint(fields=["article", "start", "end"], name="claim_unique_span"),
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


class ReferenceQuerySet(models.QuerySet):
    def embedded_with(self, model_name: str) -> ReferenceQuerySet:
        return self.filter(embedding__isnull=False, embedding_model=model_name)

    def needing_embedding(self, model_name: str) -> ReferenceQuerySet:
        return self.filter(Q(embedding__isnull=True) | ~Q(embedding_model=model_name))


class Reference(models.Model):
    """An earlier fact-check or a verified fact that claims are matched against."""

    external_id = models.CharField(max_length=200, unique=True)
    text = models.TextField(help_text="The claim as the fact-check states it.")
    title = models.CharField(max_length=1000, blank=True)
    subtitle = models.TextField(blank=True)
    rating = models.CharField(max_length=100, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=10, default="en")
    slots = models.JSONField(default=dict, blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    # The lexical half of hybrid search; PostgreSQL keeps it in step with the text.
    search = models.GeneratedField(
        expression=SearchVector("text", "title", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["embedding", "updated", "search"])

    class Meta:
        ordering = ["pk"]
        indexes = [
            # ef_construction 64 (pgvector's default) built a graph that found
            # 0.70 of the exact top 10 among a million references at ef_search
            # 200 and 0.92 at 800; 200 finds 0.93 at 200 and 0.99 at 400, for a
            # build three times as long (bench/scale.py). Below 100k both reach 0.998.
            HnswIndex(
                name="reference_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=200,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80]

    @property
    def embedding_text(self) -> str:
        return " ".join(part for part in (self.text, self.title) if part)


class ReferenceTerm(models.Model):
    """One posting of the lexical index: a lexeme of a reference's text and title.

    A database trigger (migration 0006) keeps the postings in step with
    Reference.search. BM25 over a GIN index must unnest every document that
    shares any query word, which grows with the corpus (1.5 s a query at 1M
    references); postings ordered by impact let a query read only the best few
    thousand documents per word."""

    pk = models.CompositePrimaryKey("reference", "lexeme")
    reference = models.ForeignKey(Reference, related_name="terms", on_delete=models.CASCADE, db_index=False)
    lexeme = models.TextField()
    tf = models.PositiveIntegerField(help_text="Occurrences of the lexeme in the reference.")
    dl = models.PositiveIntegerField(help_text="Distinct lexemes in the reference.")
    impact = models.FloatField(help_text="BM25 term weight at a fixed mean length; orders the postings.")

    class Meta:
        indexes = [
            models.Index(
                fields=["lexeme", "-impact"], name="referenceterm_lexeme_impact", include=["reference", "tf", "dl"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.lexeme} in {self.reference_id}"


class Match(models.Model):
    class Numbers(models.TextChoices):
        AGREES = "agrees", "Numbers agree"
        DIFFERS = "differs", "Numbers differ"
        NOT_COMPARABLE = "not_comparable", "Not comparable"
        NO_NUMBERS = "no_numbers", "No numbers"

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided"
        CONFIRMED = "confirmed", "Same claim"
        REJECTED = "rejected", "Not the same claim"

    claim = models.ForeignKey(Claim, related_name="matches", on_delete=models.CASCADE)
    reference = models.ForeignKey(Reference, related_name="matches", on_delete=models.CASCADE)
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()
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


class ImportJob(models.Model):
    """A reference file uploaded through the API, imported by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        IMPORTING = "importing", "Importing"
        EMBEDDING = "embedding", "Embedding"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    # The file itself, kept in the database so any worker can read it; emptied when done.
    data = models.BinaryField(default=b"", editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)
    rejected_count = models.PositiveIntegerField(default=0)
    embedded = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.format}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def advance(self, *, from_statuses: tuple[str, ...], to_status: str) -> bool:
        """Claim the next stage only if still at one of `from_statuses` (see Article.advance)."""
        updated = ImportJob.objects.filter(pk=self.pk, status__in=from_statuses).update(
            status=to_status, updated=timezone.now()
        )
        if updated:
            self.status = to_status
        return bool(updated)


class WebhookSubscription(models.Model):
    """A newsroom tool's URL that is POSTed a signed event."""

    class Event(models.TextChoices):
        ARTICLE_DONE = "article.done", "An article finished processing"
        VERDICT_PUBLISHED = "verdict.published", "A verdict was published"

    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    last_attempt = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.url
