"""Accuracy and speed of language identification configurations on the
multilingual evaluation set (bench/data/multilingual) and on CheckThat!'s
English tweets and fact-checks.

    python -m bench.language_id [--shared ../shared/data] [--json]

Each configuration is a lingua detector: restricted to the languages the desk
supports or open to all 75, in high- or low-accuracy mode. Speed is texts per
second one after another on one thread (claims are detected one at a time as
they are extracted), after the models are loaded.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from claims.engine.evaluation import read_queries
from claims.engine.language import clean

HERE = Path(__file__).resolve().parent / "data" / "multilingual"
SUPPORTED = ("en", "es", "fr", "de", "pt", "ar")


def gold_sets(shared: Path) -> dict[str, list[tuple[str, str]]]:
    """name -> [(text, language)]."""
    sets: dict[str, list[tuple[str, str]]] = {"claims": []}
    for lang in SUPPORTED:
        sets["claims"] += [(text, lang) for text in read_queries(HERE / f"queries-{lang}.tsv").values()]
    rows = [json.loads(line) for line in (HERE / "factchecks.jsonl").read_text(encoding="utf-8").splitlines()]
    sets["written fact-checks"] = [(f"{r['vclaim']} {r['title']}", r["language"]) for r in rows]
    ct = shared / "checkthat2022-2a-en"
    tweets = read_queries(ct / "CT2022-Task2A-EN-Train-Dev_Queries.tsv")
    tweets.update({f"t{k}": v for k, v in read_queries(ct / "CT2022-Task2A-EN-Dev-Test_Queries.tsv").items()})
    sets["English tweets"] = [(text, "en") for text in tweets.values()]
    refs = [json.loads(line) for line in (ct / "vclaims.jsonl").read_text(encoding="utf-8").splitlines() if line]
    sets["English fact-checks"] = [(" ".join(filter(None, (r["vclaim"], r.get("title")))), "en") for r in refs]
    return sets


def build(restricted: bool, low: bool):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if restricted:
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*(getattr(IsoCode639_1, c.upper()) for c in SUPPORTED))
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    if low:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def code(language) -> str:
    return language.iso_code_639_1.name.lower() if language is not None else "und"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sets = gold_sets(args.shared)
    report = {}
    for restricted in (True, False):
        for low in (False, True):
            name = f"{'6 languages' if restricted else 'all languages'}, {'low' if low else 'high'} accuracy"
            started = time.perf_counter()
            detector = build(restricted, low)
            loaded = time.perf_counter() - started
            row = {"load_seconds": round(loaded, 2)}
            for set_name, items in sets.items():
                texts = [clean(text) for text, _ in items]
                started = time.perf_counter()
                found = [code(detector.detect_language_of(text)) for text in texts]
                seconds = time.perf_counter() - started
                wrong = Counter(f"{gold}->{got}" for (_, gold), got in zip(items, found, strict=True) if got != gold)
                row[set_name] = {
                    "texts": len(items),
                    "accuracy": round(1 - sum(wrong.values()) / len(items), 4),
                    "per_text_ms": round(seconds / len(items) * 1000, 3),
                    "errors": dict(wrong.most_common(8)),
                }
            report[name] = row
            if not args.json:
                print(name, json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
