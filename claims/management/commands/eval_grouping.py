import json
import random
import time
from itertools import combinations
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from claims import services
from claims.engine import embedding, evaluation, retrieval
from claims.services import importers


class Command(BaseCommand):
    help = (
        "Group queries through the real grouping path (each query an article with one claim, matched and grouped "
        "as a worker would) in a throwaway database, in a shuffled order, and compare the groups with the gold "
        "ones: queries that share a relevant fact-check. Without --corpus the claims alone decide."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=Path, required=True, help="TSV: id<TAB>text.")
        parser.add_argument("--qrels", type=Path, required=True, help="TREC qrels: which fact-check each is about.")
        parser.add_argument("--corpus", type=Path, help="CheckThat vclaims JSONL: matches to it count as evidence.")
        parser.add_argument("--seed", type=int, default=0, help="Order in which the claims arrive.")
        parser.add_argument("--limit", type=int, help="Only the first N judged queries.")
        parser.add_argument("--json", dest="as_json", action="store_true")
        parser.add_argument("--keep-db", action="store_true", help="Keep the database (and the embedded corpus).")
        parser.add_argument("--database-name", default="factcheck_eval_grouping")

    def handle(self, *args, queries, qrels, corpus, seed, limit, as_json, keep_db, database_name, **options):
        for path in (queries, qrels, *([corpus] if corpus else [])):
            if not path.exists():
                raise CommandError(f"No such file: {path}")
        texts = evaluation.read_queries(queries)
        judgements = evaluation.read_qrels(qrels)
        ids = [qid for qid in texts if qid in judgements][:limit]
        random.Random(seed).shuffle(ids)
        gold = evaluation.gold_groups(judgements, ids)

        connection.settings_dict.setdefault("TEST", {})["NAME"] = database_name
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=not keep_db, keepdb=keep_db)
        try:
            figures = self.evaluate(texts, ids, gold, corpus)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep_db)
        figures = {"setting": "with corpus" if corpus else "claims alone", "seed": seed, **figures}
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        for name in ("grouped", "alone", "nearest_cosine_0.70"):
            row = figures[name]
            self.stdout.write(
                f"{name:>20}  P {row['pairwise_precision']:.3f}  R {row['pairwise_recall']:.3f}  "
                f"F1 {row['pairwise_f1']:.3f}  B3 F1 {row['bcubed_f1']:.3f}  "
                f"groups {row['groups']} (gold {row['gold_groups']})"
            )
        for key in ("joined_pairs_numbers_differ", "match_and_group_ms_p50", "claims", "references"):
            self.stdout.write(f"{key:>28}  {figures[key]}")

    def evaluate(self, texts, ids, gold, corpus) -> dict:
        from claims.models import Article, Claim, Match, Reference, content_hash

        references = 0
        if corpus:
            if not Reference.objects.exists():
                services.references_import(rows=importers.read(corpus.read_bytes(), fmt="jsonl"))
            services.references_embed()
            references = Reference.objects.count()
        Article.objects.all().delete()
        bodies = {qid: retrieval.split_signature(texts[qid]) for qid in ids}
        cleaned = {qid: retrieval.clean_query(body) or texts[qid] for qid, (body, _) in bodies.items()}
        from claims import extraction

        found = extraction.extract_many([cleaned[qid] for qid in ids], published=None)
        vectors = embedding.embed([cleaned[qid] for qid in ids])
        claims = {}
        for qid, claims_found, vector in zip(ids, found, vectors, strict=True):
            text = cleaned[qid]
            article = Article.objects.create(
                text=text,
                title=qid,
                published=bodies[qid][1],
                content_hash=content_hash(f"{qid}\n{text}"),
                status=Article.Status.MATCHING,
            )
            claims[qid] = Claim.objects.create(
                article=article,
                text=text,
                start=0,
                end=len(text),
                slots=services.slots_of(text, claims_found),
                embedding=vector,
                embedding_model=embedding.model_name(),
            )
        timings = []
        for qid in tqdm(ids, desc="group", disable=None):
            started = time.perf_counter()
            services.article_match(article=claims[qid].article)
            timings.append(time.perf_counter() - started)
        group_of = dict(Claim.objects.filter(pk__in=[c.pk for c in claims.values()]).values_list("pk", "group_id"))
        assigned = {qid: group_of[claim.pk] for qid, claim in claims.items()}
        slots = {qid: claim.slots for qid, claim in claims.items()}
        differ = sum(
            1
            for a, b in combinations(ids, 2)
            if assigned[a] == assigned[b]
            and services.numbers_compare(claim_slots=slots[a], reference_slots=slots[b])[1] == Match.Numbers.DIFFERS
        )
        return {
            "grouped": evaluation.clustering_scores(assigned, gold),
            "alone": evaluation.clustering_scores({qid: qid for qid in ids}, gold),
            "nearest_cosine_0.70": evaluation.clustering_scores(nearest_baseline(ids, vectors, 0.70), gold),
            "joined_pairs_numbers_differ": differ,
            "match_and_group_ms_p50": round(evaluation.percentile(timings, 50) * 1000, 1),
            "claims": len(ids),
            "references": references,
        }


def nearest_baseline(ids, vectors, threshold: float) -> dict[str, str]:
    """The issue's baseline: each claim joins the group of its nearest earlier
    claim when their cosine passes `threshold`."""
    assigned: dict[str, str] = {}
    cosines = vectors @ vectors.T
    for position, qid in enumerate(ids):
        best = max(range(position), key=lambda j: cosines[position, j], default=None)
        assigned[qid] = assigned[ids[best]] if best is not None and cosines[position, best] >= threshold else qid
    return assigned
