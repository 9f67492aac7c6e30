"""Workflows shared by the API, the web UI, the management commands and the
Celery tasks. Each takes keyword arguments and is transactional where it writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.engine import embedding
from claims.models import (
    Article,
    Claim,
    ImportJob,
    Match,
    Reference,
    Verdict,
    WebhookSubscription,
    content_hash,
)
from claims.services import enqueue

logger = logging.getLogger(__name__)


class InvalidInput(ValueError):
    """Input a caller must fix; `fields` maps a field name to what is wrong with it."""

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.code = code


# --- Articles ----------------------------------------------------------------


def article_ingest(
    *,
    text: str,
    title: str = "",
    url: str = "",
    published: dt.date | None = None,
    submitted_by=None,
    idempotency_key: str | None = None,
) -> tuple[Article, bool]:
    """Store an article and queue its extraction. Returns (article, created).

    The same content, or the same idempotency key, returns the article already
    stored instead of a duplicate.
    """
    if not text or not text.strip():
        raise InvalidInput("The article has no text.", fields={"text": "This field may not be blank."})
    if len(text) > settings.ARTICLE_MAX_CHARS:
        raise InvalidInput(
            f"The article is {len(text):,} characters long; the limit is {settings.ARTICLE_MAX_CHARS:,}.",
            fields={"text": f"At most {settings.ARTICLE_MAX_CHARS} characters."},
            code="too_large",
        )
    if "\x00" in text:
        raise InvalidInput("The article contains NUL characters.", fields={"text": "NUL characters are not allowed."})

    digest = content_hash(text)
    with transaction.atomic():
        existing = Article.objects.filter(content_hash=digest).first()
        if existing is None and idempotency_key:
            existing = Article.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
        # A concurrent identical submission may win the race; its row is ours too.
        try:
            article, created = Article.objects.get_or_create(
                content_hash=digest,
                defaults={
                    "text": text,
                    "title": title[:500],
                    "url": url,
                    "published": published,
                    "submitted_by": submitted_by,
                    "idempotency_key": idempotency_key or None,
                },
            )
        except IntegrityError:
            # Other content under the same idempotency key won the race (a
            # client retrying with edits): the key's first article stands.
            existing = Article.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
            if existing is None:
                raise
            return existing, False
        if created:
            article_enqueue(article=article)
    return article, created


ARTICLE_FORMATS = ("auto", "text", "html")


def article_submit(
    *,
    text: str = "",
    content_format: str = "auto",
    url: str = "",
    title: str = "",
    published: dt.date | None = None,
    submitted_by=None,
    idempotency_key: str | None = None,
) -> tuple[Article, bool]:
    """An article from the API: plain text, HTML (its main text is kept), or
    only the URL of a page to fetch through the address guard of claims.services.fetch.

    An idempotency key already used returns its article before anything is fetched.
    """
    from claims import extraction
    from claims.services import fetch

    if idempotency_key:
        existing = Article.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    if not text:
        if not url:
            raise InvalidInput(
                "Give the article's text, or the url of the page to fetch.", fields={"text": "Give text or url."}
            )
        text, content_type = fetch.fetch_page(url)
        content_format = "text" if content_type == "text/plain" else "html"
    if content_format == "html" or (content_format == "auto" and extraction.looks_like_html(text)):
        text = extraction.html_to_text(text)
        if not text.strip():
            raise InvalidInput(
                "No article text was found in the HTML.",
                fields={"text": "The HTML has no main text."},
                code="no_article_text",
            )
    return article_ingest(
        text=text,
        title=title,
        url=url,
        published=published,
        submitted_by=submitted_by,
        idempotency_key=idempotency_key,
    )


def article_enqueue(*, article: Article) -> None:
    """Queue the next stage of an article's processing once the transaction commits."""
    enqueue.article_stage(article=article)


