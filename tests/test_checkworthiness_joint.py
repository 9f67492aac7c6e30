"""The joint check-worthiness model (hashed n-grams + the claim's MiniLM vector):
the committed file, its scores, the embedding stage that sets them, the command
that rebuilds it and its evaluation beside the text model. Real model, real
database; the sentences written here are the project's own, the shared
CheckThat! debates are read from ../shared at run time only."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from claims import services
from claims.engine import checkworthiness as joint
from claims.engine import embedding
from claims.extraction import checkworthiness as text_model
from claims.extraction.checkworthiness import OFFSET_QUANTILE, debate_digest, load_debates, load_ranker
from claims.models import Article, Claim
from tests.test_checkworthiness import CHATTER, CHECKABLE, SHARED_DEBATES, run_command, write_debate


@pytest.fixture
def debates_dir(tmp_path) -> Path:
    """The text model tests' four small debates in the project's own words."""
    folder = tmp_path / "debates"
    folder.mkdir()
    for i in range(4):
        write_debate(folder / f"2020010{i + 1}_d{i}.tsv", CHECKABLE[2 * i : 2 * i + 2], CHATTER[i:] + CHATTER[:i])
    return folder


def vectors_of(texts: list[str]) -> np.ndarray:
    return embedding.embed(texts)


# --- The committed file -----------------------------------------------------------------------


def test_it_loads_the_committed_joint_model_once():
    assert joint.shipped_joint() is joint.shipped_joint()
    assert joint.MODEL_PATH.stat().st_size < 500_000
    model = joint.shipped_joint()
    assert model.embedding_coef.shape == (384,)
    assert model.embedding_model == embedding.model_name()


def test_it_keeps_no_words_of_the_training_text_in_the_joint_model_file():
    with zipfile.ZipFile(joint.MODEL_PATH) as archive:
        names = sorted(archive.namelist())
    with np.load(joint.MODEL_PATH, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    assert sorted(f"{name}.npy" for name in arrays) == names
    assert {name for name, array in arrays.items() if array.dtype.kind in "US"} == {"meta", "joint_meta", "trained_on"}
    assert set(json.loads(str(arrays["joint_meta"]))) == {
        "format",
        "embedding_dim",
        "embedding_weight",
        "embedding_model",
    }
    assert all(re.fullmatch(r"[0-9a-f]{64}", str(d)) for d in arrays["trained_on"])
    n_features = json.loads(str(arrays["meta"]))["n_features"]
    numbers = {name: array for name, array in arrays.items() if array.dtype.kind == "f"}
    assert set(numbers) == {"idf0", "idf1", "coef0", "coef1", "embedding_coef"}
    assert all(numbers[n].shape == (n_features,) for n in ("idf0", "idf1", "coef0", "coef1"))
    assert arrays["embedding_coef"].shape == (384,)


def test_it_is_a_text_model_file_too():
    # load_ranker reads the n-gram part; the embedding is what the joint model adds.
    texts = CHECKABLE + CHATTER
    ngrams_only = joint.shipped_joint().decisions(texts, np.zeros((len(texts), 384)))
    assert np.array_equal(load_ranker(joint.MODEL_PATH).decisions(texts), ngrams_only)
    with pytest.raises(ValueError, match="text-only"):
        joint.load_joint(text_model.MODEL_PATH)


# --- Scores -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("checkable", "chatter"), list(zip(CHECKABLE, CHATTER, strict=True)))
def test_it_ranks_a_factual_numeric_claim_above_chatter(checkable, chatter):
    claim, talk = vectors_of([checkable, chatter])
    assert 0.0 <= joint.score(chatter, talk) < joint.score(checkable, claim) <= 1.0


def test_it_scores_a_batch_as_the_vectorizers_do():
    texts = [*CHECKABLE, *CHATTER, "", "Café prices: €5, up 10% (!!)", "Tabs\tand\u00a0odd  spaces"]
    vectors = vectors_of(texts)
    model = joint.shipped_joint()
    single = [model.decision(t, v) for t, v in zip(texts, vectors, strict=True)]
    assert np.allclose(model.decisions(texts, vectors), single, atol=1e-9)
    expected = 1.0 / (1.0 + np.exp(model.text.offset - np.array(single)))
    assert np.allclose(joint.scores(texts, vectors), expected, atol=5e-5)
    assert joint.scores([], np.zeros((0, 384))) == [] and len(model.decisions([], np.zeros((0, 384)))) == 0


def test_it_uses_the_vector():
    model = joint.shipped_joint()
    text = CHECKABLE[0]
    own, other = vectors_of([text, CHATTER[0]])
    assert model.decision(text, own) - model.decision(text, other) == pytest.approx(
        float((own - other) @ model.embedding_coef)
    )
    assert model.score(text, own) != model.score(text, other)


def test_it_refuses_vectors_of_another_size():
    with pytest.raises(ValueError, match="384"):
        joint.scores([CHECKABLE[0]], np.ones((1, 768)))


# --- The embedding stage ----------------------------------------------------------------------


@pytest.mark.django_db
def test_it_rescores_claims_from_text_and_vector():
    texts = [CHECKABLE[1], CHATTER[3]]
    article = Article.objects.create(text=" ".join(texts), content_hash="rescore", status=Article.Status.EMBEDDING)
    claims = [Claim.objects.create(article=article, text=t, start=0, end=len(t), checkworthiness=0.0) for t in texts]
    vectors = vectors_of(texts)
    assert services.claims_rescore(claims=claims, vectors=vectors) == 2
    stored = dict(Claim.objects.values_list("text", "checkworthiness"))
    assert stored == {t: joint.score(t, v) for t, v in zip(texts, vectors, strict=True)}
    assert stored[CHECKABLE[1]] > stored[CHATTER[3]]
    assert services.claims_rescore(claims=[], vectors=np.zeros((0, 384))) == 0


@pytest.mark.django_db
def test_it_keeps_the_text_score_when_another_model_embedded_the_claims(settings):
    settings.EMBEDDING_MODEL_NAME = "another-model"
    article = Article.objects.create(text=CHECKABLE[0], content_hash="other", status=Article.Status.EMBEDDING)
    claim = Claim.objects.create(article=article, text=CHECKABLE[0], start=0, end=10, checkworthiness=0.25)
    assert services.claims_rescore(claims=[claim], vectors=vectors_of([CHECKABLE[0]])) == 0
    claim.refresh_from_db()
    assert claim.checkworthiness == 0.25


@pytest.mark.django_db
def test_it_leaves_embedded_claims_with_the_joint_score(demo_article_text, monkeypatch):
    from factcheck.celery import Task

    monkeypatch.setattr(Task, "delay", lambda task, *args: None)  # the stages run here, one by one
    article = Article.objects.create(text=demo_article_text, content_hash="demo", status=Article.Status.EXTRACTING)
    services.article_extract(article=article)
    extracted = dict(article.claims.values_list("pk", "checkworthiness"))
    texts = dict(article.claims.values_list("pk", "text"))
    assert extracted == {pk: text_model.score(text) for pk, text in texts.items()}

    assert services.article_embed(article=article) == len(texts) > 0
    rescored = {c.pk: (c.checkworthiness, joint.score(c.text, np.array(c.embedding))) for c in article.claims.all()}
    assert all(stored == expected for stored, expected in rescored.values())
    assert any(extracted[pk] != stored for pk, (stored, _) in rescored.items())


def test_it_loads_the_joint_model_when_an_embedding_worker_warms_up():
    from claims.engine import warmup

    joint.shipped_joint.cache_clear()
    warmup.warm(extraction_model=False)
    assert joint.shipped_joint.cache_info().currsize == 1


# --- Training ---------------------------------------------------------------------------------


def test_it_rebuilds_the_joint_model_byte_for_byte(debates_dir, tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    out = run_command("train_checkworthiness", str(debates_dir), "--joint", "--out", str(first))
    run_command("train_checkworthiness", str(debates_dir), "--joint", "--out", str(second))
    assert "4 debates" in out and "8 check-worthy" in out
    assert first.read_bytes() == second.read_bytes()
    model = joint.load_joint(first)
    assert model.trained_on == {debate_digest(d.texts) for d in load_debates(debates_dir)}
    assert (model.embedding_weight, model.embedding_model) == (joint.EMBEDDING_WEIGHT, embedding.model_name())
    claim, talk = vectors_of([CHECKABLE[0], CHATTER[0]])
    assert model.score(CHECKABLE[0], claim) > model.score(CHATTER[0], talk)


def test_it_puts_the_training_sentences_on_the_text_models_scale(debates_dir):
    debates = load_debates(debates_dir)
    vectors = joint.embed_debates(debates)
    model = joint.fit_joint(debates, vectors)
    above = np.concatenate(
        [np.array(model.scores(d.texts, v)) > 0.5 for d, v in zip(debates, vectors, strict=True)]
    ).mean()
    assert above == pytest.approx(1 - OFFSET_QUANTILE, abs=0.03)


@pytest.mark.rebuild
@pytest.mark.skipif(not SHARED_DEBATES.exists(), reason="needs ../shared/data/checkthat2020-t5-debates")
def test_it_rebuilds_the_committed_joint_model_from_the_shared_debates(tmp_path):
    rebuilt = tmp_path / "joint.npz"
    run_command("train_checkworthiness", str(SHARED_DEBATES), "--joint", "--out", str(rebuilt))
    assert rebuilt.read_bytes() == joint.MODEL_PATH.read_bytes()


# --- Evaluation -------------------------------------------------------------------------------


def test_it_cross_validates_the_joint_model_beside_the_text_model(debates_dir):
    report = json.loads(
        run_command("eval_checkworthiness", str(debates_dir), "--json", "--folds", "2", "--grid", "1:1")
    )
    names = {p.stem for p in debates_dir.glob("*.tsv")}
    for part in ("shipped_joint", "joint", "learned", "baseline_tfidf_svm"):
        assert set(report[part]["per_debate"]) == names
        assert 0.0 < report[part]["map_all"] <= 1.0
    assert report["shipped_joint"]["in_sample_debates"] == 0
    assert report["shipped_joint"]["map_all"] > 0.8
    diff = report["joint"]["minus_learned"]
    assert diff["debates"] == 4 and diff["debates_better"] + diff["debates_worse"] <= 4
    learned = {n: d["ap"] for n, d in report["learned"]["per_debate"].items()}
    mine = {n: d["ap"] for n, d in report["joint"]["per_debate"].items()}
    assert diff["mean"] == pytest.approx(np.mean([mine[n] - learned[n] for n in names]), abs=1e-4)
    assert len(report["joint"]["fold_map"]) == len(report["learned"]["fold_map"]) == 2
    assert [(c["c"], c["embedding_weight"]) for c in report["joint_grid"]] == [(1.0, 1.0)]
    assert "embedding" in report["seconds"]


def test_it_leaves_the_joint_model_out_when_asked(debates_dir):
    report = json.loads(run_command("eval_checkworthiness", str(debates_dir), "--json", "--folds", "2", "--text-only"))
    assert "joint" not in report and "shipped_joint" not in report and "embedding" not in report["seconds"]
    text = run_command("eval_checkworthiness", str(debates_dir), "--folds", "2")
    assert "joint model file" in text and "minus text recipe" in text
