"""What kind of answer a question asks for, learned from questions and their gold answers.

The reader sometimes proposes a span of the wrong kind: a date for "berapa lama ...?" ("how
long"), a clause for "siapa ...?" ("who"). Answer typing is the classic remedy: a model reads
the question's words and gives a probability to each *shape* an answer can have; a candidate
span's shape then gets `log p(shape | question)`, a feature for ranking and deciding
(`run.py` measures whether it helps).

The shapes are read off the span itself: the typed values the product already parses
(`qa.values.typed`: duration, date, quantity), else numeric (other spans with digits: ranges),
else a name (most of its words capitalised), else a phrase. The model is a multinomial
logistic regression over the question's lowercased words and word pairs, fitted on gold
answers, its regularisation chosen on held-out pairs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from qa.values import typed

SHAPES = ("duration", "date", "quantity", "numeric", "name", "phrase")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
MIN_COUNT = 3  # a term seen fewer times in training carries no weight


def shape(span: str) -> str:
    """The shape of an answer span: its typed kind, else "numeric" when it holds a digit (a
    range, "1967 sampai 1998"; a code), else "name" when more than half of its words start with
    a capital letter, else "phrase"."""
    kind = typed(span).kind
    if kind != "other":
        return kind
    if any(c.isdigit() for c in span):
        return "numeric"
    words = [w for w in _WORD.findall(span) if not w.isdigit()]
    capitalised = sum(w[:1].isupper() for w in words)
    return "name" if words and capitalised * 2 > len(words) else "phrase"


def terms(question: str) -> list[str]:
    """The question's lowercased words and adjacent word pairs."""
    words = [w.lower() for w in _WORD.findall(question)]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


@dataclass(frozen=True)
class AnswerTypes:
    """p(shape | question) = softmax(bias + sum of the question's terms' weights)."""

    weights: dict[str, tuple[float, ...]]
    bias: tuple[float, ...]
    fitted_on: str = ""

    def probabilities(self, question: str) -> dict[str, float]:
        z = list(self.bias)
        for term in set(terms(question)):
            for i, w in enumerate(self.weights.get(term, ())):
                z[i] += w
        top = max(z)
        exp = [math.exp(v - top) for v in z]
        total = sum(exp)
        return {s: e / total for s, e in zip(SHAPES, exp)}

    def fit_of(self, probabilities: dict[str, float], span: str) -> float:
        """log p(shape of `span` | question), from the question's `probabilities`."""
        return math.log(max(probabilities[shape(span)], 1e-6))

    def to_dict(self) -> dict:
        return {"shapes": SHAPES, "bias": self.bias, "fitted_on": self.fitted_on,
                "weights": {t: [round(w, 4) for w in ws] for t, ws in sorted(self.weights.items())}}

    @classmethod
    def from_dict(cls, data: dict) -> AnswerTypes | None:
        """The stored model, or None when it was fitted on other shapes."""
        if tuple(data.get("shapes", ())) != SHAPES:
            return None
        return cls({t: tuple(ws) for t, ws in data["weights"].items()}, tuple(data["bias"]), data.get("fitted_on", ""))


def fit(questions: Sequence[str], answers: Sequence[str], valid_questions: Sequence[str],
        valid_answers: Sequence[str], fitted_on: str = "") -> tuple[AnswerTypes, dict[str, float]]:
    """Fit on (question, gold answer) pairs; the regularisation strength is the one with the best
    log-likelihood on the valid pairs. Returns the model and its valid scores."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts = Counter(t for q in questions for t in set(terms(q)))
    vocab = {t: i for i, t in enumerate(sorted(t for t, n in counts.items() if n >= MIN_COUNT))}

    def matrix(qs: Sequence[str]) -> csr_matrix:
        rows, cols = [], []
        for r, q in enumerate(qs):
            for t in set(terms(q)):
                if t in vocab:
                    rows.append(r)
                    cols.append(vocab[t])
        return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(qs), len(vocab)))

    x, xv = matrix(questions), matrix(valid_questions)
    y = np.array([SHAPES.index(shape(a)) for a in answers])
    yv = np.array([SHAPES.index(shape(a)) for a in valid_answers])
    best: tuple[float, float, object] | None = None
    for c in (0.1, 0.3, 1.0, 3.0):
        model = LogisticRegression(C=c, max_iter=2000).fit(x, y)
        p = model.predict_proba(xv)
        full = np.zeros((len(yv), len(SHAPES)))
        full[:, model.classes_] = p
        loglik = float(np.mean(np.log(np.maximum(full[np.arange(len(yv)), yv], 1e-6))))
        if best is None or loglik > best[0]:
            best = (loglik, c, model)
    assert best is not None
    loglik, c, model = best
    coef = np.zeros((len(SHAPES), len(vocab)))
    bias = np.full(len(SHAPES), -20.0)  # a shape never seen in training is never predicted
    coef[model.classes_] = model.coef_
    bias[model.classes_] = model.intercept_
    weights = {t: tuple(float(v) for v in coef[:, i]) for t, i in vocab.items() if np.abs(coef[:, i]).max() >= 1e-3}
    types = AnswerTypes(weights, tuple(float(b) for b in bias), fitted_on)
    predicted = [max(types.probabilities(q).items(), key=lambda kv: kv[1])[0] for q in valid_questions]
    accuracy = float(np.mean([p == shape(a) for p, a in zip(predicted, valid_answers)]))
    majority = Counter(shape(a) for a in answers).most_common(1)[0][0]
    baseline = float(np.mean([shape(a) == majority for a in valid_answers]))
    return types, {"C": c, "valid_log_likelihood": round(loglik, 4), "valid_accuracy": round(accuracy, 4),
                   "valid_majority_accuracy": round(baseline, 4), "terms": len(weights)}
