"""The project's Celery app with embedding slowed down, for a test that kills
a worker in the middle of a batch: without it the batch takes about a second
and the kill would race the work. Only `celery -A tests.slow_worker` loads it."""

from __future__ import annotations

import os
import time

from claims.engine import embedding
from factcheck.celery import app

__all__ = ["app"]

_embed = embedding.embed


def _slow_embed(texts, **kwargs):
    time.sleep(float(os.environ.get("SLOW_EMBED_SECONDS", "60")))
    return _embed(texts, **kwargs)


# services calls embedding.embed at call time, so the forked pool children see this.
embedding.embed = _slow_embed
