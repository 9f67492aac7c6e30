"""An article's way through the pipeline: ingest, extract, embed, match, and
the sweep that re-enqueues what got stuck."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.engine import embedding, language, multilingual
from claims.models import (
    UNDETERMINED_LANGUAGE,
    Article,
    Claim,
    Match,
    WebhookSubscription,
    content_hash,
)
from claims.services import enqueue, fetch
from claims.services.appearances import appearance_record
from claims.services.checkworthiness import claims_rescore
from claims.services.errors import InvalidInput
from claims.services.groups import claims_group
from claims.services.matching import (
    extraction_language,
    match_tier_of,
    numbers_compare,
    own_verdicts_first,
    reference_candidates,
)
from claims.services.webhooks import article_event, webhooks_notify

logger = logging.getLogger(__name__)

# What lingua reads of an article: enough to decide, and a long article costs no more.
LANGUAGE_SAMPLE_CHARS = 3000


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
                    "language": language.detect(f"{title}\n{text[:LANGUAGE_SAMPLE_CHARS]}"),
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
    article, created = article_ingest(
        text=text,
        title=title,
        url=url,
        published=published,
        submitted_by=submitted_by,
        idempotency_key=idempotency_key,
    )
    if url:
        # The same story at another outlet is the same article, seen once more.
        appearance_record(article=article, url=url, published=published)
    return article, created


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

    found = [
        claim.to_dict()
        for claim in extraction.extract(
            article.text, published=article.published, language=extraction_language(article.language)
        )
    ]
    # A claim's language is its sentence's; one too short for lingua to
    # decide on is in its article's.
    codes = language.detect_many([item["text"] for item in found])
    rows = [
        Claim(
            article=article,
            text=item["text"],
            start=item["start"],
            end=item["end"],
            slots=item["slots"],
            kind=item["kind"],
            checkworthiness=item["checkworthiness"],
            language=article.language if code == UNDETERMINED_LANGUAGE else code,
        )
        for item, code in zip(found, codes, strict=True)
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
        texts, pks = [claim.text for claim in claims], [claim.pk for claim in claims]
        vectors = embedding.embed(texts) if claims else np.zeros((0, 0), dtype=np.float32)
        claims_rescore(claims=claims, vectors=vectors)
        embedding.store(Claim, pks, vectors)
        # Both: MiniLM ranks English fact-checks best and groups the desk's
        # claims; e5 finds fact-checks across languages.
        vectors_ml = multilingual.embed(texts, kind="query") if claims else vectors
        embedding.store(Claim, pks, vectors_ml, column="embedding_ml", name=multilingual.model_name())
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
        suggested = []
        candidates = reference_candidates(
            text=claim.text,
            vector=claim.embedding,
            vector_ml=claim.embedding_ml if claim.embedding_ml_model == multilingual.model_name() else None,
            language=claim.language,
            top_k=top_k,
            claim_date=article.published,
        )
        for found in candidates:
            comparisons, summary = numbers_compare(claim_slots=claim.slots, reference_slots=found.reference.slots)
            suggested.append(
                Match(
                    claim=claim,
                    reference=found.reference,
                    score=found.cosine,
                    # Grouping's floors are on the texts' score, without the date prior.
                    fused=found.text_score,
                    scorer=found.scorer,
                    comparisons=comparisons,
                    numbers=summary,
                )
            )
        # The claim's rank-1 match is the newsroom's own verdict when one matches.
        ordered = own_verdicts_first(
            suggested,
            own=lambda match: match.reference.verdict_id is not None,
            tier=lambda match: match_tier_of(score=match.score, numbers=match.numbers, scorer=match.scorer),
        )
        for rank, match in enumerate(ordered, start=1):
            match.rank = rank
        new_matches += ordered
    with transaction.atomic():
        # Re-matching replaces the suggestions but keeps a reviewer's decisions.
        Match.objects.filter(claim__in=claims, decision=Match.Decision.PENDING).delete()
        Match.objects.bulk_create(new_matches, ignore_conflicts=True)
        Claim.objects.filter(pk__in=[c.pk for c in claims], status=Claim.Status.EXTRACTED).update(
            status=Claim.Status.MATCHED
        )
        claims_group(claims=claims)
        if article.advance(from_status=Article.Status.MATCHING, to_status=Article.Status.DONE):
            webhooks_notify(event=WebhookSubscription.Event.ARTICLE_DONE, data=article_event(article=article))
    return len(new_matches)
