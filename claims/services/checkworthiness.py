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

from claims.engine import checkworthiness, embedding
from claims.models import Claim

logger = logging.getLogger(__name__)


def claims_rescore(*, claims: Sequence[Claim], vectors: np.ndarray) -> int:
    """Set each claim's checkworthiness from its text and its vector (row i of `vectors` is the
    embedding of claims[i]) in one bulk update. Returns how many claims were updated; none when
    the vectors come from another embedding model than the joint model was trained on."""
    if not claims:
        return 0
    model = checkworthiness.shipped_joint()
    if embedding.model_name() != model.embedding_model:
        logger.warning(
            "check-worthiness keeps the text-only score: claims are embedded by %s, the joint model knows %s",
            embedding.model_name(),
            model.embedding_model,
        )
        return 0
    for claim, value in zip(claims, model.scores([c.text for c in claims], vectors), strict=True):
        claim.checkworthiness = value
    return Claim.objects.bulk_update(claims, ["checkworthiness"])
