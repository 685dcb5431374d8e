"""Would learned answer typing help the reader pick its span? Asked through the product, scored on valid.

The reader sometimes proposes a span of the wrong kind (a date for "berapa lama ...?"). The
classic remedy is answer typing: a model predicts from the question's words which shape the
answer has (`answer_type.py`: duration, date, quantity, numeric, name, phrase; fitted on gold
answers), and each candidate span gets log p(its shape | question) as one more feature.

This script asks a sample of IDK-MRC train and all of IDK-MRC valid (each with half of its
questions also rewritten into English, as the calibration does) through the product's own
retriever and reader over each split's paragraphs, keeping the best `--spans` spans of every
retrieved chunk with the decision's features (`qa.reading.features`). Then, for each number of
spans per chunk (1 = the product's candidates) and feature set, it fits on train and reports on
valid's answerable questions:
- `ranker`: a conditional logit (softmax over one question's candidates, trained to put its
  weight on right ones), scored by the F1 of its top candidate, always answering;
- `decision`: the product's own fit (`calibrate.fit`, pointwise logistic regression), scored
  the same way and by the balance the threshold choice maximises (`calibrate._balance`).
The answer-type model behind `type_fit` is fitted on IDK-MRC train and FacQA's training
passages *without* the sampled train questions, so their feature is as out-of-sample as
valid's (fitted on them, it is overconfident there and the ranker learns too large a weight).

Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from bench.answer_types.answer_type import AnswerTypes, fit as fit_types  # noqa: E402
from qa.reading.calibrate import (  # noqa: E402
    Asked, _balance, _right, choose_threshold, corpus_bot, fit, in_english, scores)
from qa.reading.data import Example, facqa, idk_mrc  # noqa: E402
from qa.reading.decide import FEATURES, features  # noqa: E402
from qa.reading.metrics import squad2_f1  # noqa: E402

BASE = list(FEATURES)
SETS = {"base": BASE, "+type_fit": [*BASE, "type_fit"], "+type_fit+words": [*BASE, "type_fit", "words"]}


def say(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


@dataclass
class Row:
    """One question's candidates: base features, text, chunk number; its question and golds."""

    question: str
    golds: tuple[str, ...]
    features: list[list[float]]
    texts: list[str]
    passages: list[int]


def ask(bot: Any, examples: list[Example], spans: int) -> list[Row]:
    """Every example through the bot's retriever and reader, with the best `spans` per chunk."""
    from tqdm import tqdm

    from qa.bot import READ_CHUNKS
    from qa.question import parse_question

    bot.reader.spans_per_passage = spans
    out = []
    for ex in tqdm(examples, desc="asking", unit="q", file=sys.stderr):
        parsed = parse_question(ex.question)
        chunks = bot.retriever.retrieve(parsed.search_text, parsed.search_groups, k=READ_CHUNKS)
        found = bot.reader.read(parsed.text, [c.text for c in chunks])
        retrieval, similarity = [c.score for c in chunks], [c.similarity for c in chunks]
        out.append(Row(ex.question, tuple(t for t, _ in ex.answers),
                       [features(s, found, retrieval, similarity, parsed.english) for s in found],
                       [s.text for s in found], [s.passage for s in found]))
    return out


def view(row: Row, k: int, columns: list[str], types: AnswerTypes) -> Asked:
    """The row as the decision would see it with `k` spans per chunk and these feature
    columns; the peak feature is recomputed over the spans kept."""
    at = {f: i for i, f in enumerate(FEATURES)}
    per: dict[int, int] = {}
    keep = []
    for i in sorted(range(len(row.texts)), key=lambda i: -row.features[i][at["score"]]):
        per[row.passages[i]] = per.get(row.passages[i], 0) + 1
        if per[row.passages[i]] <= k:
            keep.append(i)
    top = [row.features[i][at["score"]] for i in keep][:10]
    peak = max(top) + math.log(sum(math.exp(t - max(top)) for t in top)) if top else 0.0
    probabilities = types.probabilities(row.question)
    rows = []
    for i in keep:
        f = dict(zip(FEATURES, row.features[i]))
        f["peak"] = f["score"] - peak
        f["type_fit"] = types.fit_of(probabilities, row.texts[i])
        f["words"] = math.log1p(len(row.texts[i].split()))
        rows.append([f[c] for c in columns])
    return Asked(row.golds, rows, [row.texts[i] for i in keep])


