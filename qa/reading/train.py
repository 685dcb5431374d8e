"""python -m qa.reading.train: fine-tune the offline multilingual-e5-small into the reader.

Two phases, because training on answerable and unanswerable questions from the start collapses
to "no answer" everywhere: first spans only (answerable questions of IDK-MRC train and four
fifths of FacQA train), then a shorter mixed phase where unanswerable questions and windows
without the answer point at the first token, so the model's no-answer score means something.
After each phase the model is scored on IDK-MRC valid (gold paragraphs) and the better phase is
kept. Checkpoints every few minutes into --work; a rerun with the same arguments resumes.

Why a small loop rather than transformers' Trainer: Trainer needs `accelerate`, and its
checkpoints would carry the 96M frozen word-embedding weights and their optimizer slots at
every save; ours hold only what trains."""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .card import write_card
from .data import Example, facqa, idk_mrc
from .metrics import squad2_f1, token_f1
from .model import SHIPPED, save_artefact, trained_state, truncated_base
from .reader import Reader, encode

log = logging.getLogger("qa.reading.train")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Settings:
    """Every knob of a run; the artefact's card records them."""

    layers: int = 12  # encoder layers kept from the base
    max_length: int = 192  # tokens per training window
    stride: int = 64
    batch_size: int = 16
    lr: float = 1.5e-4
    warmup: float = 0.05  # share of steps with a rising learning rate
    span_epochs: float = 2.0  # phase 1: answerable questions only
    # Phase 2 chosen on IDK-MRC valid among 14 runs (qa/models/reader/recipe.json): a full epoch
    # of a half no-answer mix gave overall F1 0.75 against 0.64 for 0.6 epoch of a 35% mix.
    null_epochs: float = 1.0  # phase 2: as many steps as this share of an epoch over the mixed set
    null_share: float = 0.5  # share of no-answer windows in phase 2
    seed: int = 13
    limit: int = 0  # use at most this many training questions (a smoke run)


@dataclass
class Window:
    input_ids: list[int]
    start: int
    end: int


def windows(tokenizer: Any, examples: Sequence[Example], s: Settings) -> tuple[list[Window], list[Window]]:
    """(windows holding the answer, windows without one) of `examples`; a window without the
    answer and every window of an unanswerable question target token 0."""
    feats = encode(tokenizer, [e.question for e in examples], [e.context for e in examples],
                   s.max_length, s.stride)
    with_answer, without = [], []
    for w, i in enumerate(feats["overflow_to_sample_mapping"]):
        ex, ids = examples[i], feats["input_ids"][w]
        seq, offsets = feats.sequence_ids(w), feats["offset_mapping"][w]
        target = _token_span(ex, seq, offsets) if ex.answerable else None
        (with_answer if target else without).append(Window(ids, *(target or (0, 0))))
    return with_answer, without


def _token_span(ex: Example, seq: list[int | None], offsets: list[tuple[int, int]]) -> tuple[int, int] | None:
    text, a = ex.answers[0]
    b = a + len(text)
    ctx = [t for t, s in enumerate(seq) if s == 1]
    if not ctx or offsets[ctx[0]][0] > a or offsets[ctx[-1]][1] < b:
        return None
    start = next(t for t in ctx if offsets[t][1] > a)
    end = next(t for t in reversed(ctx) if offsets[t][0] < b)
    return (start, end) if start <= end else None


