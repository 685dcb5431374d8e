"""The extractive reader: scores answer spans and "no answer" for a question over passages."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.ort import Encoder

log = logging.getLogger(__name__)

MAX_QUESTION_WORDS = 48


@dataclass(frozen=True)
class Span:
    """One candidate answer: characters [start, end) of passage number `passage`. `score` is
    the model's start + end logit; `null` is that passage's no-answer score (the lowest over its
    windows, as in SQuAD 2.0 decoding), so `score - null` says how much the span beats silence."""

    passage: int
    start: int
    end: int
    text: str
    score: float
    null: float

    @property
    def margin(self) -> float:
        return self.score - self.null


def clip(question: str) -> str:
    """The question as the reader reads it: at most MAX_QUESTION_WORDS words."""
    return " ".join(question.split()[:MAX_QUESTION_WORDS])


def encode(tokenizer: Any, questions: Sequence[str], contexts: Sequence[str], max_length: int,
           stride: int) -> Any:
    """Tokenise question/context pairs into overlapping windows of at most `max_length` tokens,
    with character offsets; `overflow_to_sample_mapping` maps windows back to pairs."""
    return tokenizer(
        [clip(q) for q in questions], list(contexts), truncation="only_second", max_length=max_length, stride=stride,
        return_overflowing_tokens=True, return_offsets_mapping=True, padding=False,
    )


def best_spans(start: Any, end: Any, context_mask: Any, max_tokens: int, k: int) -> list[tuple[int, int, float]]:
    """The `k` best (start token, end token, score) of one window: start <= end, at most
    `max_tokens` long, both inside the context."""
    start, end = np.asarray(start, dtype=np.float32), np.asarray(end, dtype=np.float32)
    mask = np.asarray(context_mask, dtype=bool)
    n = start.shape[0]
    idx = np.arange(n)
    allowed = (idx[None, :] >= idx[:, None]) & (idx[None, :] - idx[:, None] < max_tokens)
    allowed &= mask[:, None] & mask[None, :]
    scores = np.where(allowed, start[:, None] + end[None, :], -np.inf).ravel()
    m = min(k, int(allowed.sum()))
    if m <= 0:
        return []
    top = np.argpartition(-scores, m - 1)[:m]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i) // n, int(i) % n, float(scores[i])) for i in top]


def _int8(model: Any) -> Any:
    """The model with its linear layers quantised to int8 for inference (dynamic quantisation:
    weights int8, activations quantised on the fly). Off by default: on 150 IDK-MRC valid
    questions it read 1.8x faster but lost 6.5 points of F1 (0.737 -> 0.673)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch marks its quantised tensor types as deprecated
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class Reader:
    """A transformers question-answering model over passages, windowed with a stride.

    `model`: a hub name, a transformers QA folder or the project's compact artefact (default
    `QA_READER_MODEL`, else the shipped reader). Loading is lazy (`warm_up`)."""

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        max_length: int = 256,  # tokens per window, question included
        stride: int = 64,  # tokens shared by consecutive windows of one passage
        max_answer_tokens: int = 30,  # longest span considered
        spans_per_passage: int = 3,  # candidates kept from each passage
        batch_size: int = 16,  # windows per forward pass
        int8: bool | None = None,  # linear layers in int8 (QA_READER_INT8=1): 1.8x faster, -6 F1
    ) -> None:
        self.spec = model or os.environ.get("QA_READER_MODEL") or None
        self.max_length, self.stride = max_length, stride
        self.max_answer_tokens, self.spans_per_passage = max_answer_tokens, spans_per_passage
        self.batch_size = batch_size
        self.int8 = os.environ.get("QA_READER_INT8", "0") == "1" if int8 is None else int8
        self._loaded: tuple[Any, Any, str] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model once (thread-safe); raises ReaderError with a one-line reason."""
        from .model import load_reader_model, onnx_reader

        with self._lock:
            if self._loaded is None and not self.int8:
                self._loaded = onnx_reader(self.spec, self.batch_size)
                if self._loaded is not None:
                    log.info("reader: %s (ONNX Runtime)", self._loaded[2])
            if self._loaded is None:
                tokenizer, model, name = load_reader_model(self.spec)
                self._loaded = (tokenizer, _int8(model) if self.int8 else model, name)
                log.info("reader: %s%s", name, " (int8)" if self.int8 else "")

    @property
    def folder(self) -> Path | None:
        """The local folder the model comes from (None for a hub name)."""
        from .model import SHIPPED

        path = Path(self.spec).expanduser() if self.spec else SHIPPED
        return path if path.is_dir() else None

    @property
    def name(self) -> str:
        self.warm_up()
        assert self._loaded is not None
        return self._loaded[2]

    @classmethod
    def from_loaded(cls, tokenizer: Any, model: Any, name: str, **kwargs: Any) -> Reader:
        """A reader over a model already in memory (training evaluates through this)."""
        reader = cls(name, **kwargs)
        reader._loaded = (tokenizer, model.eval(), name)
        return reader

    def read(self, question: str, passages: Sequence[str]) -> list[Span]:
        """Candidate spans over all `passages` (Span.passage indexes them), best first."""
        per_pair = self.read_pairs([question] * len(passages), passages)
        return sorted((s for spans in per_pair for s in spans), key=lambda s: s.score, reverse=True)

    def read_pairs(self, questions: Sequence[str], contexts: Sequence[str]) -> list[list[Span]]:
        """For each (question, context) pair, its candidate spans, best first."""
        if not contexts:
            return []
        self.warm_up()
        assert self._loaded is not None
        tokenizer, model, _ = self._loaded
        if isinstance(model, Encoder):  # ONNX Runtime with the `tokenizers` library
            features = tokenizer.pairs([clip(q) for q in questions], contexts, self.max_length, self.stride)
            start, end = zip(*model.run(features["input_ids"])) if features["input_ids"] else ((), ())
        else:
            features = encode(tokenizer, questions, contexts, self.max_length, self.stride)
            start, end = self._logits(model, tokenizer, features["input_ids"])
        return self._postprocess(features, list(start), list(end), contexts)

    def _logits(self, model: Any, tokenizer: Any, ids: list[list[int]]) -> tuple[list[Any], list[Any]]:
        """Start and end logits of every window (torch); windows of similar length share a batch."""
        import torch

        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        starts: list[Any] = [None] * len(ids)
        ends: list[Any] = [None] * len(ids)
        device = next(model.parameters()).device
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                chunk = order[i : i + self.batch_size]
                batch = tokenizer.pad({"input_ids": [ids[j] for j in chunk]}, return_tensors="pt")
                out = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device))
                s_all, e_all = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
                for row, j in enumerate(chunk):
                    starts[j], ends[j] = s_all[row], e_all[row]
        return starts, ends

    def _postprocess(self, features: Any, start: list[Any], end: list[Any],
                     contexts: Sequence[str]) -> list[list[Span]]:
        nulls: dict[int, float] = {}
        found: dict[tuple[int, int, int], float] = {}
        for w, p in enumerate(features["overflow_to_sample_mapping"]):
            seq = features.sequence_ids(w)
            n = len(seq)
            mask = np.array([s == 1 for s in seq])
            s_logits, e_logits = start[w][:n], end[w][:n]
            nulls[p] = min(nulls.get(p, float("inf")), float(s_logits[0] + e_logits[0]))
            offsets = features["offset_mapping"][w]
            for a, b, score in best_spans(s_logits, e_logits, mask, self.max_answer_tokens, self.spans_per_passage):
                key = (p, offsets[a][0], offsets[b][1])
                found[key] = max(found.get(key, float("-inf")), score)
        per_pair: list[list[Span]] = [[] for _ in contexts]
        for (p, a, b), score in found.items():
            per_pair[p].append(Span(p, a, b, contexts[p][a:b], score, nulls[p]))
        for spans in per_pair:
            spans.sort(key=lambda s: s.score, reverse=True)
        return per_pair
