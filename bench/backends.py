"""The embedding backends side by side, in one run: speed (one text, and
batches of EMBEDDING_BATCH_SIZE), cosine to torch, and MAP@5 on the CheckThat!
2022 dev-test split with exact dense search over the corpus as the service
embeds it (claim text and title), so a retrieval change elsewhere cannot move
one backend's figure and not another's.

    python -m bench.backends [--out FILE] [--rounds 3]

Corpus embeddings are cached per backend in .var/bench/ (14k texts, minutes
on a 2-core machine); the speed figures are measured afresh every run.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

from bench import common


def corpus_texts() -> tuple[list[str], list[str]]:
    from claims import services
    from claims.models import Reference
    from claims.services import importers

    ids, texts = [], []
    for _, raw in importers.read(common.CORPUS.read_bytes(), fmt="jsonl"):
        try:
            row = services.reference_row_clean(raw)
        except services.InvalidInput:
            continue
        ids.append(row["external_id"])
        texts.append(Reference(text=row["text"], title=row.get("title", "")).embedding_text)
    return ids, texts


def cached_vectors(backend: str, texts: list[str]):
    import numpy as np
    from tqdm import tqdm

    from claims.engine import embedding

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    folder = common.ROOT / ".var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"corpus-{backend}-{embedding.onnx_dir().name}-{key}.npy"
    if path.exists():
        return np.load(path)
    chunks = []
    step = 512
    for start in tqdm(range(0, len(texts), step), desc=f"corpus {backend}", unit=" x512", file=sys.stderr):
        chunks.append(embedding.embed(texts[start : start + step], backend=backend))
    vectors = np.concatenate(chunks)
    np.save(path, vectors)
    return vectors


def map_at_5(corpus_ids: list[str], corpus, queries, query_ids: list[str], qrels) -> float:
    import numpy as np

    from claims.engine import evaluation

    scores = queries @ corpus.T
    top = np.argsort(-scores, axis=1)[:, :10]
    rankings = {qid: [corpus_ids[i] for i in row] for qid, row in zip(query_ids, top, strict=True)}
    return evaluation.scores(rankings, qrels)["map@5"]


def speed(backend: str, one: list[str], batch: list[str], batch_size: int) -> tuple[float, float]:
    """(p50 ms for one text, texts/s in batches)."""
    from claims.engine import embedding
    from claims.engine.evaluation import percentile

    latencies = []
    for text in one:
        started = time.perf_counter()
        embedding.embed([text], batch_size=1, backend=backend)
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    embedding.embed(batch, batch_size=batch_size, backend=backend)
    return percentile(latencies, 50) * 1000, len(batch) / (time.perf_counter() - started)


def run(rounds: int) -> dict:
    import numpy as np
    from django.conf import settings

    from claims.engine import embedding, evaluation

    backends = list(embedding.BACKENDS)
    query_texts = evaluation.read_queries(common.DEV_TEST_QUERIES)
    qrels = evaluation.read_qrels(common.DEV_TEST_QRELS)
    query_ids = [q for q in query_texts if q in qrels]
    queries = [query_texts[q] for q in query_ids]
    corpus_ids, corpus = corpus_texts()
    batch_size = settings.EMBEDDING_BATCH_SIZE

    for backend in backends:
        embedding.embed(["warm-up"], backend=backend)
    # Rounds interleave the backends so that a noisy neighbour slows them alike.
    one_text, batches = {b: [] for b in backends}, {b: [] for b in backends}
    sample = corpus[: 16 * batch_size]
    for _ in range(rounds):
        for backend in backends:
            p50, rate = speed(backend, queries[:60], sample, batch_size)
            one_text[backend].append(p50)
            batches[backend].append(rate)

    figures: dict = {"batch_size": batch_size, "queries": len(query_ids), "references": len(corpus), "backends": {}}
    vectors = {b: cached_vectors(b, corpus) for b in backends}
    query_vectors = {b: embedding.embed(queries, backend=b) for b in backends}
    torch_map = None
    for backend in backends:
        cosines = np.concatenate(
            [
                (vectors[backend] * vectors["torch"]).sum(axis=1),
                (query_vectors[backend] * query_vectors["torch"]).sum(axis=1),
            ]
        )
        score = map_at_5(corpus_ids, vectors[backend], query_vectors[backend], query_ids, qrels)
        torch_map = score if backend == "torch" else torch_map
        figures["backends"][backend] = {
            "one_text_p50_ms": round(float(np.median(one_text[backend])), 1),
            "batch_texts_per_s": round(float(np.median(batches[backend])), 1),
            "cosine_to_torch_mean": round(float(cosines.mean()), 4),
            "cosine_to_torch_min": round(float(cosines.min()), 4),
            "map@5": score,
            # Queries by this backend against a corpus torch embedded: what a
            # deployment sees right after switching backend without re-embedding.
            "map@5_torch_corpus": map_at_5(corpus_ids, vectors["torch"], query_vectors[backend], query_ids, qrels),
        }
    for backend in backends:
        entry = figures["backends"][backend]
        entry["map@5_vs_torch"] = round(entry["map@5"] - torch_map, 4)
        entry["speedup_batch_vs_torch"] = round(
            entry["batch_texts_per_s"] / figures["backends"]["torch"]["batch_texts_per_s"], 2
        )
        entry["speedup_one_vs_torch"] = round(
            figures["backends"]["torch"]["one_text_p50_ms"] / entry["one_text_p50_ms"], 2
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    common.setup_django()
    common.write_part(args.out, run(args.rounds))


if __name__ == "__main__":
    main()