@transaction.atomic
def article_retry(*, article: Article) -> Article:
    """Send a failed article through the pipeline again from the start."""
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PENDING, error="")
    article.refresh_from_db()
    article_enqueue(article=article)
    return article


def articles_sweep(*, stuck_after: dt.timedelta, give_up_after: dt.timedelta) -> tuple[int, int]:
    """Re-enqueue the stage of every article stuck longer than `stuck_after`
    (a lost message, a broker that was down); mark as failed, for an editor to
    see and retry, those submitted more than `give_up_after` ago.
    Returns (re-enqueued, failed)."""
    gave_up = 0
    for article in Article.objects.in_progress().filter(created__lt=timezone.now() - give_up_after):
        article.fail(error=f"Gave up: still {article.get_status_display().lower()} after {give_up_after}.")
        gave_up += 1
    stuck = list(Article.objects.stuck(older_than=stuck_after))
    # Touching `updated` gives the re-enqueued task a full period before the
    # next sweep considers it stuck again.
    Article.objects.filter(pk__in=[a.pk for a in stuck]).update(updated=timezone.now())
    for article in stuck:
        article_enqueue(article=article)
    return len(stuck), gave_up


def article_extract(*, article: Article) -> int:
    """Pull the claims out of an article. Returns how many were stored."""
    from claims import extraction

    found = extraction.extract(article.text, published=article.published)
    rows = [
        Claim(
            article=article,
            text=item["text"],
            start=item["start"],
            end=item["end"],
            slots=item["slots"],
            kind=item["kind"],
            checkworthiness=item["checkworthiness"],
        )
        for item in (claim.to_dict() for claim in found)
    ]
    with transaction.atomic():
        # A redelivered task finds its claims already there: the unique span
        # constraint keeps one copy of each.
        Claim.objects.bulk_create(rows, ignore_conflicts=True)
        if article.advance(from_status=Article.Status.EXTRACTING, to_status=Article.Status.EMBEDDING):
            article_enqueue(article=article)
    return len(rows)


def article_embed(*, article: Article) -> int:
    """Embed the claims of the article that have no embedding yet in one batch,
    with those of other articles waiting at the same stage while the batch stays
    within settings.EMBED_BATCH_MAX claims (the article's own are all taken),
    and send every article taken on to matching. Returns how many claims were
    embedded."""
    # The transaction spans the model run: the row locks are what keeps a
    # second worker from embedding the same articles meanwhile.
    with transaction.atomic():
        # Waits while another worker embeds this article with its own, then
        # finds it past this stage: a redelivered or overtaken task does nothing.
        if not Article.objects.select_for_update().filter(pk=article.pk, status=Article.Status.EMBEDDING).exists():
            return 0
        own = list(Claim.objects.without_embedding().filter(article=article).only("pk", "text"))
        others = _articles_waiting_to_embed(besides=article, room=settings.EMBED_BATCH_MAX - len(own))
        claims = own + list(Claim.objects.without_embedding().filter(article__in=others).only("pk", "text"))
        vectors = embedding.embed([claim.text for claim in claims]) if claims else []
        embedding.store(Claim, [claim.pk for claim in claims], vectors)
        for taken in [article, *others]:
            if taken.advance(from_status=Article.Status.EMBEDDING, to_status=Article.Status.MATCHING):
                article_enqueue(article=taken)
    return len(claims)


def _articles_waiting_to_embed(*, besides: Article, room: int) -> list[Article]:
    """Other articles at the embedding stage whose claims fit in `room`, oldest
    first, locked for this transaction; those another worker holds are skipped."""
    if room <= 0:
        return []
    waiting = (
        Claim.objects.without_embedding()
        .filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(count=Count("pk"))
        .values("count")
    )
    candidates = (
        Article.objects.filter(status=Article.Status.EMBEDDING)
        .exclude(pk=besides.pk)
        .annotate(waiting=Coalesce(Subquery(waiting), 0))
        .filter(waiting__lte=room)
        .order_by("pk")
        .values_list("pk", "waiting")[:room]
    )
    chosen = []
    for pk, count in candidates:
        if count <= room:
            chosen.append(pk)
            room -= count
    # Read without locks so that only the rows taken are locked; one that
    # another worker took in between is gone from this second read.
    return list(
        Article.objects.select_for_update(skip_locked=True)
        .filter(pk__in=chosen, status=Article.Status.EMBEDDING)
        .order_by("pk")
        .only("pk", "status")
    )


