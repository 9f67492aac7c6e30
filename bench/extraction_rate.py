"""Claim extraction throughput: runs bench/bench_extraction.py (the path of
`extract_claims --lines` on the CheckThat! 2020 debate sentences, one core)
and turns its table into figures, with spaCy alone from the same run as the
reference.

    python -m bench.extraction_rate [--limit 3000] [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from bench import common

ROW = re.compile(r"^(?P<mode>\S.*?)\s{2,}(?P<count>\d+)\s+(?P<seconds>[\d.]+)\s+(?P<rate>[\d.]+)\s*$")
LINES_MODE = "extract_many (lines mode)"
SPACY_ALONE = "spaCy nlp.pipe alone"


def run(limit: int) -> dict:
    script = common.ROOT / "bench" / "bench_extraction.py"
    done = subprocess.run(
        [sys.executable, str(script), str(common.DEBATES), "--limit", str(limit)],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_extraction.py failed: {done.stderr[-2000:]}")
    modes = {}
    for line in done.stdout.splitlines():
        match = ROW.match(line)
        if match:
            modes[match["mode"]] = {"sentences": int(match["count"]), "sentences_per_s": float(match["rate"])}
    if LINES_MODE not in modes:
        raise RuntimeError(f"no '{LINES_MODE}' row in bench_extraction.py's output:\n{done.stdout[-2000:]}")
    figures = {"sentences": modes[LINES_MODE]["sentences"], "modes": modes}
    figures["lines_sentences_per_s"] = modes[LINES_MODE]["sentences_per_s"]
    if SPACY_ALONE in modes:
        figures["spacy_alone_sentences_per_s"] = modes[SPACY_ALONE]["sentences_per_s"]
        figures["lines_vs_spacy_alone"] = round(
            modes[LINES_MODE]["sentences_per_s"] / modes[SPACY_ALONE]["sentences_per_s"], 3
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    common.write_part(args.out, run(args.limit))


if __name__ == "__main__":
    main()
