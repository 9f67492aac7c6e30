"""The reference corpus: bulk upserts, one reference by hand, and embedding."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from claims.engine import crosslingual, embedding, language, multilingual
from claims.models import UNDETERMINED_LANGUAGE, Reference, Verdict
from claims.services import enqueue
from claims.services.errors import Conflict, InvalidInput
from claims.services.matching import extraction_language, slots_of

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


REFERENCE_FIELDS = ("text", "title", "subtitle", "rating", "publisher", "url", "published", "language")


def references_import(
    *,
    rows: Iterable[tuple[int, Mapping]],
    batch_size: int = 500,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Upsert references by external id; a re-import of the same rows changes nothing.

    `rows` yields (line number, row) so rejections can point at the input;
    `progress`, when given, is called with the report after each batch is stored.
    """
    from claims import extraction

    report = ImportReport()
    batch: list[tuple[int, dict]] = []

    def flush() -> None:
        if not batch:
            return
        ids = [row["external_id"] for _, row in batch]
        existing = {ref.external_id: ref for ref in Reference.objects.filter(external_id__in=ids)}
        # Extraction is the slow part of an import: run it only on new or
        # changed texts, so a re-import of an unchanged corpus is quick.
        fresh = [
            row
            for _, row in batch
            if row["external_id"] not in existing or existing[row["external_id"]].text != row["text"]
        ]
        # A file that names no language has it identified (fact-check and
        # title together), and each text's numbers are read in its language.
        unnamed = [row for row in fresh if not row.get("language")]
        for row, code in zip(unnamed, language.detect_many([_language_sample(row) for row in unnamed]), strict=True):
            row["language"] = "en" if code == UNDETERMINED_LANGUAGE else code
        by_language: dict[str, list[dict]] = {}
        for row in fresh:
            by_language.setdefault(extraction_language(row.get("language") or "en"), []).append(row)
        for lang, rows_of in by_language.items():
            texts = [row["text"] for row in rows_of]
            for row, claims_found in zip(
                rows_of, extraction.extract_many(texts, published=None, language=lang), strict=True
            ):
                row["slots"] = slots_of(row["text"], claims_found)
        to_create, to_update = [], []
        for _, row in batch:
            ref = existing.get(row["external_id"])
            if ref is None:
                to_create.append(Reference(**row))
                continue
            changed = [name for name in (*REFERENCE_FIELDS, "slots") if name in row and getattr(ref, name) != row[name]]
            if not changed:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(ref, name, row[name])
            if "text" in changed or "title" in changed:
                ref.embedding, ref.embedding_model = None, ""
                ref.embedding_ml, ref.embedding_ml_model = None, ""
            to_update.append(ref)
        with transaction.atomic():
            Reference.objects.bulk_create(to_create, batch_size=batch_size)
            Reference.objects.bulk_update(
                to_update,
                [*REFERENCE_FIELDS, "slots", "embedding", "embedding_model", "embedding_ml", "embedding_ml_model"],
                batch_size=batch_size,
            )
        report.imported += len(to_create)
        report.updated += len(to_update)
        batch.clear()
        if progress is not None:
            progress(report)

    seen: set[str] = set()
    for line, raw in rows:
        try:
            row = reference_row_clean(raw)
        except InvalidInput as exc:
            report.rejected.append((line, exc.message))
            continue
        if row["external_id"] in seen:
            report.rejected.append((line, f"duplicate external id {row['external_id']!r} in this file"))
            continue
        seen.add(row["external_id"])
        batch.append((line, row))
        if len(batch) >= batch_size:
            flush()
    flush()
    return report


def reference_row_clean(raw: Mapping) -> dict:
    if raw.get("error"):
        raise InvalidInput(str(raw["error"]))
    external_id = str(raw.get("external_id") or "").strip()
    text = str(raw.get("text") or "").strip()
    if not external_id:
        raise InvalidInput("missing external id")
    if not text:
        raise InvalidInput("missing claim text")
    row: dict = {"external_id": external_id[:200], "text": text}
    for name in ("title", "subtitle", "rating", "publisher", "url", "language"):
        if raw.get(name):
            row[name] = str(raw[name]).strip()
    if raw.get("published"):
        row["published"] = date_parse(str(raw["published"]))
    return row


DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d", "%d/%m/%Y")


def date_parse(value: str) -> dt.date:
    """ISO dates, and the written forms fact-check feeds use ("26 May 2015")."""
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"unreadable date {value!r}")


def _language_sample(row: Mapping) -> str:
    return " ".join(part for part in (row.get("text"), row.get("title")) if part)


def references_embed(*, limit: int | None = None, batch_size: int | None = None, also_multilingual: bool = True) -> int:
    """Embed references that have no embedding from the current model, then
    (unless `also_multilingual` is off) give them their e5 vectors too. Returns how
    many English-model vectors were made.

    The background path (tasks.references_embed, import jobs) runs the e5 pass
    as a task of its own after this one, so that English matching is ready as
    early as it was before e5: e5 costs more than twice MiniLM's CPU a text."""
    batch_size = batch_size or settings.EMBEDDING_BATCH_SIZE * 8
    done = 0
    name = embedding.model_name()
    while limit is None or done < limit:
        refs = list(Reference.objects.needing_embedding(name).order_by("pk")[:batch_size])
        if not refs:
            break
        vectors = embedding.embed([ref.embedding_text for ref in refs])
        embedding.store(Reference, [ref.pk for ref in refs], vectors)
        done += len(refs)
    if also_multilingual:
        references_embed_multilingual(limit=limit, batch_size=batch_size)
    return done