def article_match(*, article: Article, top_k: int | None = None) -> int:
    """Match every embedded claim of the article against the reference corpus."""
    top_k = top_k or settings.MATCH_TOP_K
    claims = list(article.claims.filter(embedding__isnull=False))
    new_matches: list[Match] = []
    for claim in claims:
        results = reference_search(text=claim.text, vector=claim.embedding, top_k=top_k)
        for rank, (reference, score) in enumerate(results, start=1):
            comparisons, summary = numbers_compare(claim_slots=claim.slots, reference_slots=reference.slots)
            new_matches.append(
                Match(
                    claim=claim,
                    reference=reference,
                    score=score,
                    rank=rank,
                    comparisons=comparisons,
                    numbers=summary,
                )
            )
    with transaction.atomic():
        # Re-matching replaces the suggestions but keeps a reviewer's decisions.
        Match.objects.filter(claim__in=claims, decision=Match.Decision.PENDING).delete()
        Match.objects.bulk_create(new_matches, ignore_conflicts=True)
        Claim.objects.filter(pk__in=[c.pk for c in claims], status=Claim.Status.EXTRACTED).update(
            status=Claim.Status.MATCHED
        )
        if article.advance(from_status=Article.Status.MATCHING, to_status=Article.Status.DONE):
            webhooks_notify(event=WebhookSubscription.Event.ARTICLE_DONE, data=article_event(article=article))
    return len(new_matches)


# --- Matching -----------------------------------------------------------------


@dataclass(frozen=True)
class MatchResult:
    reference: Reference
    score: float
    rank: int
    tier: str
    numbers: str
    comparisons: list[dict] = field(default_factory=list)


def reference_search(*, text: str, vector, top_k: int, mode: str | None = None) -> list[tuple[Reference, float]]:
    """The top_k references for a claim, best first, each with its cosine similarity."""
    from claims.engine import retrieval

    found = retrieval.search(text=text, vector=vector, top_k=top_k, mode=mode or settings.MATCH_MODE)
    return [(candidate.reference, candidate.cosine) for candidate in found]


def match_tier(*, score: float, numbers: str, likely: float, possible: float) -> str:
    if score >= likely and numbers != Match.Numbers.DIFFERS:
        return "likely"
    # Numbers that differ are flagged, never presented as the same claim.
    if score >= possible:
        return "possible"
    return "unlikely"


def numbers_compare(*, claim_slots: Mapping, reference_slots: Mapping) -> tuple[list[dict], str]:
    from claims.engine import numbers

    comparisons = numbers.compare_slots(claim_slots or {}, reference_slots or {})
    return [c.to_dict() for c in comparisons], numbers.summarise(comparisons)


_extractor: tuple[int, ThreadPoolExecutor] | None = None  # (pid, executor)


def _query_extractor() -> ThreadPoolExecutor:
    """One extraction thread per process (made anew after a fork, whose child has
    none): spaCy stays on one thread, and a match request overlaps it with the
    embedding and the search, which release the GIL."""
    global _extractor
    if _extractor is None or _extractor[0] != os.getpid():
        _extractor = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-extract"))
    return _extractor[1]


