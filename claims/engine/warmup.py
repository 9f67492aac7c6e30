"""Load the models a process will need as soon as it starts, in the background,
so that its first request or task does not wait seconds for them."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)


def warm(*, embedding_model: bool = True, extraction_model: bool = True) -> None:
    from claims.engine import embedding, language, multilingual

    started = time.perf_counter()
    # Every process identifies languages: the web at ingest and per match
    # request, extraction per claim.
    language.detect("The Duma voted 397 to 0 on 24 October 2024.")
    if extraction_model:
        from claims import extraction

        extraction.extract("The Duma voted 397 to 0 on 24 October 2024.", published=None)
    if embedding_model:
        from claims.engine import checkworthiness

        # The embedding stage rescores what it embeds: spaCy, sklearn and the model file
        # take about 2 s to load on first use.
        checkworthiness.score("warm-up", embedding.embed_one("warm-up"))
        multilingual.embed_one("warm-up", kind="query")
    logger.info("models warm in %.1fs", time.perf_counter() - started)


def _warm_logged(**parts: bool) -> None:
    try:
        warm(**parts)
    except Exception:
        # The first real request loads the models again and reports the error.
        logger.exception("warming the models failed")


def warm_in_background(*, embedding_model: bool = True, extraction_model: bool = True) -> threading.Thread | None:
    """Start warming unless EMBEDDING_WARM_UP is off. A request that comes
    first waits on the model's load lock rather than loading it twice."""
    if not settings.EMBEDDING_WARM_UP or not (embedding_model or extraction_model):
        return None
    thread = threading.Thread(
        target=_warm_logged,
        kwargs={"embedding_model": embedding_model, "extraction_model": extraction_model},
        name="warm-up",
        daemon=True,
    )
    thread.start()
    return thread
