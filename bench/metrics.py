"""Scores and summaries: SQuAD-style token F1, containment, cite@k, rates and percentiles."""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Iterable, Sequence

from qa.reading.metrics import normalize, token_f1

_MARKER = re.compile(r"\s*\[\d+\]")


def contains(prediction: str, gold: str) -> bool:
    """True when the normalised gold appears in the normalised prediction on word boundaries."""
    ref = normalize(gold)
    return bool(ref) and f" {ref} " in f" {normalize(prediction)} "


def cite_at(gold: str, cited: Sequence[str], k: int) -> bool:
    """True when `gold` is among the first `k` cited articles."""
    return gold in cited[:k]


def strip_markers(text: str) -> str:
    """An answer text without its [n] citation markers."""
    return _MARKER.sub("", text).strip()


def rate(flags: Iterable[bool | float]) -> float:
    """Mean of booleans or scores, rounded; 0.0 for none."""
    values = [float(f) for f in flags]
    return round(statistics.fmean(values), 4) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def seconds_summary(values: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of durations, in seconds, rounded to microseconds."""
    return {"p50_s": round(percentile(values, 50), 6), "p95_s": round(percentile(values, 95), 6)}


def ratio(a: float, b: float) -> float | None:
    """a / b rounded, or None when b is zero."""
    return round(a / b, 3) if b else None


def score(
    row_article: str, gold_articles: Collection[str], gold_answers: Sequence[str],
    cited: Sequence[str], prediction: str,
) -> dict[str, float | bool]:
    """The per-question FacQA scores shared by every system under test: cite@k against any of
    the question's gold passages, F1 and containment against the best of its gold answers, and
    `cite@1 row` against the one passage of the question's own row."""
    return {
        "cite@1": any(cite_at(a, cited, 1) for a in gold_articles),
        "cite@5": any(cite_at(a, cited, 5) for a in gold_articles),
        "cite@1 row": cite_at(row_article, cited, 1),
        "f1": round(max(token_f1(prediction, a) for a in gold_answers), 4),
        "contains": any(contains(prediction, a) for a in gold_answers),
    }


def summarize(records: Sequence[dict]) -> dict[str, float]:
    """Question count, mean scores and latency percentiles of per-question records."""
    return {
        "questions": len(records),
        **{key: rate(r[key] for r in records) for key in ("cite@1", "cite@5", "cite@1 row", "f1", "contains")},
        **seconds_summary([r["seconds"] for r in records]),
    }