def claim_match(
    *,
    text: str,
    top_k: int | None = None,
    published: dt.date | None = None,
    likely: float | None = None,
    possible: float | None = None,
    mode: str | None = None,
) -> list[MatchResult]:
    """Match one claim text against the reference corpus, with number checks."""
    from claims import extraction
    from claims.engine import retrieval

    if not text or not text.strip():
        raise InvalidInput("The text is empty.", fields={"text": "This field may not be blank."})
    body, posted = retrieval.split_signature(text)
    # Extraction is half of a match request's CPU time and its slots are only
    # needed after the search: run it beside the embedding and the search.
    slots = _query_extractor().submit(lambda: slots_of(body, extraction.extract(body, published=published or posted)))
    vector = embedding.embed_one(retrieval.clean_query(body) or text)
    found = reference_search(text=text, vector=vector, top_k=top_k or settings.MATCH_TOP_K, mode=mode)
    return _match_results(found=found, query_slots=slots.result(), likely=likely, possible=possible)


def claims_match_batch(
    *,
    texts: Sequence[str],
    top_k: int | None = None,
    published: dt.date | None = None,
    likely: float | None = None,
    possible: float | None = None,
) -> list[list[MatchResult]]:
    """Match many claim texts at once: one embedding batch and one extraction
    batch for all of them; a list of results per text, in order."""
    from claims import extraction
    from claims.engine import retrieval

    texts = list(texts)
    blank = {f"texts.{i}": "This text is empty." for i, text in enumerate(texts) if not text or not text.strip()}
    if blank:
        raise InvalidInput("Some texts are empty.", fields=blank)
    if len(texts) > settings.MATCH_BATCH_MAX:
        raise InvalidInput(
            f"At most {settings.MATCH_BATCH_MAX} texts at once.",
            fields={"texts": f"At most {settings.MATCH_BATCH_MAX} items."},
            code="too_large",
        )
    if not texts:
        return []
    vectors = embedding.embed([retrieval.clean_query(text) or text for text in texts])
    found = extraction.extract_many(texts, published=published)
    top_k = top_k or settings.MATCH_TOP_K
    return [
        _match_results(
            found=reference_search(text=text, vector=vector, top_k=top_k),
            query_slots=slots_of(text, claims_found),
            likely=likely,
            possible=possible,
        )
        for text, vector, claims_found in zip(texts, vectors, found, strict=True)
    ]


def _match_results(
    *,
    found: Sequence[tuple[Reference, float]],
    query_slots: Mapping,
    likely: float | None,
    possible: float | None,
) -> list[MatchResult]:
    """The found references as ranked results, each with its number checks and tier."""
    likely = settings.MATCH_LIKELY_THRESHOLD if likely is None else likely
    possible = settings.MATCH_POSSIBLE_THRESHOLD if possible is None else possible
    results = []
    for rank, (reference, score) in enumerate(found, 1):
        comparisons, summary = numbers_compare(claim_slots=query_slots, reference_slots=reference.slots)
        results.append(
            MatchResult(
                reference=reference,
                score=round(score, 4),
                rank=rank,
                tier=match_tier(score=score, numbers=summary, likely=likely, possible=possible),
                numbers=summary,
                comparisons=comparisons,
            )
        )
    return results


def slots_of(text: str, found) -> dict:
    """Merge the slots of every claim found in a short text (a query or a reference)."""
    merged: dict = {"quantities": [], "tallies": [], "rankings": [], "dates": []}
    for claim in found:
        slots = claim.to_dict()["slots"]
        for key in merged:
            merged[key].extend(slots.get(key, []))
    return merged


