import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings
from tqdm import tqdm

from claims import services
from claims.engine import evaluation, retrieval
from claims.services import importers


class Command(BaseCommand):
    help = (
        "Import a reference corpus into a throwaway database, run every query through the same code path "
        "as POST /api/match, and print MAP@1/3/5, MRR, Recall@1/5/10, queries/s and latency."
    )

    def add_arguments(self, parser):
        parser.add_argument("--corpus", type=Path, required=True, help="CheckThat vclaims JSONL (or --format).")
        parser.add_argument("--format", dest="fmt", choices=importers.FORMATS, default="jsonl")
        parser.add_argument("--queries", type=Path, required=True, help="TSV: id<TAB>text.")
        parser.add_argument("--qrels", type=Path, required=True, help="TREC qrels.")
        parser.add_argument("--top-k", type=int, default=10)
        parser.add_argument(
            "--mode",
            choices=[*retrieval.MODES, "all"],
            default="hybrid",
            help=(
                "Retrieval stage to measure ('hybrid': dense + BM25 fused, the default; 'hybrid-e5': e5's list "
                "fused too; 'rerank': the hybrid list re-ranked by the learned model); 'all' measures each on one "
                "imported corpus, the fused ones with and without the date prior (MATCH_DATE_WEIGHT)."
            ),
        )
        parser.add_argument("--limit", type=int, help="Only the first N queries.")
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print the figures as one JSON object.")
        parser.add_argument(
            "--number-checks",
            type=int,
            default=0,
            metavar="N",
            help="Also print the number/date checks of N queries that have numbers against their relevant reference.",
        )
        parser.add_argument("--keep-db", action="store_true", help="Reuse the evaluation database between runs.")
        parser.add_argument(
            "--database-name",
            default="factcheck_eval",
            help="Name of the throwaway database; give concurrent runs different names, or they drop each other's.",
        )

    def handle(
        self,
        *args,
        corpus,
        fmt,
        queries,
        qrels,
        top_k,
        mode,
        limit,
        as_json: bool,
        keep_db: bool,
        number_checks: int,
        database_name: str,
        **options,
    ):
        for path in (corpus, queries, qrels):
            if not path.exists():
                raise CommandError(f"No such file: {path}")
        query_texts = evaluation.read_queries(queries)
        judgements = evaluation.read_qrels(qrels)
        ids = [q for q in query_texts if q in judgements][:limit]

        # The evaluation never touches the configured database: Django's test
        # database machinery creates, migrates and drops a separate one.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = database_name
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep_db)
        try:
            figures = self.evaluate(corpus, fmt, query_texts, judgements, ids, top_k, mode)
            if number_checks:
                figures["number_checks"] = self.number_checks(query_texts, judgements, ids, number_checks)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep_db)

        if as_json:
            self.stdout.write(json.dumps(figures, indent=2))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:>22}  {value}")

    def evaluate(self, corpus, fmt, query_texts, judgements, ids, top_k, mode) -> dict:
        started = time.perf_counter()
        rows = importers.read(corpus.read_bytes(), fmt=fmt)
        report = services.references_import(rows=tqdm(rows, desc="import", unit=" refs", disable=None))
        imported_at = time.perf_counter()
        services.references_embed()
        embedded_at = time.perf_counter()

        services.claim_match(text="warm-up", top_k=top_k)  # loads the models outside the timings
        corpus_figures = {
            "references": report.imported + report.updated + report.unchanged,
            "rejected": len(report.rejected),
            "import_seconds": round(imported_at - started, 1),
            "embed_seconds": round(embedded_at - imported_at, 1),
        }
        if mode != "all":
            return {**self.run_queries(query_texts, judgements, ids, top_k, mode), **corpus_figures}
        stages = {}
        for each in retrieval.MODES:
            if each in retrieval.FUSED:
                # The same fusion without the date prior, so that its gain shows.
                with override_settings(MATCH_DATE_WEIGHT=0.0):
                    stages[f"{each} without date prior"] = self.run_queries(query_texts, judgements, ids, top_k, each)
            stages[each] = self.run_queries(query_texts, judgements, ids, top_k, each)
        return {"stages": stages, **corpus_figures}

    def run_queries(self, query_texts, judgements, ids, top_k, mode) -> dict:
        rankings, latencies = {}, []
        for qid in tqdm(ids, desc=mode, disable=None):
            t0 = time.perf_counter()
            results = services.claim_match(text=query_texts[qid], top_k=top_k, mode=mode)
            latencies.append(time.perf_counter() - t0)
            rankings[qid] = [r.reference.external_id for r in results]
        total = sum(latencies)
        return {
            "mode": mode,
            **evaluation.scores(rankings, judgements),
            "queries_per_second": round(len(ids) / total, 2) if total else 0.0,
            "latency_p50_ms": round(evaluation.percentile(latencies, 50) * 1000, 1),
            "latency_p99_ms": round(evaluation.percentile(latencies, 99) * 1000, 1),
        }

    def number_checks(self, query_texts, judgements, ids, wanted: int) -> list[dict]:
        """The comparisons between queries with numbers and their relevant
        references, for reading by hand."""
        from claims import extraction
        from claims.models import Reference

        checks = []
        for qid in ids:
            body, posted = retrieval.split_signature(query_texts[qid])
            if not any(ch.isdigit() for ch in retrieval.clean_query(body)):
                continue
            slots = services.slots_of(body, extraction.extract(body, published=posted))
            for reference in Reference.objects.filter(external_id__in=judgements[qid]):
                comparisons, summary = services.numbers_compare(claim_slots=slots, reference_slots=reference.slots)
                if comparisons:
                    checks.append(
                        {
                            "query": qid,
                            "text": body,
                            "reference": reference.text,
                            "numbers": summary,
                            "comparisons": comparisons,
                        }
                    )
            if len(checks) >= wanted:
                break
        return checks
