"""python -m qa.reading.calibrate: fit the decision to answer or decline, for one reader.

Each question is asked the way the product asks it: its paragraph is one article among the
split's paragraphs, the hybrid retriever picks the chunks, the reader proposes each chunk's
best span. Every such candidate is a training row (label: its F1 against a gold answer is at
least 0.5; never for an unanswerable question). A logistic regression is fitted on a sample of
IDK-MRC train; the probability threshold is chosen on IDK-MRC valid (see choose_threshold).
The result is written beside the reader as calibration.json.

IDK-MRC's unanswerable questions are asked over their own paragraph, which is on the topic. A
product's users also ask about stories their articles do not cover at all, so each split adds
questions asked over a corpus of other paragraphs of the same split (their own paragraph left
out): every candidate of those is wrong.

IDK-MRC asks only in Indonesian, and the reader scores English questions about Indonesian text
lower. So a share of each split's questions is also asked rewritten into English
(`augment.to_english`), the decision sees the question's language as a feature, and English
questions get their own threshold, chosen on valid's rewritten questions. On IDK-MRC valid
(rows asked once, then fitted five ways), against the Indonesian-only decision:

| decision | valid ID overall | ID off topic declined | valid EN answerable | EN overall | EN off topic declined |
|---|--:|--:|--:|--:|--:|
| Indonesian rows only, one threshold | 0.729 | 0.958 | 0.346 | 0.633 | 0.996 |
| + English rows, no language feature | 0.665 | 0.898 | 0.514 | 0.622 | 0.976 |
| + language feature, one threshold | 0.682 | 0.916 | 0.583 | 0.600 | 0.936 |
| + a threshold per language (kept) | 0.721 | 0.974 | 0.588 | 0.600 | 0.928 |
| Indonesian rows only, a threshold per language | 0.729 | 0.958 | 0.598 | 0.587 | 0.876 |

The kept one has the best overall F1 over all valid rows together (both languages, off-topic
included)."""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .card import write_card
from .data import Example, idk_mrc
from .decide import FEATURES, Decider
from .metrics import squad2_f1, token_f1
from .model import SHIPPED

log = logging.getLogger("qa.reading.calibrate")
RIGHT_F1 = 0.5  # a candidate this close to a gold answer counts as right


@dataclass
class Asked:
    """One question asked over a corpus: its candidates' features and texts, and its golds."""

    golds: tuple[str, ...]
    features: list[list[float]]
    texts: list[str]


def corpus_bot(contexts: Sequence[str], work: Path, reader: Any, embedder: Any = None) -> Any:
    """A bot over the distinct `contexts`, one article each."""
    from qa import Bot

    folder = work / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for i, context in enumerate(dict.fromkeys(contexts)):
        (folder / f"p{i:05d}.txt").write_text(context + "\n", encoding="utf-8")
    return Bot.from_articles(folder, persist_dir=work / "index", embedder=embedder, reader=reader,
                             progress=True)


def off_topic(examples: Sequence[Example], paragraphs: int, questions: int,
              rng: random.Random) -> tuple[list[str], list[Example]]:
    """`paragraphs` contexts of the split as a corpus, and `questions` of the split's questions
    about other contexts: asked over that corpus, none of them has an answer."""
    contexts = list(dict.fromkeys(e.context for e in examples))
    corpus = rng.sample(contexts, min(paragraphs, len(contexts)))
    chosen = set(corpus)
    others = [e for e in examples if e.context not in chosen]
    return corpus, rng.sample(others, min(questions, len(others)))


def in_english(examples: Sequence[Example], share: float, rng: random.Random) -> list[Example]:
    """A `share` of `examples` with their questions rewritten into English (`augment.to_english`),
    asked over the same contexts: IDK-MRC asks only in Indonesian, the product's users also ask
    in English about Indonesian articles, and the reader scores such questions lower."""
    from .augment import to_english

    chosen = rng.sample(list(examples), round(share * len(examples)))
    return [replace(e, id=f"{e.id}-en", question=to_english(e.question, rng)) for e in chosen]


def ask_all(bot: Any, examples: Sequence[Example], answerable: bool = True) -> list[Asked]:
    """Every example asked through the bot's retriever and reader (with `answerable` False,
    as questions the corpus cannot answer, whatever their gold answers)."""
    from tqdm import tqdm

    from qa.answer import candidates
    from qa.bot import READ_CHUNKS
    from qa.question import parse_question

    rule = Decider.margin_rule()
    out = []
    for ex in tqdm(examples, desc="asking", unit="q", file=sys.stderr):
        parsed = parse_question(ex.question)
        chunks = bot.retriever.retrieve(parsed.search_text, parsed.search_groups, k=READ_CHUNKS)
        found = candidates(parsed.text, chunks, bot.reader, rule, parsed.english)
        golds = tuple(t for t, _ in ex.answers) if answerable else ()
        out.append(Asked(golds, [c.features for c in found],
                         [c.span.text for c in found]))
    return out


