"""The learned check-worthiness model: the committed file, its scores, the command
that rebuilds it and the evaluation beside the organisers' baseline. The debates
written here are the project's own words; the shared CheckThat! data is read
from ../shared at run time only."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from claims.extraction import analyse_many
from claims.extraction.checkworthiness import (
    MODEL_PATH,
    Hashing,
    debate_digest,
    load_debates,
    load_ranker,
    precision_at,
    score,
    shipped_ranker,
)

SHARED_DEBATES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "checkthat2020-t5-debates" / "train"

CHECKABLE = [
    "The state cut its school budget by 12 percent last year.",
    "Unemployment doubled in three years, to 8 percent of workers.",
    "We spent four billion dollars on the new bridge and it is still closed.",
    "Crime in the city fell 20 percent since the law was passed in 2015.",
    "My opponent voted against the tax cut nine times in the Senate.",
    "The deficit rose to 600 billion dollars under this government.",
    "Two million people lost their insurance after the reform.",
    "Wages grew by only 1 percent while prices went up 5 percent.",
]
CHATTER = [
    "Thank you very much, it is great to be with you tonight.",
    "Good evening and welcome to the debate.",
    "Well, let me say this.",
    "I want to thank everyone who came out here.",
    "Okay, next question please.",
    "We are going to have a wonderful time.",
    "Thank you, Senator.",
    "I think that is a very good point, and I appreciate it.",
]


def write_debate(path: Path, checkable: list[str], chatter: list[str]) -> None:
    lines, speakers = [], ("HOST", "CANDIDATE")
    for n, (text, label) in enumerate(
        [(t, 0) for t in chatter[:2]] + [(t, 1) for t in checkable] + [(t, 0) for t in chatter[2:]], 1
    ):
        lines.append(f"{n}\t{speakers[label]}\t{text}\t{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def debates_dir(tmp_path) -> Path:
    folder = tmp_path / "debates"
    folder.mkdir()
    for i in range(4):
        write_debate(folder / f"2020010{i + 1}_d{i}.tsv", CHECKABLE[2 * i : 2 * i + 2], CHATTER[i:] + CHATTER[:i])
    return folder


def run_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- The committed file -----------------------------------------------------------------------


def test_it_loads_the_committed_model_once():
    assert shipped_ranker() is shipped_ranker()
    assert MODEL_PATH.stat().st_size < 1_000_000


def test_it_keeps_no_words_of_the_training_text_in_the_model_file():
    with zipfile.ZipFile(MODEL_PATH) as archive:
        names = sorted(archive.namelist())
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    assert sorted(f"{name}.npy" for name in arrays) == names
    text_arrays = {name for name, array in arrays.items() if array.dtype.kind in "US"}
    assert text_arrays == {"meta", "trained_on"}
    meta = json.loads(str(arrays["meta"]))
    assert set(meta) == {"format", "n_features", "word_ngrams", "char_ngrams", "intercept", "offset"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", str(d)) for d in arrays["trained_on"])
    # Bucket weights only: one float per hashed bucket, no vocabulary.
    assert all(
        arrays[n].dtype == np.float16 and arrays[n].shape == (meta["n_features"],) for n in arrays if n[-1].isdigit()
    )


@pytest.mark.parametrize(("checkable", "chatter"), list(zip(CHECKABLE, CHATTER, strict=True)))
def test_it_scores_a_checkable_statistic_above_chatter(checkable, chatter):
    assert score(checkable) > score(chatter)
    assert 0.0 <= score(chatter) < score(checkable) <= 1.0


def test_it_orders_a_debate_better_than_chance():
    ranker = shipped_ranker()
    decisions = ranker.decisions(CHATTER + CHECKABLE)
    top = np.argsort(-decisions)[: len(CHECKABLE)]
    assert sum(i >= len(CHATTER) for i in top) >= 6


def test_it_scores_one_sentence_as_the_batch_does():
    ranker = shipped_ranker()
    texts = [
        *CHECKABLE,
        *CHATTER,
        "",
        "   ",
        "Café prices: €5, up 10% (!!)",
        "a",
        "It's 9-0, 9-0!",
        "Tabs\tand\u00a0odd  spaces:\n3\u202f000 ΟΔΟΣ",
    ]
    batch = ranker.decisions(texts)
    single = np.array([ranker.decision(t) for t in texts])
    assert np.allclose(single, batch, atol=1e-9)


def test_it_scores_every_sentence_in_the_pipeline_with_the_model():
    results = analyse_many(["Thank you. The state cut its school budget by 12 percent last year."], published=None)
    thanks, budget = results[0]
    assert (thanks.score, budget.score) == (score("Thank you."), score(CHECKABLE[0]))
    assert budget.claim is not None and budget.claim.checkworthiness == budget.score


# --- Training ---------------------------------------------------------------------------------


def test_it_rebuilds_the_model_byte_for_byte(debates_dir, tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    out = run_command("train_checkworthiness", str(debates_dir), "--out", str(first))
    run_command("train_checkworthiness", str(debates_dir), "--out", str(second))
    assert "4 debates" in out and "8 check-worthy" in out
    assert first.read_bytes() == second.read_bytes()
    ranker = load_ranker(first)
    assert ranker.hashing == Hashing()
    assert ranker.trained_on == {debate_digest(d.texts) for d in load_debates(debates_dir)}
    assert ranker.score(CHECKABLE[0]) > ranker.score(CHATTER[0])


@pytest.mark.rebuild
@pytest.mark.skipif(not SHARED_DEBATES.exists(), reason="needs ../shared/data/checkthat2020-t5-debates")
def test_it_rebuilds_the_committed_model_from_the_shared_debates(tmp_path):
    rebuilt = tmp_path / "model.npz"
    run_command("train_checkworthiness", str(SHARED_DEBATES), "--out", str(rebuilt))
    assert rebuilt.read_bytes() == MODEL_PATH.read_bytes()


def test_it_refuses_debates_with_one_class(tmp_path):
    (tmp_path / "d.tsv").write_text("1\tA\tHello there.\t0\n2\tB\tGood night.\t0\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="both"):
        run_command("train_checkworthiness", str(tmp_path), "--out", str(tmp_path / "m.npz"))


# --- Evaluation -------------------------------------------------------------------------------


def test_it_computes_precision_at_k():
    assert precision_at([0.9, 0.8, 0.1, 0.7], [1, 0, 1, 0], 2) == 0.5
    assert precision_at([0.9, 0.8, 0.1], [0, 0, 1], 10) == 0.1
    assert precision_at([0.5], [0], 0) is None


def test_it_cross_validates_the_model_beside_the_baseline(debates_dir):
    report = json.loads(run_command("eval_checkworthiness", str(debates_dir), "--json", "--folds", "2"))
    assert report["protocol"].startswith("cross-validated: 2-fold")
    for part in ("shipped_weights", "learned", "baseline_tfidf_svm"):
        figures = report[part]
        assert set(figures["per_debate"]) == {p.stem for p in debates_dir.glob("*.tsv")}
        assert {"map_all", "mean_p_at_10", "mean_r_precision"} <= set(figures)
        assert 0.0 < figures["map_all"] <= 1.0
    assert report["shipped_weights"]["in_sample_debates"] == 0
    # Our own chatter and statistics are easy: the shipped model ranks them well.
    assert report["shipped_weights"]["map_all"] > 0.8


def test_it_trains_on_one_folder_and_scores_another(debates_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write_debate(other / "20200201_x.tsv", CHECKABLE[5:7], CHATTER)
    report = json.loads(run_command("eval_checkworthiness", str(other), "--train", str(debates_dir), "--json"))
    assert report["protocol"].startswith("trained on 4 debates")
    assert report["train_overlap_debates"] == 0
    assert set(report["learned"]["per_debate"]) == {"20200201_x"}
    text = run_command("eval_checkworthiness", str(other), "--train", str(debates_dir))
    assert "organisers' TF-IDF + SVM" in text and "shipped model file" in text


@pytest.mark.skipif(not SHARED_DEBATES.exists(), reason="needs ../shared/data/checkthat2020-t5-debates")
def test_it_flags_figures_on_training_debates_as_in_sample(tmp_path):
    one = sorted(SHARED_DEBATES.glob("*.tsv"))[0]
    shutil.copy(one, tmp_path / one.name)  # a copy in tmp for the run, never in the repository
    report = json.loads(run_command("eval_checkworthiness", str(tmp_path), "--json"))
    assert report["shipped_weights"]["in_sample_debates"] == 1
    assert "in-sample" in report["notes"][0]
    assert "learned" not in report
