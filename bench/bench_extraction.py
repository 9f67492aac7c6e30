"""Claim extraction throughput on the CheckThat! 2020 debate sentences, one core.

    python bench/bench_extraction.py [PATH] [--limit N] [--batch-size B]

PATH is a folder of CheckThat! task 5 .tsv files (default: ../shared/data/
checkthat2020-t5-debates/train beside the repository). Prints a table of
sentences per second after the model has loaded: the extraction path used by
`extract_claims --lines` (sentences that cannot hold a claim are not parsed),
the full analysis that ranks every sentence, and spaCy alone for reference.
"""

from __future__ import annotations

import os

# One core, as the target says: BLAS threads and CPU affinity both pinned before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.extraction import analyse_many, extract_many, load_nlp  # noqa: E402
from claims.extraction.checkworthiness import load_debates  # noqa: E402

DEFAULT_PATH = ROOT.parent / "shared" / "data" / "checkthat2020-t5-debates" / "train"


def _timed(label: str, run, count: int) -> tuple[str, int, float, float]:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return label, count, seconds, count / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--limit", type=int, default=5000, help="Sentences to process (0 = all).")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    if not args.path.exists():
        print(f"No debates at {args.path}", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    texts = [text for debate in load_debates(args.path) for text in debate.texts]
    if args.limit:
        texts = texts[: args.limit]
    started = time.perf_counter()
    nlp = load_nlp()
    # The warm-up reaches every lazily built table (units, currencies) as extraction would.
    extract_many(["Warm-up: 3 sentences of 12 km cost $4 and CHF 5 on Monday, officials said."], published=None)
    load_seconds = time.perf_counter() - started

    rows = [
        _timed(
            "extract_many (lines mode)",
            lambda: extract_many(texts, published=None, batch_size=args.batch_size),
            len(texts),
        ),
        _timed(
            "analyse_many (every sentence)",
            lambda: analyse_many(texts, published=None, batch_size=args.batch_size),
            len(texts),
        ),
        _timed("spaCy nlp.pipe alone", lambda: list(nlp.pipe(texts, batch_size=args.batch_size)), len(texts)),
    ]
    print(f"model load + warm-up: {load_seconds:.1f} s; pipes: {', '.join(nlp.pipe_names)}; one core")
    print(f"{'mode':<32} {'sentences':>9} {'seconds':>8} {'sentences/s':>12}")
    for label, count, seconds, rate in rows:
        print(f"{label:<32} {count:>9} {seconds:>8.1f} {rate:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