def fit_ranker(rows: list[Asked]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conditional logit over each answerable question's candidates (L2 0.01), standardised."""
    from scipy.optimize import minimize

    groups = [(np.array(r.features), np.array([_right(t, r.golds) for t in r.texts], float))
              for r in rows if r.golds and r.texts]
    x_all = np.vstack([x for x, _ in groups])
    mean, scale = x_all.mean(0), x_all.std(0) + 1e-9
    groups = [((x - mean) / scale, y) for x, y in groups if y.any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.01 * w @ w, 0.02 * w
        for x, y in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            right = float(p @ y)
            total -= math.log(right + 1e-12)
            grad -= (p * y / (right + 1e-12) - p) @ x
        return total, grad

    w = minimize(loss, np.zeros(x_all.shape[1]), jac=True, method="L-BFGS-B").x
    return w, mean, scale


def top_f1(rows: list[Asked], score: Any) -> float:
    """Mean F1 of the top-scored candidate over the answerable rows (always answering)."""
    f1 = [squad2_f1(r.texts[int(np.argmax([score(f) for f in r.features]))], r.golds) if r.texts else 0.0
          for r in rows if r.golds]
    return round(float(np.mean(f1)), 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-questions", type=int, default=1500, help="IDK-MRC train questions sampled")
    parser.add_argument("--valid-questions", type=int, default=0, help="IDK-MRC valid questions (default all)")
    parser.add_argument("--spans", type=int, default=5, help="spans kept per chunk when asking")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    train = rng.sample(idk_mrc("train"), args.train_questions)
    valid = idk_mrc("valid")
    valid = random.Random(args.seed).sample(valid, args.valid_questions) if args.valid_questions else valid

    # The answer-type model, out of sample for every question asked below.
    asked_ids = {e.id for e in train}
    pairs = [e for e in idk_mrc("train") if e.answerable and e.id not in asked_ids] + facqa("train")
    pairs += in_english(pairs, 0.5, random.Random(args.seed))
    checks = [e for e in valid if e.answerable]
    checks += in_english(checks, 0.5, random.Random(args.seed))
    types, type_report = fit_types([e.question for e in pairs], [e.answers[0][0] for e in pairs],
                                   [e.question for e in checks], [e.answers[0][0] for e in checks])
    say("answer types:", type_report)

    from index.embedder import load_embedder
    from qa.reading import Reader

    reader, embedder = Reader(), load_embedder()
    rows: dict[str, list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="answer-types-") as work:
        for name, examples in (("train", train), ("valid", valid)):
            bot = corpus_bot([e.context for e in examples], Path(work) / name, reader, embedder)
            rows[name] = ask(bot, examples, args.spans)
            rows[f"{name}_english"] = ask(bot, in_english(examples, 0.5, random.Random(args.seed)), args.spans)

    results = []
    for k in sorted({1, 3, args.spans}):
        for label, columns in SETS.items():
            seen = {name: [view(r, k, columns, types) for r in asked] for name, asked in rows.items()}
            fitted_train = [r for name in ("train", "train_english") for r in seen[name]]
            w, mean, scale = fit_ranker(fitted_train)
            decision = fit(fitted_train)
            result: dict[str, Any] = {"spans_per_chunk": k, "features": label,
                                      "ranker_weights": dict(zip(columns, np.round(w, 3).tolist()))}
            def ranked(f: list[float]) -> float:
                return float(((np.array(f) - mean) / scale) @ w)

            for lang, name in (("id", "valid"), ("en", "valid_english")):
                result[f"ranker_top_f1_{lang}"] = top_f1(seen[name], ranked)
                result[f"decision_top_f1_{lang}"] = top_f1(seen[name], decision.probability)
                threshold, _ = choose_threshold(decision, seen[name])
                result[f"decision_balance_{lang}"] = round(_balance(scores(decision, seen[name], threshold)), 4)
            say(json.dumps(result))
            results.append(result)
    print(json.dumps({"experiment": "answer_types", "train_questions": len(train),
                      "valid_questions": len(valid), "answer_types_valid": type_report,
                      "results": results, "reader": reader.name, "embedding": embedder.name,
                      "seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