def _right(text: str, golds: tuple[str, ...]) -> bool:
    return any(token_f1(text, g) >= RIGHT_F1 for g in golds)


def fit(rows: Sequence[Asked]) -> Decider:
    """Logistic regression over every candidate of every question (threshold set later)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([f for r in rows for f in r.features], dtype=np.float64)
    y = np.array([_right(t, r.golds) for r in rows for t in r.texts])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    return Decider(tuple(model.coef_[0].tolist()), float(model.intercept_[0]), tuple(mean.tolist()),
                   tuple(scale.tolist()), 0.5, "IDK-MRC train")


def scores(decider: Decider, rows: Sequence[Asked], threshold: float) -> dict[str, float]:
    """SQuAD 2.0 F1 overall, F1 on answerable questions, and the share of unanswerable ones
    declined, when answering with the most probable candidate at or above `threshold`."""
    per, answerable, declined = [], [], []
    for r in rows:
        probs = [decider.probability(f) for f in r.features]
        i = max(range(len(probs)), key=probs.__getitem__) if probs else -1
        prediction = r.texts[i] if i >= 0 and probs[i] >= threshold else None
        f1 = squad2_f1(prediction, r.golds)
        per.append(f1)
        (answerable if r.golds else declined).append(f1)
    n = max(1, len(per))
    return {"overall_f1": round(sum(per) / n, 4),
            "answerable_f1": round(sum(answerable) / max(1, len(answerable)), 4),
            "unanswerable_declined": round(sum(declined) / max(1, len(declined)), 4),
            "questions": len(per)}


def _balance(s: dict[str, float]) -> float:
    """Harmonic mean of answerable F1 and the share of unanswerable questions declined."""
    a, d = s["answerable_f1"], s["unanswerable_declined"]
    return 2 * a * d / (a + d) if a + d else 0.0


def choose_threshold(decider: Decider, rows: Sequence[Asked]) -> tuple[float, dict[str, float]]:
    """The threshold (on a 0.01 grid) that best balances answering and declining on `rows`.

    Not the one with the best overall F1: on a set that is half unanswerable, overall F1 is
    nearly flat over a wide range of thresholds (IDK-MRC valid: 0.647 at 0.4, 0.657 at 0.6)
    while answerable F1 falls fast (0.53 to 0.42), and the people asking the product mostly
    ask what their articles do answer. The harmonic mean of answerable F1 and the share of
    unanswerable questions declined keeps either half from being given up for the other."""
    grid = [i / 100 for i in range(1, 100)]
    best = max(grid, key=lambda t: _balance(scores(decider, rows, t)))
    return best, scores(decider, rows, best)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qa.reading.calibrate",
        description="Fit the answer-or-decline decision for a reader on IDK-MRC train (asked over "
        "its paragraphs as articles), choose the threshold on IDK-MRC valid, write calibration.json.")
    parser.add_argument("--reader", type=Path, default=SHIPPED, help=f"reader folder (default {SHIPPED})")
    parser.add_argument("--train-questions", type=int, default=1500, help="IDK-MRC train questions sampled")
    parser.add_argument("--valid-questions", type=int, default=0, help="IDK-MRC valid questions (default all)")
    parser.add_argument("--off-topic-questions", type=int, default=500,
                        help="questions per split asked over other paragraphs (0: none)")
    parser.add_argument("--off-topic-paragraphs", type=int, default=50,
                        help="paragraphs in each split's off-topic corpus")
    parser.add_argument("--english-share", type=float, default=0.5,
                        help="share of each split's questions also asked rewritten into English (0: none)")
    parser.add_argument("--rows", type=Path, default=None,
                        help="JSON file of the asked questions' candidates: read when it exists (no "
                        "asking), written after asking otherwise")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    settings = _settings(args)
    if args.rows and args.rows.is_file():
        cached = json.loads(args.rows.read_text(encoding="utf-8"))
        if cached.get("settings") != settings:
            parser.error(f"{args.rows} was asked with other settings or another reader "
                         f"({cached.get('settings')}); remove it or pass the same settings")
        rows = {name: [Asked(tuple(r["golds"]), r["features"], r["texts"]) for r in asked]
                for name, asked in cached["rows"].items()}
        embedding, train_size = cached["embedding"], cached["train_questions"]
        log.info("read the asked questions from %s", args.rows)
    else:
        rows, embedding, train_size = ask_splits(args)
        if args.rows:
            args.rows.write_text(json.dumps({"settings": settings, "embedding": embedding, "train_questions": train_size,
                                             "rows": {k: [asdict(r) for r in v] for k, v in rows.items()}}))
    fitted = fit([r for name, asked in rows.items() if name.startswith("train") for r in asked])
    # One threshold per language, each chosen on its own valid questions (off-topic included):
    # a pooled choice lowers the Indonesian threshold to suit English questions.
    threshold, _ = choose_threshold(fitted, [r for name in ("valid", "valid_off_topic") for r in rows.get(name, [])])
    english_rows = [r for name in ("valid_english", "valid_off_topic_english") for r in rows.get(name, [])]
    threshold_english = choose_threshold(fitted, english_rows)[0] if english_rows else None
    report = {name: scores(fitted, r, threshold_english if "english" in name and threshold_english is not None
                           else threshold)
              for name, r in rows.items()}
    for name in [n for n in report if "off_topic" in n]:  # all unanswerable: only declining counts
        report[name] = {"declined": report[name]["unanswerable_declined"], "questions": report[name]["questions"]}
    off = (f" plus {args.off_topic_questions} asked over {args.off_topic_paragraphs} other paragraphs"
           if args.off_topic_questions else "")
    english = (f", {round(100 * args.english_share)}% of them also rewritten into English"
               if args.english_share else "")
    decider = Decider(fitted.weights, fitted.bias, fitted.mean, fitted.scale, threshold,
                      f"IDK-MRC train ({train_size} questions{off}{english}), thresholds on IDK-MRC valid",
                      threshold_english)
    given = list(sys.argv[1:] if argv is None else argv)
    if "--rows" in given:  # a cache of the asking: the result does not depend on it
        del given[given.index("--rows") : given.index("--rows") + 2]
    info = {**report, "embedding": embedding, "command": " ".join(["python -m qa.reading.calibrate", *given])}
    decider.save(args.reader, info)
    write_card(args.reader)
    print(json.dumps({"features": FEATURES, "threshold": threshold, "threshold_english": threshold_english, **info}))
    return 0


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """What the asked rows depend on: the reader's weights and the sampling settings."""
    import hashlib

    weights = sorted(args.reader.glob("*.safetensors"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in weights)).hexdigest()[:16] if weights else str(args.reader)
    return {"reader": digest, **{k: getattr(args, k) for k in (
        "train_questions", "valid_questions", "off_topic_questions", "off_topic_paragraphs", "english_share", "seed")}}