def references_embed_multilingual(*, limit: int | None = None, batch_size: int | None = None) -> int:
    """Give references their e5 "passage" vectors, which claims in another
    language than a fact-check's are matched by. Returns how many."""
    batch_size = batch_size or settings.EMBEDDING_BATCH_SIZE * 8
    done = 0
    name = multilingual.model_name()
    while limit is None or done < limit:
        refs = list(Reference.objects.needing_multilingual_embedding(name).order_by("pk")[:batch_size])
        if not refs:
            break
        vectors = multilingual.embed([ref.embedding_text for ref in refs], kind="passage")
        embedding.store(Reference, [ref.pk for ref in refs], vectors, column="embedding_ml", name=name)
        done += len(refs)
    if done:
        crosslingual.forget()
    return done


def references_embed_in_turn() -> int:
    """The background path: the English model's pass now, and the e5 pass
    queued as a task of its own. Returns how many English vectors were made."""
    done = references_embed(also_multilingual=False)
    enqueue.later("references_embed_multilingual")
    return done


def references_embed_later() -> None:
    """Queue both embedding passes: MiniLM first, e5 as its own task after it."""
    enqueue.later("references_embed")


@transaction.atomic
def reference_save(*, reference: Reference, embed_now: bool = False) -> Reference:
    """Store a reference an editor added or edited by hand: re-read its numbers
    when its text changed, and queue re-embedding when its text or title did
    (or embed it at once with `embed_now`)."""
    from claims import extraction

    before = Reference.objects.filter(pk=reference.pk).values("text", "title").first() if reference.pk else None
    if not reference.language:
        code = language.detect(reference.embedding_text)
        reference.language = "en" if code == UNDETERMINED_LANGUAGE else code
    if before is None or before["text"] != reference.text:
        found = extraction.extract(reference.text, published=None, language=extraction_language(reference.language))
        reference.slots = slots_of(reference.text, found)
    if before is None or (before["text"], before["title"]) != (reference.text, reference.title):
        reference.embedding, reference.embedding_model = None, ""
        reference.embedding_ml, reference.embedding_ml_model = None, ""
        if embed_now:
            reference.embedding = embedding.embed([reference.embedding_text])[0]
            reference.embedding_model = embedding.model_name()
            reference.embedding_ml = multilingual.embed([reference.embedding_text], kind="passage")[0]
            reference.embedding_ml_model = multilingual.model_name()
            if not crosslingual.is_english(reference.language):
                crosslingual.forget()
        else:
            references_embed_later()
    reference.save()
    return reference


def reference_from_verdict(*, verdict: Verdict) -> Reference:
    """The reference a published verdict of the desk's own becomes (or is kept
    in step with): the claim as reviewed, the rating, the newsroom as publisher
    and the ClaimReview's address. Embedded in the background."""
    reference = Reference.objects.filter(verdict=verdict).first() or Reference(
        verdict=verdict, external_id=f"desk-verdict-{verdict.pk}"
    )
    claim = verdict.claim
    reference.text = claim.text
    reference.rating = verdict.rating
    reference.subtitle = verdict.note
    reference.publisher = settings.CLAIMREVIEW_PUBLISHER
    reference.url = settings.SITE_URL.rstrip("/") + reverse("claimreview-detail", args=[verdict.pk])
    reference.published = verdict.published_at.date() if verdict.published_at else None
    # The claim's own language (an undetermined one is identified again from its text).
    reference.language = claim.language if claim.language != UNDETERMINED_LANGUAGE else ""
    # At once, so that the next article with this claim already finds the verdict.
    return reference_save(reference=reference, embed_now=True)


def reference_create(*, fields: Mapping) -> Reference:
    """Add one reference by hand; an external id already in the corpus is a
    Conflict. Without a language, its text's is identified."""
    if Reference.objects.filter(external_id=fields["external_id"]).exists():
        raise Conflict(f"A reference with external id {fields['external_id']!r} already exists.")
    try:
        return reference_save(reference=Reference(**{**fields, "language": fields.get("language") or ""}))
    except IntegrityError as exc:  # a concurrent create of the same id won
        raise Conflict(f"A reference with external id {fields['external_id']!r} already exists.") from exc


def reference_update(*, reference: Reference, changes: Mapping) -> Reference:
    for name, value in changes.items():
        setattr(reference, name, value)
    try:
        return reference_save(reference=reference)
    except IntegrityError as exc:
        raise Conflict(f"A reference with external id {reference.external_id!r} already exists.") from exc


@transaction.atomic
def reference_delete(*, reference: Reference) -> None:
    """Remove a reference; its suggested matches go with it."""
    reference.delete()
