"""Knowing when not to answer: a logistic regression over the reader's and retriever's scores.

Fitted by `python -m qa.reading.calibrate` on IDK-MRC train (half of its questions cannot be
answered from the articles) with the threshold chosen on IDK-MRC valid, and stored beside the
reader as `calibration.json`. A reader without one (any hub model) falls back to SQuAD 2.0's
own rule: answer when the best span outscores the no-answer option (probability
sigmoid(margin) >= 0.5).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .reader import Span

log = logging.getLogger(__name__)
FILE = "calibration.json"
FEATURES = ("score", "null", "margin", "peak", "retrieval", "top_chunk", "similarity", "english")


def features(span: Span, spans: Sequence[Span], retrieval: Sequence[float],
             similarity: Sequence[float] = (), english: bool = False) -> list[float]:
    """What the decision sees of one candidate `span` among all `spans` of the question:
    its logits, its margin over no-answer, how far it stands out from the other candidates
    (log-softmax over the top ten), its chunk's fused retrieval score (relative to the other
    hits), whether that chunk was retrieved first, its dense cosine similarity to the
    question (absolute: low when the articles are about something else), and whether the
    question is in English (the reader's scores run lower for a question in another language
    than its text, and for English text too: counting an English question about an English
    article as same-language lowered the English set's answerable F1 from 0.69 to 0.49)."""
    top = [s.score for s in spans[:10]]
    peak = span.score - (max(top) + math.log(sum(math.exp(t - max(top)) for t in top)))
    return [span.score, span.null, span.margin, peak,
            retrieval[span.passage] if span.passage < len(retrieval) else 0.0,
            float(span.passage == 0),
            similarity[span.passage] if span.passage < len(similarity) else 0.0, float(english)]


@dataclass(frozen=True)
class Decider:
    """p(answer is right) = sigmoid(w . standardised features + b); answer when p >= the
    threshold for the question's language (`threshold_english` for English questions when
    it is set, each chosen on its own questions)."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    fitted_on: str = ""
    threshold_english: float | None = None

    def cut(self, english: bool) -> float:
        """The threshold for a question in English (True) or Indonesian."""
        return self.threshold_english if english and self.threshold_english is not None else self.threshold

    @classmethod
    def margin_rule(cls) -> Decider:
        """SQuAD 2.0's rule, for readers without a calibration: sigmoid(margin) >= 0.5."""
        n = len(FEATURES)
        weights = tuple(1.0 if f == "margin" else 0.0 for f in FEATURES)
        return cls(weights, 0.0, (0.0,) * n, (1.0,) * n, 0.5, "no calibration: margin > 0")

    @classmethod
    def for_reader(cls, folder: Path | None) -> Decider:
        """The calibration stored with a reader folder, else the margin rule."""
        path = folder / FILE if folder else None
        if path and path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            if tuple(data.get("features", ())) != FEATURES:
                log.warning("%s was fitted on other features (%s); deciding by the margin rule until "
                            "`python -m qa.reading.calibrate` is run again", path, ", ".join(data.get("features", ())))
                return cls.margin_rule()
            return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
                          if k in cls.__dataclass_fields__})
        return cls.margin_rule()

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def save(self, folder: Path, extra: dict | None = None) -> Path:
        path = folder / FILE
        path.write_text(json.dumps({**asdict(self), "features": FEATURES, **(extra or {})}, indent=2) + "\n")
        return path
