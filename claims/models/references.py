"""The reference corpus claims are matched against, its lexical index, and its import jobs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField
from simple_history.models import HistoricalRecords

from claims.models.articles import EMBEDDING_DIMENSIONS, MULTILINGUAL_DIMENSIONS


class ReferenceQuerySet(models.QuerySet):
    def embedded_with(self, model_name: str) -> ReferenceQuerySet:
        return self.filter(embedding__isnull=False, embedding_model=model_name)

    def needing_embedding(self, model_name: str) -> ReferenceQuerySet:
        return self.filter(Q(embedding__isnull=True) | ~Q(embedding_model=model_name))

    def needing_multilingual_embedding(self, model_name: str) -> ReferenceQuerySet:
        return self.filter(Q(embedding_ml__isnull=True) | ~Q(embedding_ml_model=model_name))


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
    # Given by the file or the editor, else identified at import or save.
    language = models.CharField(max_length=10, default="en", blank=True, db_index=True)
    # Set on the references the desk's own published verdicts become.
    verdict = models.OneToOneField(
        "claims.Verdict", null=True, blank=True, related_name="reference", on_delete=models.CASCADE
    )
    slots = models.JSONField(default=dict, blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    # The e5 "passage" vector, searched for claims in other languages than the
    # fact-check's (claims/engine/crosslingual.py).
    embedding_ml = VectorField(dimensions=MULTILINGUAL_DIMENSIONS, null=True, blank=True)
    embedding_ml_model = models.CharField(max_length=200, blank=True)
    # The lexical half of hybrid search; PostgreSQL keeps it in step with the text.
    search = models.GeneratedField(
        expression=SearchVector("text", "title", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["embedding", "embedding_ml", "updated", "search"])

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
            HnswIndex(
                name="reference_embedding_ml_hnsw",
                fields=["embedding_ml"],
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
