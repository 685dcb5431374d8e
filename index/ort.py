"""ONNX Runtime for the two small encoders a question needs: the query embedding and the reader.

Why this is written here: answering one question from the command line imported
sentence-transformers, torch and transformers (5 of the 6.5 s import floor on 2 cores) only to
run two 12-layer BERT encoders once each. ONNX Runtime (installed with chromadb) runs the same
networks, exported once with `torch.onnx.export`, and the `tokenizers` library makes the same
tokens; sentence-transformers' own ONNX backend and optimum both import torch and transformers
again. The exported graphs take word embeddings as input: the 250k-row word-embedding table is
read, memory-mapped, from the model's own safetensors file, so it is neither stored a second time
nor read whole at start, and the reader and the embedding share the pages of one file.

Exports live under the cache folder (`QA_CACHE_DIR`), keyed by the size and modification time of
the files they came from, and are written atomically, so two processes exporting at once both
end with a whole graph. `QA_RUNTIME=torch` turns all of this off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
import threading
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the exported graphs' inputs or outputs change
INPUTS = ("inputs_embeds", "attention_mask")
_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None}


class RuntimeUnavailable(RuntimeError):
    """ONNX Runtime cannot run this model here (the reason is the message)."""


def wanted() -> bool:
    """True when QA_RUNTIME is `onnx` (the default; `torch` turns it off) and onnxruntime is
    installed."""
    setting = os.environ.get("QA_RUNTIME", "onnx").strip().lower() or "onnx"
    if setting not in ("onnx", "torch"):
        log.warning("QA_RUNTIME=%s is neither onnx nor torch; using onnx", setting)
    return setting != "torch" and find_spec("onnxruntime") is not None


def graph_path(kind: str, sources: Sequence[Path]) -> Path:
    """Where the export of the model made from `sources` lives (it may not exist yet)."""
    from .embedder import cache_dir

    key = hashlib.sha1(json.dumps([FORMAT, kind] + [
        [str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in sources]).encode()).hexdigest()
    return cache_dir() / "onnx" / f"{kind}-{key[:16]}.onnx"


def word_table(path: Path) -> np.ndarray:
    """The word-embedding matrix of a safetensors file, memory-mapped (read-only)."""
    with path.open("rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    name = next((k for k in header if k.endswith("word_embeddings.weight")), None)
    if name is None:
        raise RuntimeUnavailable(f"{path} holds no word embeddings")
    entry = header[name]
    dtype = _DTYPES.get(entry["dtype"])
    if dtype is None:
        raise RuntimeUnavailable(f"{path}: word embeddings in {entry['dtype']}")
    start, _ = entry["data_offsets"]
    return np.memmap(path, dtype=dtype, mode="r", offset=8 + size + start, shape=tuple(entry["shape"]))


def export(model: Any, path: Path, outputs: Sequence[str], hidden: int) -> Path:
    """Export a transformers `model`, called with (inputs_embeds, attention_mask) and answering
    the named `outputs` of its output object, to `path`, atomically."""
    import warnings

    import torch

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> tuple[Any, ...]:
            out = self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
            return tuple(getattr(out, name) for name in outputs)

    model.set_attn_implementation("eager")  # plain matrix products, which the exporter traces
    path.parent.mkdir(parents=True, exist_ok=True)
    dims = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, *outputs)}
    example = (torch.zeros(2, 8, hidden), torch.ones(2, 8, dtype=torch.long))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter announces its deprecation
            torch.onnx.export(Graph().eval(), example, tmp, input_names=list(INPUTS), output_names=list(outputs),
                              dynamic_axes=dims, opset_version=17, dynamo=False)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


class Encoder:
    """One exported graph and its word embeddings: token ids in, the graph's outputs out."""

    def __init__(self, graph: Path, words: np.ndarray, pad_id: int, batch_size: int = 16) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: on 2 cores the spinning took the CPU
        # the rest of a question needs (warm ask p50 over FacQA 0.176 s spinning, 0.137-0.158 s
        # not, against 0.141-0.156 s on torch; alternating runs).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.words, self.pad_id, self.batch_size = words, pad_id, batch_size

    @property
    def hidden(self) -> int:
        return int(self.words.shape[1])

    def run(self, ids: Sequence[Sequence[int]]) -> list[list[np.ndarray]]:
        """For each sequence of token ids, the graph's outputs (float32, padding cut off).
        Sequences of similar length share a batch."""
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out: list[list[np.ndarray]] = [[] for _ in ids]
        for i in range(0, len(order), self.batch_size):
            chunk = order[i : i + self.batch_size]
            width = max(len(ids[j]) for j in chunk)
            tokens = np.full((len(chunk), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, j in enumerate(chunk):
                tokens[row, : len(ids[j])] = ids[j]
                mask[row, : len(ids[j])] = 1
            embeds = np.asarray(self.words[tokens], dtype=np.float32)
            results = self.session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
            for row, j in enumerate(chunk):
                out[j] = [r[row, : len(ids[j])].astype(np.float32, copy=False) for r in results]
        return out


def load_or_export(kind: str, sources: Sequence[Path], words: np.ndarray, pad_id: int,
                   build: Callable[[], Any], outputs: Sequence[str], batch_size: int = 16) -> Encoder:
    """The `kind` encoder for `sources`, exported first (from the transformers model `build()`
    returns, answering `outputs`) when this version of them has not been. A cached graph that cannot be loaded is
    exported again once; an export that failed is not retried for the same files (the reason
    is kept beside where the graph would be). Raises RuntimeUnavailable."""
    path = graph_path(kind, sources)
    failed = path.with_suffix(".failed")
    if failed.is_file():
        raise RuntimeUnavailable(f"{failed.read_text(encoding='utf-8').strip()} (remove {failed} to try again)")
    if path.is_file():
        try:
            return Encoder(path, words, pad_id, batch_size)
        except Exception as exc:  # noqa: BLE001 - a damaged graph: export it again
            log.warning("the cached ONNX graph %s cannot be loaded (%s); exporting it again", path, one_line(exc))
    if find_spec("onnx") is None:
        raise RuntimeUnavailable("exporting needs the `onnx` package (pip install onnx)")
    log.warning("exporting the %s to ONNX Runtime (once for these model files, a few seconds)", kind)
    try:
        export(build(), path, outputs, int(words.shape[1]))
    except Exception as exc:  # noqa: BLE001 - any failure means: run on torch
        reason = f"exporting the {kind} failed: {one_line(exc)}"
        try:
            failed.write_text(reason + "\n", encoding="utf-8")
        except OSError:
            pass
        raise RuntimeUnavailable(reason) from exc
    try:
        return Encoder(path, words, pad_id, batch_size)
    except Exception as exc:  # noqa: BLE001
        raise RuntimeUnavailable(f"the exported {kind} cannot be loaded: {one_line(exc)}") from exc


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_TOKENS: dict[tuple[str, int], Tokens] = {}
_TOKENS_LOCK = threading.Lock()


def tokens_for(path: Path) -> Tokens:
    """One `Tokens` per tokenizer file in a process: the query embedding and the reader share
    the offline model's 17 MB tokenizer.json, which takes most of a second to read."""
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    with _TOKENS_LOCK:
        if key not in _TOKENS:
            _TOKENS[key] = Tokens(path)
        return _TOKENS[key]


class Tokens:
    """The `tokenizers` library over a model's tokenizer.json, making the same ids and offsets
    as transformers' fast tokenizer for single texts and for question/context windows."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_padding()
        self._lock = threading.Lock()  # truncation is the tokenizer's state, set per call
        pad = self.tokenizer.token_to_id("<pad>")
        self.pad_id = int(pad if pad is not None else (self.tokenizer.token_to_id("[PAD]") or 0))

    def single(self, texts: Sequence[str], max_length: int) -> list[list[int]]:
        with self._lock:
            self.tokenizer.enable_truncation(max_length, strategy="longest_first", direction="right")
            return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def pairs(self, questions: Sequence[str], contexts: Sequence[str], max_length: int, stride: int) -> Windows:
        """Question/context windows of at most `max_length` tokens, the contexts cut with
        `stride` tokens of overlap (as transformers does with return_overflowing_tokens)."""
        with self._lock:
            self.tokenizer.enable_truncation(max_length, stride=stride, strategy="only_second", direction="right")
            encodings = self.tokenizer.encode_batch(list(zip(questions, contexts)))
        windows, owners = [], []
        for i, e in enumerate(encodings):
            for w in [e, *e.overflowing]:
                windows.append(w)
                owners.append(i)
        return Windows(windows, owners)


class Windows(dict):
    """What transformers' BatchEncoding gives the reader: input_ids, offset_mapping,
    overflow_to_sample_mapping, and sequence_ids(window)."""

    def __init__(self, encodings: list[Any], owners: list[int]) -> None:
        super().__init__(input_ids=[e.ids for e in encodings], offset_mapping=[e.offsets for e in encodings],
                         overflow_to_sample_mapping=owners)
        self._encodings = encodings

    def sequence_ids(self, window: int) -> list[int | None]:
        return list(self._encodings[window].sequence_ids)
