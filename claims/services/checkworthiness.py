"""A claim's check-worthiness once its embedding exists.

Extraction scores a claim from its text alone (the extraction library knows
nothing of the embedding model); the embedding stage then has the claim's
vector, and the joint model of claims.engine.checkworthiness scores text and
vector together, better on held-out debates. The score changes between the
two stages, which no reader sees: a claim reaches the review queue and its
group only after matching, which comes after embedding.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from django.db import connection

from claims.engine import embedding
from claims.models import Claim

logger = logging.getLogger(__name__)


def claims_rescore(*, claims: Sequence[Claim], vectors: np.ndarray) -> int:
    """Set each claim's checkworthiness from its text and its vector (row i of `vectors` is the
    embedding of claims[i]) in one bulk update. Returns how many claims were updated; none when
    the vectors come from another embedding model than the joint model was trained on."""
    if not claims:
        return 0
    # The model builds on the extraction library, which imports spaCy (and so torch): not in
    # the web process, which imports the services for every request path.
    from claims.engine import checkworthiness

    model = checkworthiness.shipped_joint()
    if embedding.model_name() != model.embedding_model:
        logger.warning(
            "check-worthiness keeps the text-only score: claims are embedded by %s, the joint model knows %s",
            embedding.model_name(),
            model.embedding_model,
        )
        return 0
    values = model.scores([c.text for c in claims], vectors)
    for claim, value in zip(claims, values, strict=True):
        claim.checkworthiness = value
    # One UPDATE from two arrays: 128 claims in about 3 ms, where bulk_update's CASE over
    # every primary key took 14 ms (measured in the task's transaction setting, see issue 16).
    table, key = (connection.ops.quote_name(name) for name in (Claim._meta.db_table, Claim._meta.pk.column or "id"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS claim SET checkworthiness = fresh.score "
            f"FROM unnest(%s::bigint[], %s::double precision[]) AS fresh(pk, score) WHERE claim.{key} = fresh.pk",
            [[c.pk for c in claims], values],
        )
        return cursor.rowcount
