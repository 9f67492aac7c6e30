"""Embedding throughput through the real Celery path against the model's own.

Articles of EMBEDDING_BATCH_SIZE claims each (CheckThat! debate sentences)
wait at the embedding stage; one worker on the `embedding` queue embeds and
stores them (claims read, one encode and one bulk update per task for its
article and the others waiting, up to EMBED_BATCH_MAX claims, the articles
advanced and their matching queued; the tasks of articles already taken return
at once). Its claims/s, timed from the first task
sent to the last article stored, is compared with the encoder alone on the
same texts at the same batch size (measured before and after, averaged), and
with sentence-transformers' torch model, the reference backend.

    python -m bench.embed_pipeline [--claims 1536] [--out FILE]
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from bench import common


def make_articles(texts: list[str], per_article: int, tag: str) -> list[int]:
    from claims.models import Article, Claim

    groups = [texts[i : i + per_article] for i in range(0, len(texts), per_article)]
    articles = Article.objects.bulk_create(
        [
            Article(
                title=f"bench {tag}",
                text=" ".join(group),
                content_hash=uuid.uuid4().hex,
                status=Article.Status.EMBEDDING,
            )
            for group in groups
        ]
    )
    claims = []
    for article, group in zip(articles, groups, strict=True):
        offset = 0
        for text in group:
            claims.append(Claim(article=article, text=text, start=offset, end=offset + len(text), slots={}))
            offset += len(text) + 1
    Claim.objects.bulk_create(claims)
    return [article.pk for article in articles]


def wait_embedded(pks: list[int], *, timeout: float) -> float:
    """The time (epoch seconds) the last of the articles left the embedding stage."""
    from django.db.models import Max

    from claims.models import Article
    from tests import processes

    rows = Article.objects.filter(pk__in=pks)
    processes.wait_for(
        lambda: not rows.filter(status=Article.Status.EMBEDDING).exists(),
        timeout=timeout,
        what="the embedding worker",
        interval=0.1,
    )
    failed = rows.filter(status=Article.Status.FAILED).values_list("error", flat=True).first()
    if failed:
        raise RuntimeError(f"embedding failed: {failed}")
    return rows.aggregate(last=Max("updated"))["last"].timestamp()


def raw_rate(encode, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    encode(texts, batch_size=batch_size)
    return len(texts) / (time.perf_counter() - started)


def run(count: int, logs: Path, per_article: int | None = None) -> dict:
    from django.conf import settings

    from claims import tasks
    from claims.engine import embedding
    from claims.models import Article
    from tests import processes

    batch_size = settings.EMBEDDING_BATCH_SIZE
    per_article = per_article or batch_size
    texts = common.debate_sentences(limit=count)
    encoder = embedding.encoder()
    encoder.encode(texts[:batch_size], batch_size=batch_size)
    before = raw_rate(encoder.encode, texts, batch_size)

    Article.objects.filter(title__startswith="bench ").delete()
    env = common.service_env(LOG_LEVEL="WARNING")
    try:
        with processes.celery_worker(env, logs / "embed-worker.log", queues="embedding", name="bench-embed"):
            warm = make_articles(texts[:batch_size], batch_size, "warm-up")
            for pk in warm:
                tasks.article_embed.delay(pk)
            wait_embedded(warm, timeout=180)
            pks = make_articles(texts, per_article, "embedding")
            started = time.time()
            for pk in pks:
                tasks.article_embed.delay(pk)
            finished = wait_embedded(pks, timeout=600)
        pipeline = len(texts) / (finished - started)
    finally:
        Article.objects.filter(title__startswith="bench ").delete()
        common.flush_broker()

    after = raw_rate(encoder.encode, texts, batch_size)
    raw = (before + after) / 2
    torch_model = embedding.encoder("torch")
    torch_model.encode(texts[:batch_size], batch_size=batch_size)
    torch_rate = raw_rate(torch_model.encode, texts, batch_size)
    return {
        "backend": embedding.backend_name(),
        "claims": len(texts),
        "batch_size": batch_size,
        "claims_per_article": per_article,
        "embed_batch_max": settings.EMBED_BATCH_MAX,
        "pipeline_claims_per_s": round(pipeline, 1),
        "raw_backend_claims_per_s": round(raw, 1),
        "raw_backend_before_after": [round(before, 1), round(after, 1)],
        "raw_torch_claims_per_s": round(torch_rate, 1),
        "pipeline_vs_raw_backend": round(pipeline / raw, 3),
        "pipeline_vs_raw_torch": round(pipeline / torch_rate, 3),
    }


def main() -> None:
    parser = common.part_parser(__doc__)
    parser.add_argument("--claims", type=int, default=1536)
    parser.add_argument("--per-article", type=int, help="Claims per article (default: the batch size).")
    args = parser.parse_args()
    common.part_start(args)
    common.write_part(args.out, run(args.claims, args.logs, args.per_article))


if __name__ == "__main__":
    main()
