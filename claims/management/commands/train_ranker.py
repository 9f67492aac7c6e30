import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from claims import services
from claims.engine import embedding, evaluation, rerank, retrieval
from claims.services import importers


class Command(BaseCommand):
    help = (
        "Build the re-ranking model (claims/engine/rerank.py) from a reference corpus and judged queries: "
        "import the corpus into a throwaway database, compute each query's candidate features exactly as "
        "the search does, optionally report grouped cross-validation, and write a LightGBM model file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--corpus", type=Path, required=True, help="CheckThat vclaims JSONL (or --format).")
        parser.add_argument("--format", dest="fmt", choices=importers.FORMATS, default="jsonl")
        parser.add_argument(
            "--split",
            nargs=2,
            action="append",
            type=Path,
            required=True,
            metavar=("QUERIES", "QRELS"),
            help="A TSV of queries and its TREC qrels; repeat for more (ids may repeat between splits).",
        )
        parser.add_argument("--out", type=Path, default=None, help="Model file (default: MATCH_RERANK_MODEL).")
        parser.add_argument("--cv", type=int, default=0, metavar="FOLDS", help="Report grouped K-fold figures.")
        parser.add_argument("--seeds", type=int, default=3, help="Fold shuffles averaged by --cv.")
        parser.add_argument("--rounds", type=int, default=rerank.ROUNDS)
        parser.add_argument("--no-save", action="store_true", help="Only report --cv figures.")
        parser.add_argument("--keep-db", action="store_true", help="Reuse the database between runs.")
        parser.add_argument("--database-name", default="factcheck_train_ranker")

    def handle(self, *args, corpus, fmt, split, out, cv, seeds, rounds, no_save, keep_db, database_name, **options):
        for path in (corpus, *(p for pair in split for p in pair)):
            if not path.exists():
                raise CommandError(f"No such file: {path}")
        connection.settings_dict.setdefault("TEST", {})["NAME"] = database_name
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep_db)
        try:
            started = time.perf_counter()
            rows = importers.read(corpus.read_bytes(), fmt=fmt)
            services.references_import(rows=tqdm(rows, desc="import", unit=" refs", disable=None))
            services.references_embed()
            self.stderr.write(f"corpus ready in {time.perf_counter() - started:.0f}s")
            queries = self.collect(split)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep_db)

        figures: dict[str, object] = {"queries": len(queries)}
        if cv:
            figures.update(self.cross_validate(queries, folds=cv, seeds=seeds, rounds=rounds))
        if not no_save:
            target = out or Path(settings.MATCH_RERANK_MODEL)
            target.parent.mkdir(parents=True, exist_ok=True)
            booster = rerank.train(((q["features"], q["labels"]) for q in queries), rounds=rounds)
            booster.save_model(str(target))
            figures.update({"model": str(target), "model_bytes": target.stat().st_size})
        self.stdout.write(json.dumps(figures, indent=2))

    def collect(self, split) -> list[dict]:
        """Each judged query's pool: its features and which candidates are relevant."""
        import numpy as np

        queries = []
        for queries_path, qrels_path in split:
            texts, judged = evaluation.read_queries(queries_path), evaluation.read_qrels(qrels_path)
            for qid in tqdm([q for q in texts if q in judged], desc=queries_path.name, disable=None):
                text = texts[qid]
                body, _ = retrieval.split_signature(text)
                # The same vector services.claim_match searches with.
                vector = embedding.embed_one(retrieval.clean_query(body) or text)
                rows, matrix, pool = retrieval.rerank_features(text=text, vector=vector)
                ids = [pool[row.pk].external_id for row in rows]
                queries.append(
                    {
                        "relevant": judged[qid],
                        "ids": ids,
                        "features": matrix,
                        "labels": np.array([doc in judged[qid] for doc in ids], dtype=int),
                    }
                )
        return queries

    def cross_validate(self, queries: list[dict], *, folds: int, seeds: int, rounds: int) -> dict:
        """Mean figures over `seeds` shuffles of grouped folds, for the fused order and the ranker."""
        import statistics

        qrels = {str(i): q["relevant"] for i, q in enumerate(queries)}
        fused = {str(i): q["ids"][:10] for i, q in enumerate(queries)}
        runs = []
        for seed in range(seeds):
            fold = evaluation.grouped_folds([q["relevant"] for q in queries], folds=folds, seed=seed)
            ranked = {}
            for k in range(folds):
                train = [q for q, f in zip(queries, fold, strict=True) if f != k]
                booster = rerank.train(((q["features"], q["labels"]) for q in train), rounds=rounds)
                for i, (q, f) in enumerate(zip(queries, fold, strict=True)):
                    if f == k and q["ids"]:
                        scores = rerank.score(booster, q["features"])
                        order = sorted(range(len(q["ids"])), key=lambda j: (-scores[j], j))
                        ranked[str(i)] = [q["ids"][j] for j in order][:10]
                    elif f == k:
                        ranked[str(i)] = []
            runs.append(evaluation.scores(ranked, qrels))
        names = ("map@1", "map@5", "mrr", "recall@10")
        return {
            "fusion": {name: evaluation.scores(fused, qrels)[name] for name in names},
            f"ranker_cv{folds}x{seeds}": {name: round(statistics.fmean(r[name] for r in runs), 4) for name in names},
            "ranker_cv_map@5_per_seed": [r["map@5"] for r in runs],
        }