# --- References ------------------------------------------------------------------


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
        for row, claims_found in zip(
            fresh, extraction.extract_many([row["text"] for row in fresh], published=None), strict=True
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
            to_update.append(ref)
        with transaction.atomic():
            Reference.objects.bulk_create(to_create, batch_size=batch_size)
            Reference.objects.bulk_update(
                to_update, [*REFERENCE_FIELDS, "slots", "embedding", "embedding_model"], batch_size=batch_size
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


def references_embed(*, limit: int | None = None, batch_size: int | None = None) -> int:
    """Embed references that have no embedding from the current model."""
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
    return done


# --- Review -------------------------------------------------------------------------


class Conflict(Exception):
    """Someone else changed the claim since the caller last read it."""

    def __init__(self, message: str = "Another reviewer changed this claim; reload it and try again.") -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(Exception):
    """The user's role does not permit this action."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    return Verdict.objects.create(claim=claim, reviewer=reviewer, rating=rating, note=note, sources=sources or [])


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
    from claims.roles import is_editor

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
    return verdict


@transaction.atomic
def verdict_publish(*, verdict: Verdict, editor) -> Verdict:
    from claims.roles import is_editor

    if not is_editor(editor):
        raise NotAllowed("Only an editor may publish a verdict.")
    if not verdict.is_published:
        verdict.publish()
        webhooks_notify(event=WebhookSubscription.Event.VERDICT_PUBLISHED, data=verdict_event(verdict=verdict))
    return verdict


@transaction.atomic
def claim_assign(*, claim: Claim, assignee, editor, expected_version: int | None = None) -> Claim:
    from claims.roles import is_editor, is_reviewer

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


def status_counts(*, claims: QuerySet | None = None) -> dict[str, int]:
    """How many claims are in each status; of `claims` when given, else of all."""
    claims = Claim.objects.all() if claims is None else claims
    counts = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value, _ in Claim.Status.choices}


# --- The reviewer's desk ------------------------------------------------------------

QUEUE_ORDER = ("-checkworthiness", "-created", "pk")
ANY_STATUS = "all"


def claim_queue(
    *,
    status: str | None = None,
    article_id: int | None = None,
    kind: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    numbers_differ: bool = False,
) -> QuerySet:
    """Claims in review order (check-worthiness, then the newest first).

    `status` None means awaiting review; ANY_STATUS means every status. Each claim
    is annotated with `numbers_differ` and its `best_score` among its matches.
    """
    if status is None:
        claims = Claim.objects.awaiting_review()
    elif status == ANY_STATUS:
        claims = Claim.objects.all()
    else:
        claims = Claim.objects.filter(status=status)
    if article_id is not None:
        claims = claims.filter(article_id=article_id)
    if kind:
        claims = claims.filter(kind=kind)
    if unassigned:
        claims = claims.filter(assignee__isnull=True)
    elif assignee_id is not None:
        claims = claims.filter(assignee_id=assignee_id)
    if numbers_differ:
        claims = claims.with_numbers_differing()
    best = Match.objects.filter(claim=OuterRef("pk")).order_by("-score").values("score")[:1]
    return claims.annotate(
        numbers_differ=Exists(Match.objects.filter(claim=OuterRef("pk"), numbers=Match.Numbers.DIFFERS)),
        best_score=Subquery(best),
    ).order_by(*QUEUE_ORDER)


def claim_neighbours(*, claim: Claim, queue: QuerySet) -> tuple[Claim | None, Claim | None]:
    """The claims just before and just after `claim` in `queue` order (keyset, so
    it works whether or not `claim` itself is still in the queue)."""
    cw, created, pk = claim.checkworthiness, claim.created, claim.pk
    after = (
        Q(checkworthiness__lt=cw)
        | Q(checkworthiness=cw, created__lt=created)
        | Q(checkworthiness=cw, created=created, pk__gt=pk)
    )
    before = (
        Q(checkworthiness__gt=cw)
        | Q(checkworthiness=cw, created__gt=created)
        | Q(checkworthiness=cw, created=created, pk__lt=pk)
    )
    previous = queue.filter(before).order_by("checkworthiness", "created", "-pk").only("pk").first()
    following = queue.filter(after).order_by(*QUEUE_ORDER).only("pk").first()
    return previous, following


@transaction.atomic
def reference_save(*, reference: Reference) -> Reference:
    """Store a reference an editor added or edited by hand: re-read its numbers
    when its text changed, and queue re-embedding when its text or title did."""
    from claims import extraction

    before = Reference.objects.filter(pk=reference.pk).values("text", "title").first() if reference.pk else None
    if before is None or before["text"] != reference.text:
        reference.slots = slots_of(reference.text, extraction.extract(reference.text, published=None))
    if before is None or (before["text"], before["title"]) != (reference.text, reference.title):
        reference.embedding, reference.embedding_model = None, ""
        enqueue.later("references_embed")
    reference.save()
    return reference


# --- The API: references by hand, imports, webhooks ---------------------------------


def reference_create(*, fields: Mapping) -> Reference:
    """Add one reference by hand; an external id already in the corpus is a Conflict."""
    if Reference.objects.filter(external_id=fields["external_id"]).exists():
        raise Conflict(f"A reference with external id {fields['external_id']!r} already exists.")
    try:
        return reference_save(reference=Reference(**fields))
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


IMPORT_REJECTED_KEPT = 100


def import_job_create(*, data: bytes, fmt: str, filename: str = "", created_by=None) -> ImportJob:
    """Keep an uploaded reference file and queue its import."""
    from claims.services import importers

    if fmt not in importers.FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}.", fields={"format": f"One of: {', '.join(importers.FORMATS)}."})
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise InvalidInput(
            f"The file is larger than {settings.IMPORT_MAX_BYTES:,} bytes.",
            fields={"file": f"At most {settings.IMPORT_MAX_BYTES} bytes."},
            code="too_large",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text.", fields={"file": "Not UTF-8."}, code="not_utf8") from exc
    if not text.strip():
        raise InvalidInput("The file is empty.", fields={"file": "The file is empty."}, code="empty_file")
    with transaction.atomic():
        job = ImportJob.objects.create(format=fmt, filename=filename[:255], data=data, created_by=created_by)
        enqueue.later("references_import_job", job.pk)
    return job


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Import a claimed job's file, saving progress after every batch, then embed
    what it added or changed. Safe to repeat: the import is an upsert."""
    from claims.services import importers

    if job.status == ImportJob.Status.IMPORTING:
        rows = list(importers.read(bytes(job.data), fmt=job.format))
        ImportJob.objects.filter(pk=job.pk).update(total=len(rows), updated=timezone.now())

        def progress(report: ImportReport) -> None:
            ImportJob.objects.filter(pk=job.pk).update(
                processed=report.imported + report.updated + report.unchanged + len(report.rejected),
                imported=report.imported,
                updated_count=report.updated,
                unchanged=report.unchanged,
                rejected_count=len(report.rejected),
                rejected=[
                    {"line": line, "message": message} for line, message in report.rejected[:IMPORT_REJECTED_KEPT]
                ],
                updated=timezone.now(),
            )

        progress(references_import(rows=rows, progress=progress))
        job.advance(from_statuses=(ImportJob.Status.IMPORTING,), to_status=ImportJob.Status.EMBEDDING)
    if job.status == ImportJob.Status.EMBEDDING:
        embedded = references_embed()
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.EMBEDDING).update(
            status=ImportJob.Status.DONE, embedded=embedded, data=b"", finished=timezone.now(), updated=timezone.now()
        )
    job.refresh_from_db()
    return job


def import_job_fail(*, job: ImportJob, error: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=error, finished=timezone.now(), updated=timezone.now()
    )


class DeliveryFailed(Exception):
    """A webhook subscriber did not take the event; the task retries later."""


def webhook_subscribe(*, url: str, events: Iterable[str], created_by=None) -> WebhookSubscription:
    """Subscribe `url` to `events`; its secret signs every delivery. A URL that
    resolves to a non-public address is refused (claims.services.fetch.FetchError)."""
    from claims.services import fetch

    events = sorted(set(events))
    unknown = [event for event in events if event not in WebhookSubscription.Event.values]
    if unknown or not events:
        raise InvalidInput(
            "Unknown or no events.",
            fields={"events": f"One or more of: {', '.join(WebhookSubscription.Event.values)}."},
        )
    fetch.check_url(url, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK)
    return WebhookSubscription.objects.create(
        url=url, events=events, secret=secrets.token_hex(32), created_by=created_by
    )


def webhook_unsubscribe(*, subscription: WebhookSubscription) -> None:
    """Stop deliveries; those already queued find the subscription gone and stop too."""
    subscription.delete()


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def article_event(*, article: Article) -> dict:
    from django.urls import reverse

    return {
        "article": {
            "id": article.pk,
            "status": article.status,
            "title": article.title,
            "url": article.url,
            "claims": article.claims.count(),
            "api_url": _absolute(reverse("api:article-detail", args=[article.pk])),
        }
    }


def verdict_event(*, verdict: Verdict) -> dict:
    from django.urls import reverse

    return {
        "verdict": {
            "id": verdict.pk,
            "claim": verdict.claim_id,
            "article": verdict.claim.article_id,
            "rating": verdict.rating,
            "published_at": verdict.published_at.isoformat() if verdict.published_at else None,
            "api_url": _absolute(reverse("api:verdict-detail", args=[verdict.pk])),
            "claimreview_url": _absolute(reverse("claimreview-detail", args=[verdict.pk])),
        }
    }


def webhooks_notify(*, event: str, data: Mapping) -> int:
    """Queue a delivery of `event` to every active subscriber of it, sent once the
    current transaction commits. Returns how many were queued."""
    subscribers = list(
        WebhookSubscription.objects.filter(active=True, events__contains=[str(event)]).values_list("pk", flat=True)
    )
    if not subscribers:
        return 0
    payload = {"id": str(uuid.uuid4()), "event": str(event), "created": timezone.now().isoformat(), "data": dict(data)}
    for pk in subscribers:
        enqueue.later("webhook_deliver", pk, payload)
    return len(subscribers)


def webhook_body(payload: Mapping) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(*, secret: str, body: bytes) -> str:
    """The X-Factcheck-Signature header: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


WEBHOOK_ANSWER_MAX_BYTES = 1024 * 1024


def webhook_deliver(*, subscription: WebhookSubscription, payload: Mapping) -> int | None:
    """POST one signed event. Returns the subscriber's HTTP status; raises
    DeliveryFailed for an answer other than 2xx or a network failure (worth a
    retry), but not for an address the guard refuses (never worth one)."""
    from claims.services import fetch

    body = webhook_body(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Factcheck-Event": str(payload["event"]),
        "X-Factcheck-Delivery": str(payload["id"]),
        "X-Factcheck-Signature": webhook_signature(secret=subscription.secret, body=body),
    }
    status, error, retry = None, "", False
    try:
        answer = fetch.request(
            "POST",
            subscription.url,
            content=body,
            headers=headers,
            allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK,
            follow_redirects=False,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=WEBHOOK_ANSWER_MAX_BYTES,
        )
        status = answer.status
        if not 200 <= status < 300:
            error, retry = f"The subscriber answered HTTP {status}.", True
    except fetch.FetchError as exc:
        error, retry = exc.message, exc.code != "url_not_allowed"
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        last_attempt=timezone.now(), last_status=status, last_error=error
    )
    if error:
        logger.warning("webhook %s to %s: %s", payload["event"], subscription.url, error)
    if retry:
        raise DeliveryFailed(error)
    return status


# --- Sources, feeds and appearances (claims/services/sources.py) -----------------------
# Imported last: sources.py calls back into this package (article_ingest, InvalidInput).
from claims.services.appearances import appearance_record as appearance_record  # noqa: E402
from claims.services.sources import entry_fetch as entry_fetch  # noqa: E402
from claims.services.sources import source_poll as source_poll  # noqa: E402
from claims.services.sources import sources_tick as sources_tick  # noqa: E402
