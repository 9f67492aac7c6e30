"""Cross-lingual matching measured through the real path, per language pair.

    python manage.py eval_crosslingual --corpus ../shared/data/checkthat2022-2a-en/vclaims.jsonl \
        --multilingual bench/data/multilingual --json

Where eval_multilingual scores candidate lists and their fusions in memory,
this imports the corpus and the written fact-checks into a throwaway database
(languages identified by the importer), embeds them with both models as the
workers do (timing each pass), and sends every query through
services.claim_match, as POST /api/match does: language identification,
extraction in the query's language, the English search or e5, the fusion of
claims/engine/crosslingual.py. MAP@5 and success@10 per pair, which model
scored each rank-1 result, and the latency of claim_match.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from claims.engine import evaluation
from claims.management.commands import eval_multilingual


class Command(BaseCommand):
    help = "MAP@5 and success@10 per language pair through services.claim_match, and the corpus embedding times."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", type=Path, required=True, help="CheckThat vclaims JSONL.")
        parser.add_argument(
            "--multilingual",
            type=Path,
            help="bench/data/multilingual: its query sets (xx->en, en->xx) and its fact-checks, added to the corpus.",
        )
        parser.add_argument(
            "--set",
            dest="sets",
            action="append",
            default=[],
            metavar="NAME=QUERIES:QRELS[,QRELS]",
            help="Another query set, e.g. devtest=Q.tsv:QRELS.tsv.",
        )
        parser.add_argument("--top-k", type=int, default=10)
        parser.add_argument(
            "--misses", action="store_true", help="Also list, per set, the queries whose fact-check is not first."
        )
        parser.add_argument("--json", dest="as_json", action="store_true")
        parser.add_argument("--keep-db", action="store_true")
        parser.add_argument("--database-name", default="factcheck_eval_crosslingual")

    def handle(self, *args, corpus, multilingual, sets, top_k, as_json, misses, **options):
        query_sets = eval_multilingual.Command().query_sets(multilingual, sets)
        corpora = [corpus, *([multilingual / "factchecks.jsonl"] if multilingual else [])]
        for path in corpora:
            if not path.exists():
                raise CommandError(f"No such file: {path}")
        connection.settings_dict.setdefault("TEST", {})["NAME"] = options["database_name"]
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=options["keep_db"])
        try:
            report = self.evaluate(corpora, query_sets, top_k, misses)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=options["keep_db"])
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"{report['references']} references {json.dumps(report['reference_languages'])}")
        self.stdout.write(f"seconds: {json.dumps(report['seconds'])}")
        for name, figures in report["sets"].items():
            self.stdout.write(
                f"{name:<10} MAP@5 {figures['map@5']:.3f}  success@10 {figures['success@10']:.3f}  "
                f"({figures['queries']} queries; rank-1 scored by {json.dumps(figures['rank1_scorer'])}; "
                f"p50 {figures['latency_p50_ms']} ms)"
            )

    def evaluate(self, corpora, query_sets, top_k, misses: bool = False) -> dict:
        from claims import services
        from claims.models import Reference
        from claims.services import importers

        started = time.perf_counter()
        for path in corpora:
            services.references_import(rows=tqdm(importers.read(path.read_bytes(), fmt="jsonl"), disable=None))
        imported = time.perf_counter()
        services.references_embed(also_multilingual=False)
        english = time.perf_counter()
        services.references_embed_multilingual()
        both = time.perf_counter()
        services.claim_match(text="warm-up")  # the models load outside the timings
        languages = Counter(Reference.objects.values_list("language", flat=True))
        report: dict = {
            "references": sum(languages.values()),
            "reference_languages": dict(languages.most_common()),
            "seconds": {
                "import": round(imported - started, 1),
                "embed_minilm": round(english - imported, 1),
                "embed_e5": round(both - english, 1),
                "embed_both": round(both - imported, 1),
            },
            "sets": {},
        }
        for name, (texts, judged) in query_sets.items():
            rankings: dict[str, list[str]] = {}
            scorers: Counter[str] = Counter()
            latencies: list[float] = []
            for qid, text in tqdm(texts.items(), desc=name, disable=None):
                t0 = time.perf_counter()
                results = services.claim_match(text=text, top_k=top_k)
                latencies.append(time.perf_counter() - t0)
                rankings[qid] = [result.reference.external_id for result in results]
                if results:
                    scorers[results[0].scorer] += 1
            missed = [
                {"query": qid, "relevant": sorted(judged[qid]), "found": rankings[qid][:3]}
                for qid in texts
                if not rankings[qid] or rankings[qid][0] not in judged[qid]
            ]
            report["sets"][name] = {
                **eval_multilingual.metrics(rankings, judged),
                **({"misses": missed} if misses else {}),
                "rank1_scorer": dict(scorers),
                "latency_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "latency_p99_ms": round(evaluation.percentile(latencies, 99) * 1000, 1) if latencies else None,
            }
        return report