def ask_splits(args: argparse.Namespace) -> tuple[dict[str, list[Asked]], str, int]:
    """Ask IDK-MRC train's sample and valid through a bot over each split's paragraphs, each also
    over other paragraphs (off topic), each with a share rewritten into English."""
    from index.embedder import load_embedder

    from .reader import Reader

    reader, embedder = Reader(str(args.reader)), load_embedder()
    train = random.Random(args.seed).sample(idk_mrc("train"), args.train_questions)
    valid = idk_mrc("valid")
    valid = random.Random(args.seed).sample(valid, args.valid_questions) if args.valid_questions else valid
    rows: dict[str, list[Asked]] = {}
    with tempfile.TemporaryDirectory(prefix="calibrate-") as work:
        for name, examples in (("train", train), ("valid", valid)):
            bot = corpus_bot([e.context for e in examples], Path(work) / name, reader, embedder)
            rows[name] = ask_all(bot, examples)
            if args.english_share:
                rows[f"{name}_english"] = ask_all(bot, in_english(examples, args.english_share,
                                                                  random.Random(args.seed)))
            if args.off_topic_questions:
                corpus, asked = off_topic(idk_mrc(name), args.off_topic_paragraphs, args.off_topic_questions,
                                          random.Random(args.seed))
                bot = corpus_bot(corpus, Path(work) / f"{name}-off", reader, embedder)
                rows[f"{name}_off_topic"] = ask_all(bot, asked, answerable=False)
                if args.english_share:
                    rows[f"{name}_off_topic_english"] = ask_all(
                        bot, in_english(asked, args.english_share, random.Random(args.seed)), answerable=False)
    return rows, embedder.name, len(train)


if __name__ == "__main__":
    sys.exit(main())
