"""Does multilingual-e5 help English matching as a third fused list?

The English search fuses two lists (MiniLM cosine, BM25). e5 vectors exist for
every fact-check already (cross-language matching needs them), so a third list
costs one e5 query embedding and one HNSW scan per match. This study collects
the three lists of every CheckThat! 2022 2A query once, through the project's
own retrieval functions on an imported corpus, then tunes the fusion offline
on train+dev; dev-test is scored only with `--dev-test`, once per idea.

    python -m bench.fusion_study collect --data ../shared/data/checkthat2022-2a-en --out .var/study/lists.json
    python -m bench.fusion_study tune --lists .var/study/lists.json [--dev-test]

It also measures the date prior (claims.engine.retrieval.date_prior) on both
fusions, split by how far each claim lies from its fact-check in time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import statistics
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SPLITS = {
    "train": ("CT2022-Task2A-EN-Train-Dev_Queries.tsv", "CT2022-Task2A-EN-Train_QRELs.tsv"),
    "dev": ("CT2022-Task2A-EN-Train-Dev_Queries.tsv", "CT2022-Task2A-EN-Dev_QRELs.tsv"),
    "dev-test": ("CT2022-Task2A-EN-Dev-Test_Queries.tsv", "CT2022-Task2A-EN-Dev-Test_QRELs.tsv"),
}


def collect(data: Path, out: Path, database_name: str, depth: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from pgvector.django import CosineDistance

    from claims import services
    from claims.engine import crosslingual, embedding, evaluation, language, multilingual, retrieval
    from claims.models import Reference
    from claims.services import importers

    connection.settings_dict.setdefault("TEST", {})["NAME"] = database_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    if not Reference.objects.exists():
        rows = importers.read((data / "vclaims.jsonl").read_bytes(), fmt="jsonl")
        services.references_import(rows=rows)
    services.references_embed()
    external = dict(Reference.objects.values_list("pk", "external_id"))
    by_external = {e: pk for pk, e in external.items()}
    dates = dict(Reference.objects.filter(published__isnull=False).values_list("pk", "published"))

    result = {}
    for split, (queries_file, qrels_file) in SPLITS.items():
        texts = evaluation.read_queries(data / queries_file)
        qrels = evaluation.read_qrels(data / qrels_file)
        ids = [q for q in texts if q in qrels]
        bodies = [retrieval.split_signature(texts[q])[0] for q in ids]
        searched = [retrieval.clean_query(body) or texts[q] for q, body in zip(ids, bodies, strict=True)]
        vectors = embedding.embed(searched)
        vectors_ml = multilingual.embed(searched, kind="query")
        rows = []
        for q, body, vector, vector_ml in zip(ids, bodies, vectors, vectors_ml, strict=True):
            posted = retrieval.split_signature(texts[q])[1]
            lists = retrieval.candidate_lists(text=retrieval.clean_query(texts[q]), vector=vector, depth=depth)
            e5 = {
                pk: cosine for pk, (cosine, _) in crosslingual.multilingual_ids(vector=vector_ml, depth=depth).items()
            }
            union = lists.dense.keys() | lists.lexical.keys() | e5.keys()
            # Every candidate's cosine under both models, for fusions that
            # fill a list's gaps with the real value instead of its floor.
            full = (
                Reference.objects.filter(pk__in=union)
                .annotate(d=CosineDistance("embedding", vector), e=CosineDistance("embedding_ml", vector_ml))
                .values_list("pk", "d", "e")
            )
            rows.append(
                {
                    "id": q,
                    "language": language.detect(body),
                    "relevant": sorted(qrels[q]),
                    "dense": {external[pk]: v for pk, v in lists.dense.items()},
                    "lexical": {external[pk]: v for pk, v in lists.lexical.items()},
                    "e5": {external[pk]: v for pk, v in e5.items()},
                    "cos_minilm": {external[pk]: 1 - d for pk, d, _ in full},
                    "cos_e5": {external[pk]: 1 - e for pk, _, e in full},
                    "date": posted.isoformat() if posted else None,
                    "reference_dates": {
                        external[pk]: dates[pk].isoformat()
                        for pk in union | {by_external[e] for e in qrels[q] if e in by_external}
                        if pk in dates
                    },
                }
            )
        result[split] = rows
        print(split, len(rows))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result))


def fused(row: dict, weights: tuple[float, float, float]) -> dict[str, float]:
    """The shipped fusion (claims.engine.retrieval.fuse) of the lists with a weight."""
    from claims.engine import retrieval

    lists = zip(weights, (row["dense"], row["lexical"], row["e5"]), strict=True)
    return retrieval.fuse([(weight, found) for weight, found in lists if weight])


def with_date_prior(scores: dict[str, float], row: dict, weight: float, scale: float) -> dict[str, float]:
    """The shipped date prior (claims.engine.retrieval.date_lift) on top."""
    from claims.engine import retrieval

    if not weight or not row["date"]:
        return scores
    claim_date = dt.date.fromisoformat(row["date"])
    dates = row["reference_dates"]
    return {
        k: v
        + (
            retrieval.date_lift((dt.date.fromisoformat(dates[k]) - claim_date).days, weight=weight, scale=scale)
            if k in dates
            else 0.0
        )
        for k, v in scores.items()
    }


def map5(rows: list[dict], weights, date_weight: float = 0.0, scale: float = 14.0) -> float:
    from claims.engine import evaluation

    total = []
    for row in rows:
        scores = with_date_prior(fused(row, weights), row, date_weight, scale)
        order = sorted(scores, key=lambda k: (-scores[k], k))
        total.append(evaluation.average_precision_at(order, set(row["relevant"]), 5))
    return statistics.fmean(total)


def _average_precisions(rows: list[dict], weights, date_weight: float) -> list[float]:
    from claims.engine import evaluation

    found = []
    for row in rows:
        scores = with_date_prior(fused(row, weights), row, date_weight, 14.0)
        order = sorted(scores, key=lambda k: (-scores[k], k))
        found.append(evaluation.average_precision_at(order, set(row["relevant"]), 5))
    return found


def gains(name: str, rows: list[dict]) -> None:
    """Each lever's MAP@5 gain with a paired bootstrap 95% interval (2,000
    resamples of the queries, seed 0) and how many queries rose and fell."""
    for label, before, after in (
        ("date prior, hybrid", (SHIPPED, 0.0), (SHIPPED, 1.0)),
        ("e5 list, no date prior", (SHIPPED, 0.0), (E5, 0.0)),
        ("e5 list, with date prior", (SHIPPED, 1.0), (E5, 1.0)),
    ):
        pairs = zip(_average_precisions(rows, *before), _average_precisions(rows, *after), strict=True)
        diffs = [b - a for a, b in pairs]
        rng = random.Random(0)
        means = sorted(statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(2000))
        print(
            f"{name:>10} {label:>26} {statistics.fmean(diffs):+.4f} [{means[50]:+.4f}, {means[1949]:+.4f}]"
            f" up {sum(d > 0 for d in diffs)} down {sum(d < 0 for d in diffs)}"
        )


def _distance(row: dict) -> int | None:
    """Days between the claim and its nearest relevant fact-check."""
    if not row["date"]:
        return None
    days = [
        abs((dt.date.fromisoformat(row["reference_dates"][r]) - dt.date.fromisoformat(row["date"])).days)
        for r in row["relevant"]
        if r in row["reference_dates"]
    ]
    return min(days) if days else None


def tune(lists: Path, dev_test: bool) -> None:
    import django

    django.setup()  # the shipped fusion lives beside the models it reads online
    data = json.loads(lists.read_text())
    tuning = data["train"] + data["dev"]
    print("1. fusion weights (MiniLM, BM25, e5), MAP@5, no date prior")
    print(f"{'weights':>20} {'train':>7} {'dev':>7} {'train+dev':>9}")
    grid = [w / 20 for w in range(21)]
    found = {}
    for wd, we in itertools.product(grid, grid):
        if (wl := round(1 - wd - we, 4)) >= 0:
            found[(wd, wl, we)] = map5(tuning, (wd, wl, we))
    best = max(found, key=lambda w: found[w])
    for weights in [SHIPPED, (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), *sorted(found, key=lambda w: -found[w])[:5]]:
        print(
            f"{weights!s:>20} {map5(data['train'], weights):7.4f} {map5(data['dev'], weights):7.4f} {found[weights]:9.4f}"
        )

    print("\n2. date prior (weight / (1 + days apart / scale)) by the claim's distance to its fact-check, train+dev")
    groups = {"<=30 d": [], "31-365 d": [], ">365 d": []}
    for row in tuning:
        if (days := _distance(row)) is not None:
            groups["<=30 d" if days <= 30 else "31-365 d" if days <= 365 else ">365 d"].append(row)
    print(f"{'fusion':>20} {'weight':>6} {'scale':>5} {'all':>7} " + " ".join(f"{g:>9}" for g in groups))
    print(f"{'queries':>20} {'':>6} {'':>5} {len(tuning):>7} " + " ".join(f"{len(v):>9}" for v in groups.values()))
    for weights in (SHIPPED, E5):
        for weight, scale in ((0, 14), (0.5, 14), (1, 7), (1, 14), (1, 30), (2, 14), (3, 14)):
            cells = " ".join(f"{map5(v, weights, weight, scale):9.4f}" for v in groups.values())
            print(f"{weights!s:>20} {weight:>6} {scale:>5} {map5(tuning, weights, weight, scale):7.4f} {cells}")
    print(f"(best fusion weights on train+dev: {best})")
    print("\n3. gains, MAP@5, paired bootstrap 95% interval")
    gains("train+dev", tuning)
    if dev_test:
        rows = data["dev-test"]
        gains("dev-test", rows)
        print("\ndev-test (look once per idea)")
        for weights in (SHIPPED, E5):
            for weight in (0.0, 1.0):
                print(f"{weights!s:>20} date weight {weight}: {map5(rows, weights, weight, 14.0):.4f}")


SHIPPED = (0.5, 0.5, 0.0)
E5 = (0.3, 0.45, 0.25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--data", type=Path, default=Path("../shared/data/checkthat2022-2a-en"))
    c.add_argument("--out", type=Path, default=Path(".var/study/lists.json"))
    c.add_argument("--database-name", default="factcheck_study")
    c.add_argument("--depth", type=int, default=50)
    t = sub.add_parser("tune")
    t.add_argument("--lists", type=Path, default=Path(".var/study/lists.json"))
    t.add_argument("--dev-test", action="store_true")
    args = parser.parse_args()
    if args.command == "collect":
        collect(args.data, args.out, args.database_name, args.depth)
    else:
        tune(args.lists, args.dev_test)


if __name__ == "__main__":
    main()