def batches(items: list[Window], size: int, rng: random.Random) -> list[list[Window]]:
    """Shuffled batches of similar lengths (less padding), in shuffled order."""
    items = items[:]
    rng.shuffle(items)
    pool = size * 50
    out = []
    for i in range(0, len(items), pool):
        part = sorted(items[i : i + pool], key=lambda w: len(w.input_ids))
        out += [part[j : j + size] for j in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def plan(answer_windows: list[Window], null_windows: list[Window], s: Settings) -> list[tuple[str, list[Window]]]:
    """Every step of the run as (phase, batch), fixed by the seed so a resumed run continues the
    same sequence."""
    rng = random.Random(s.seed)
    steps: list[tuple[str, list[Window]]] = []
    for epoch in range(math.ceil(s.span_epochs)):
        epoch_batches = batches(answer_windows, s.batch_size, rng)
        share = min(1.0, s.span_epochs - epoch)
        steps += [("span", b) for b in epoch_batches[: round(len(epoch_batches) * share)]]
    n_null = round(len(answer_windows) * s.null_share / (1 - s.null_share))
    mixed = answer_windows + rng.sample(null_windows, min(n_null, len(null_windows)))
    mixed_batches = batches(mixed, s.batch_size, rng)
    steps += [("null", b) for b in mixed_batches[: round(len(mixed_batches) * s.null_epochs)]]
    return steps


def _tensors(batch: list[Window], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(w.input_ids) for w in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, w in enumerate(batch):
        ids[r, : len(w.input_ids)] = torch.tensor(w.input_ids)
        mask[r, : len(w.input_ids)] = 1
    return {"input_ids": ids, "attention_mask": mask,
            "start_positions": torch.tensor([w.start for w in batch]),
            "end_positions": torch.tensor([w.end for w in batch])}


def evaluate(tokenizer: Any, model: Any, examples: Sequence[Example]) -> dict[str, Any]:
    """Scores on gold paragraphs: answerable F1 when always answering, and SQuAD 2.0 F1 when
    declining below the margin threshold that is best on `examples`."""
    reader = Reader.from_loaded(tokenizer, model, "training")
    per = reader.read_pairs([e.question for e in examples], [e.context for e in examples])
    rows = []
    for ex, spans in zip(examples, per):
        golds = tuple(t for t, _ in ex.answers)
        best = spans[0] if spans else None
        f1 = max((token_f1(best.text, g) for g in golds), default=0.0) if best else 0.0
        rows.append((best.margin if best else -1e9, best.text if best else None, golds, f1))
    answerable = [r for r in rows if r[2]]
    thresholds = sorted({r[0] for r in rows})
    best_t, best_f1 = -1e9, -1.0
    for t in thresholds[:: max(1, len(thresholds) // 200)] + [1e9]:
        f1 = sum(squad2_f1(r[1] if r[0] >= t else None, r[2]) for r in rows) / len(rows)
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    declined = [r for r in rows if not r[2]]
    model.train()
    return {
        "answerable_f1": round(sum(r[3] for r in answerable) / max(1, len(answerable)), 4),
        "overall_f1_best_margin": round(best_f1, 4),
        "margin_threshold": round(best_t, 3),
        "unanswerable_declined": round(sum(r[0] < best_t for r in declined) / max(1, len(declined)), 4),
        "questions": len(rows),
    }


class Run:
    """One training run with its checkpoints under `work`."""

    def __init__(self, s: Settings, work: Path, base: Path | None = None, device: str = "cpu") -> None:
        self.s, self.work, self.device = s, work, device
        self.tokenizer, self.model = truncated_base(s.layers, base)
        self.model.to(device)
        self.losses: list[float] = []

    def train(self, train_set: Sequence[Example], valid_set: Sequence[Example]) -> dict[str, Any]:
        """Run (or resume) every step; score after each phase; keep the better phase's weights."""
        import torch
        from tqdm import tqdm

        torch.manual_seed(self.s.seed)
        with_answer, without = windows(self.tokenizer, train_set, self.s)
        steps = plan(with_answer, without, self.s)
        params = [p for p in self.model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=self.s.lr, weight_decay=0.01)
        warm = max(1, int(len(steps) * self.s.warmup))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda i: min((i + 1) / warm, max(0.0, (len(steps) - i) / (len(steps) - warm))))
        state = self._resume(optimizer, schedule)
        self.model.train()
        last_save = time.monotonic()
        bar = tqdm(total=len(steps), initial=state["step"], desc="reader", unit="step", file=sys.stderr)
        for i in range(state["step"], len(steps)):
            phase, batch = steps[i]
            inputs = {k: v.to(self.device) for k, v in _tensors(batch, self.tokenizer.pad_token_id).items()}
            loss = self.model(**inputs).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            self.losses.append(loss.item())
            state["step"] = i + 1
            bar.update(1)
            bar.set_postfix(phase=phase, loss=f"{sum(self.losses[-20:]) / len(self.losses[-20:]):.3f}")
            phase_ends = i + 1 == len(steps) or steps[i + 1][0] != phase
            if phase_ends:
                state["scores"][phase] = evaluate(self.tokenizer, self.model, valid_set) if valid_set else {}
                log.info("after phase %s: %s", phase, state["scores"][phase])
                self._keep(phase)
            if phase_ends or time.monotonic() - last_save > 300:
                # Training time summed over every process of the run, so a run resumed across
                # several sittings still reports what it cost in all.
                state["seconds"] = state.get("seconds", 0.0) + time.monotonic() - last_save
                self._checkpoint(optimizer, schedule, state)
                last_save = time.monotonic()
        bar.close()
        return state

    def _resume(self, optimizer: Any, schedule: Any) -> dict[str, Any]:
        import torch

        path = self.work / "checkpoint.pt"
        if not path.exists():
            return {"step": 0, "scores": {}}
        saved = torch.load(path, weights_only=False, map_location=self.device)
        if saved["settings"] != asdict(self.s):
            raise SystemExit(f"{path} was written with other settings; remove {self.work} to start over")
        self.model.load_state_dict(saved["model"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        self.losses = saved["losses"]
        log.info("resuming at step %d from %s", saved["state"]["step"], path)
        return saved["state"]

    def _checkpoint(self, optimizer: Any, schedule: Any, state: dict[str, Any]) -> None:
        import torch

        self.work.mkdir(parents=True, exist_ok=True)
        tmp = self.work / "checkpoint.pt.tmp"
        torch.save({"settings": asdict(self.s), "model": trained_state(self.model),
                    "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                    "state": state, "losses": self.losses}, tmp)
        tmp.replace(self.work / "checkpoint.pt")

    def _keep(self, phase: str) -> None:
        save_artefact(self.model, self.work / f"phase-{phase}", {"phase": phase})


def choose(scores: dict[str, dict[str, Any]]) -> str:
    """The phase whose model scores the higher overall F1 on valid."""
    return max(scores, key=lambda p: scores[p].get("overall_f1_best_margin", 0.0))


def parse_args(argv: list[str] | None) -> tuple[Settings, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m qa.reading.train",
        description="Fine-tune the offline multilingual-e5-small into the extractive reader on "
        "IDK-MRC train + four fifths of FacQA train, choose on IDK-MRC valid, and write the "
        "compact artefact with its scores. Resumes from --work.")
    defaults = Settings()
    for name, value in asdict(defaults).items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    parser.add_argument("--out", type=Path, default=SHIPPED, help=f"artefact folder (default {SHIPPED})")
    parser.add_argument("--work", type=Path, default=REPO / ".reader-work", help="checkpoints (default .reader-work)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: all cores)")
    parser.add_argument("--device", default="cpu",
                        help="torch device to train on (default cpu; e.g. cuda). Same recipe, but not "
                        "the same weights: rounding differences grow over training (previous recipe, "
                        "IDK-MRC valid overall F1: 0.655 on CPU, 0.637 on GPU)")
    parser.add_argument("--base", type=Path, default=None,
                        help="base model folder (default: the offline multilingual-e5-small)")
    args = parser.parse_args(argv)
    return Settings(**{k: getattr(args, k) for k in asdict(defaults)}), args


def main(argv: list[str] | None = None) -> int:
    """Train, choose, write the artefact and print its scores as JSON."""
    import torch

    s, args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    if args.threads:
        torch.set_num_threads(args.threads)
    train_set = idk_mrc("train") + facqa("train")
    random.Random(s.seed).shuffle(train_set)
    valid_set = idk_mrc("valid")
    if s.limit:
        train_set, valid_set = train_set[: s.limit], valid_set[: max(20, s.limit // 10)]
    started = time.monotonic()
    run = Run(s, args.work, args.base, args.device)
    state = run.train(train_set, valid_set)
    phase = choose(state["scores"])
    chosen = args.work / f"phase-{phase}"
    args.out.mkdir(parents=True, exist_ok=True)
    for f in chosen.iterdir():
        shutil.copy(f, args.out / f.name)
    info = {"phase": phase, "settings": asdict(s), "valid": state["scores"],
            "train_questions": len(train_set), "minutes": round(state.get("seconds", 0.0) / 60, 1),
            "minutes_this_process": round((time.monotonic() - started) / 60, 1),
            "device": args.device if args.device != "cpu" else f"cpu ({torch.get_num_threads()} threads)",
            "command": "python -m qa.reading.train " + " ".join(sys.argv[1:] if argv is None else argv)}
    (args.out / "training.json").write_text(json.dumps(info, indent=2) + "\n")
    write_card(args.out)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
