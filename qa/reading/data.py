"""Reading-comprehension examples for training and choosing the reader: IDK-MRC and FacQA.

FacQA's train split also trains the reader, so a fixed fifth of its passages is held out for
evaluation: a passage belongs to the held-out fifth when the hash of its text (with all
spacing removed, so copies that differ only in spacing fall on the same side) is 0 mod 5.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@dataclass(frozen=True)
class Example:
    """One question over one context; `answers` holds (text, start) pairs, empty when the
    context does not answer it."""

    id: str
    question: str
    context: str
    answers: tuple[tuple[str, int], ...]
    source: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def idk_mrc(split: str, data: Path = DATA) -> list[Example]:
    """IDK-MRC `split` ("train" or "valid"), unanswerable questions included."""
    rows = json.loads((data / "idk-mrc" / f"{split}.json").read_text(encoding="utf-8"))
    out = []
    for paragraph in rows:
        context = paragraph["context"]
        for qa in paragraph["qas"]:
            answers = () if qa["is_impossible"] else tuple(
                (a["text"], int(a["answer_start"])) for a in qa["answers"]
                if context[a["answer_start"] : a["answer_start"] + len(a["text"])] == a["text"]
            )
            if qa["is_impossible"] or answers:
                out.append(Example(str(qa["id"]), qa["question"], context, answers, f"idk-mrc-{split}"))
    return out


def facqa_held_out(passage: str) -> bool:
    """True for the fixed fifth of FacQA passages kept out of training."""
    key = hashlib.sha1("".join(passage.split()).encode("utf-8")).hexdigest()
    return int(key[:8], 16) % 5 == 0


def facqa(part: str, data: Path = DATA) -> list[Example]:
    """FacQA train, `part` "train" (four fifths of the passages) or "heldout" (the other fifth).
    Questions whose answer is not found verbatim in the passage are dropped."""
    out = []
    for row in _jsonl(data / "facqa" / "train.jsonl"):
        if facqa_held_out(row["passage"]) != (part == "heldout"):
            continue
        start = row["passage"].find(row["answer"])
        if start >= 0:
            out.append(Example(f"facqa-{row['id']}", row["question"], row["passage"],
                               ((row["answer"], start),), f"facqa-{part}"))
    return out


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
