import pytest

from claims.engine import evaluation


def test_it_scores_a_relevant_first_hit_as_perfect():
    figures = evaluation.scores({"q": ["a", "b", "c"]}, {"q": {"a"}})
    assert figures["map@1"] == figures["map@5"] == figures["mrr"] == figures["recall@1"] == 1.0


def test_it_discounts_a_hit_at_rank_three():
    figures = evaluation.scores({"q": ["x", "y", "a"]}, {"q": {"a"}})
    assert figures["map@1"] == 0.0
    assert figures["map@3"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["mrr"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["recall@1"] == 0.0
    assert figures["recall@5"] == 1.0


def test_it_divides_by_the_number_of_relevant_documents():
    assert evaluation.average_precision_at(["a", "x", "b"], {"a", "b"}, 5) == pytest.approx((1 + 2 / 3) / 2)


def test_it_ignores_queries_without_judgements():
    assert evaluation.scores({"q": ["a"], "unjudged": ["b"]}, {"q": {"a"}})["queries"] == 1


def test_it_reads_quoted_tab_separated_queries(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text('iclaim_id\ticlaim\nt-1\t"He said ""no"" twice"\nt-2\tplain\n', encoding="utf-8")
    assert evaluation.read_queries(path) == {"t-1": 'He said "no" twice', "t-2": "plain"}


def test_it_reads_trec_qrels(tmp_path):
    path = tmp_path / "qrels"
    path.write_text("t-1 0 v-1 1\nt-1\t0\tv-2\t1\nt-2 0 v-3 0\n")
    assert evaluation.read_qrels(path) == {"t-1": {"v-1", "v-2"}}
