"""The embedding backends: ONNX Runtime (fp32 and int8) against the torch
model they are exported from, one load per process, timing for Server-Timing."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from claims.engine import embedding

SENTENCES = [
    "The State Duma voted 397 to 0 to ratify the treaty with North Korea.",
    "About 12,000 North Korean troops have been sent to Russia, Seoul says.",
    "Unemployment fell to 3.5 percent in October, the lowest in fifty years.",
    "Penguins cannot fly, but they swim faster than most fish.",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return embedding.embed(SENTENCES, backend="torch")


@pytest.mark.parametrize(("backend", "least"), [("onnx", 0.9999), ("onnx-int8", 0.99)])
def test_it_embeds_like_the_torch_model(backend: str, least: float, torch_vectors: np.ndarray):
    vectors = embedding.embed(SENTENCES, backend=backend)
    assert vectors.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * torch_vectors).sum(axis=1).min() >= least


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_it_gives_the_same_vector_alone_and_in_a_padded_batch(backend: str):
    batch = embedding.embed([*SENTENCES, "Hi"], batch_size=8, backend=backend)
    alone = np.stack([embedding.embed([text], batch_size=1, backend=backend)[0] for text in SENTENCES])
    assert (batch[: len(SENTENCES)] * alone).sum(axis=1).min() >= 0.9999


def test_it_keeps_the_order_of_texts_of_different_lengths():
    texts = ["short", SENTENCES[0] * 3, SENTENCES[1]]
    together = embedding.embed(texts, batch_size=2)
    for text, vector in zip(texts, together, strict=True):
        assert float(vector @ embedding.embed_one(text)) >= 0.9999


def test_it_embeds_on_several_threads_as_on_one(settings):
    path = embedding.model_path()
    texts = [*SENTENCES, "short", SENTENCES[0] * 3, "Hi"]
    encoders = {}
    for parallel in (1, 3):
        settings.EMBEDDING_PARALLEL = parallel
        encoders[parallel] = embedding._OnnxEncoder("onnx-int8", path, embedding.onnx_model("onnx-int8", path))
    threads = set()
    run = encoders[3]._run
    encoders[3]._run = lambda encodings, rows: threads.add(threading.current_thread().name) or run(encodings, rows)
    one, several = (encoders[parallel].encode(texts, batch_size=32) for parallel in (1, 3))
    assert len(threads) >= 2  # the pool may hand the last share to a thread already done
    assert (one * several).sum(axis=1).min() >= 0.9999


def test_it_embeds_nothing_into_an_empty_array():
    assert embedding.embed([], backend="onnx").shape == (0, 384)


def test_it_loads_a_backend_once_when_threads_race(monkeypatch):
    built = []
    real = embedding._OnnxEncoder

    class Counting(real):
        def __init__(self, *args, **kwargs) -> None:
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(embedding, "_encoders", {})
    monkeypatch.setattr(embedding, "_OnnxEncoder", Counting)
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(embedding.encoder("onnx"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert all(encoder is found[0] for encoder in found)
    assert embedding.is_loaded("onnx")


def test_it_keeps_both_exports_beside_each_other():
    folder = embedding.onnx_dir()
    assert (folder / "model.onnx").exists()
    assert (folder / "model-int8.onnx").exists()
    # Quantised weights are a quarter of the float ones.
    assert (folder / "model-int8.onnx").stat().st_size < (folder / "model.onnx").stat().st_size / 3


def test_it_refuses_an_unknown_backend(settings):
    settings.EMBEDDING_BACKEND = "tensorflow"
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_BACKEND"):
        embedding.embed(["anything"])


def test_it_counts_the_time_spent_embedding():
    with embedding.time_spent() as spent:
        embedding.embed_one("The Duma voted 397 to 0.")
    assert spent[0] > 0
    with embedding.time_spent() as nothing:
        pass
    assert nothing == [0.0]


def test_it_tells_the_client_how_long_embedding_took(reviewer_api, demo_references):
    response = reviewer_api.post("/api/match", {"text": "The Duma voted 397 to 0"}, format="json")
    assert response.status_code == 200
    timing = dict(part.strip().split(";dur=") for part in response["Server-Timing"].split(","))
    assert 0 < float(timing["embed"]) <= float(timing["app"])


def _rows(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.django_db(transaction=True)
def test_it_stores_each_models_vectors_exactly_in_one_transaction_or_none():
    from django.db import transaction

    from claims.models import Article, Claim, Reference

    article = Article.objects.create(text="a b c", content_hash="store")
    claims = [Claim.objects.create(article=article, text=t, start=i, end=i + 1) for i, t in enumerate("abc")]
    references = [
        Reference.objects.create(pk=c.pk, text=f"reference {c.pk}", external_id=f"store-{c.pk}") for c in claims
    ]
    claim_vectors, reference_vectors = _rows(3, seed=1), _rows(3, seed=2)
    with transaction.atomic():
        # A reference and a claim may share a primary key; neither may take the other's vector.
        assert embedding.store(Claim, [c.pk for c in claims], claim_vectors) == 3
        assert embedding.store(Reference, [r.pk for r in references], reference_vectors) == 3
    # Outside a transaction (autocommit) too.
    assert embedding.store(Claim, [claims[0].pk], reference_vectors[:1]) == 1

    stored = {c.pk: np.asarray(c.embedding, dtype=np.float32) for c in Claim.objects.all()}
    assert np.array_equal(stored[claims[0].pk], reference_vectors[0])
    assert np.array_equal(np.stack([stored[c.pk] for c in claims[1:]]), claim_vectors[1:])
    found = {r.pk: np.asarray(r.embedding, dtype=np.float32) for r in Reference.objects.all()}
    assert np.array_equal(np.stack([found[r.pk] for r in references]), reference_vectors)
    assert set(Claim.objects.values_list("embedding_model", flat=True)) == {embedding.model_name()}


def test_it_exports_once_when_processes_start_together(tmp_path, settings, monkeypatch):
    settings.EMBEDDING_CACHE_DIR = tmp_path
    exports = []

    def slow_export(path, target) -> None:
        exports.append(target)
        time.sleep(0.3)  # long enough for the others to reach the lock
        target.mkdir(parents=True)
        for name in embedding.ONNX_FILES.values():
            (target / name).write_bytes(b"onnx")

    monkeypatch.setattr(embedding, "onnx_export", slow_export)
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(embedding.onnx_model("onnx-int8"))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(exports) == 1
    assert found == [embedding.onnx_dir() / "model-int8.onnx"] * 3
