"""SQuAD-style answer scores, shared by training, calibration and the benchmarks."""

from __future__ import annotations

import unicodedata
from collections import Counter


def normalize(text: str) -> str:
    """Lowercase, punctuation to spaces, whitespace collapsed. Punctuation becomes a space rather
    than vanishing because some gold spans were detokenised mechanically ("G - 8" vs "G-8")."""
    chars = (" " if unicodedata.category(c).startswith("P") else c for c in text.lower())
    return " ".join("".join(chars).split())


def token_f1(prediction: str, gold: str) -> float:
    """Harmonic mean of token precision and recall between normalised texts."""
    pred, ref = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if not common:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def squad2_f1(prediction: str | None, golds: tuple[str, ...]) -> float:
    """SQuAD 2.0 scoring of one question: declining (None) scores 1 on an unanswerable question
    (no golds) and 0 on an answerable one; an answer scores its best F1 against the golds."""
    if not golds:
        return float(prediction is None)
    return 0.0 if prediction is None else max(token_f1(prediction, g) for g in golds)
