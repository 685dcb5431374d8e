"""Smoke run of the benchmarks: each suite prints one JSON object with sane figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.reading.data import DATA

from .conftest import FACQA, ROOT

SUITES = ("quality", "reading", "baseline", "latency", "indexing")
RATES = ("cite@1", "cite@5", "f1", "contains")


def _assert_scores(scores: dict) -> None:
    """Counts are positive, rates are fractions, times are non-negative."""
    assert scores["questions"] > 0
    for key in RATES:
        assert 0.0 <= scores[key] <= 1.0, key
    assert 0.0 <= scores["p50_s"] <= scores["p95_s"]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The suites' JSON objects from one quick run, by suite name."""
    out = tmp_path_factory.mktemp("bench-out")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--suite", ",".join(SUITES), "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True, timeout=600,
    )
    objects = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {o["suite"]: o for o in objects}


def test_every_suite_printed_one_object(results: dict[str, dict]) -> None:
    assert tuple(results) == SUITES


def test_quality(results: dict[str, dict]) -> None:
    quality = results["quality"]
    seeds_file = ROOT / "bench" / "questions" / "seeds.jsonl"
    if seeds_file.is_file():
        seeds = quality["seeds"]
        assert seeds["all_answerable"]["questions"] + seeds["unanswerable"]["questions"] > 0
        for group in ("en", "id", "all_answerable"):
            assert 0.0 <= seeds[group]["answer_accuracy"] <= 1.0
            assert 0.0 <= seeds[group]["citation_accuracy"] <= 1.0
        assert 0.0 <= seeds["unanswerable"]["abstention_accuracy"] <= 1.0
    else:
        assert quality["seeds"] is None
    if not FACQA.is_file():
        assert quality["facqa"] is None
        return
    facqa = quality["facqa"]
    assert facqa["articles"] > 0
    _assert_scores(facqa)
    assert 0.0 <= facqa["found_rate"] <= 1.0
    assert (ROOT / facqa["per_question"]).is_file() or Path(facqa["per_question"]).is_file()


def test_reading(results: dict[str, dict]) -> None:
    reading = results["reading"]
    idk = reading["idk_mrc_valid"]
    if not (DATA / "idk-mrc" / "valid.json").is_file():
        assert idk is None
        return
    assert idk["questions"] > 0 and idk["articles"] > 0
    for key in ("overall_f1", "answerable_f1", "answerable_answered", "unanswerable_declined"):
        assert 0.0 <= idk[key] <= 1.0, key
    rows = [json.loads(line) for line in Path(ROOT / idk["per_question"]).read_text().splitlines()]
    assert len(rows) == idk["questions"] and all(r["found"] == (r["prediction"] is not None) for r in rows)
    for part in ("seed_paraphrases", "english"):
        for lang, group in reading[part].items():
            if isinstance(group, dict):
                assert group["questions"] > 0 and 0.0 <= group["accuracy"] <= 1.0, (part, lang)
    if FACQA.is_file():
        _assert_scores(reading["facqa"]["heldout"])


@pytest.mark.skipif(not FACQA.is_file(), reason="FacQA data not available")
def test_baseline(results: dict[str, dict]) -> None:
    baseline = results["baseline"]
    _assert_scores(baseline["bot"])
    _assert_scores(baseline["baseline"])
    assert set(baseline["ratios"]) == {*RATES, "p50_s", "p95_s"}


@pytest.mark.skipif(not FACQA.is_file(), reason="FacQA data not available")
def test_latency(results: dict[str, dict]) -> None:
    latency = results["latency"]
    assert latency["questions"] > 0 and latency["chunks"] > 0
    assert {"embed", "dense", "bm25", "fusion", "answer"} <= set(latency["stages_p50_s"])
    assert latency["slowest_stage"] in latency["stages_p50_s"]
    assert abs(sum(latency["stages_share"].values()) - 1.0) < 0.01


@pytest.mark.skipif(not FACQA.is_file(), reason="FacQA data not available")
def test_indexing(results: dict[str, dict]) -> None:
    indexing = results["indexing"]
    for folder in ("full", "folder_1000"):
        assert indexing[folder]["articles"] > 0 and indexing[folder]["chunks"] > 0
        assert indexing[folder]["chunks_per_s"] > 0
    assert indexing["add_one_article"]["chunks_written"] > 0


def test_suites_without_facqa_say_so(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--suite", "baseline",
         "--facqa", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True, timeout=300,
    )
    assert "FacQA file not found" in json.loads(done.stdout)["skipped"]


def test_gold_passages_are_every_row_of_the_same_question_and_spacing_copies() -> None:
    from bench.corpus import FacQA, golds
    from bench.metrics import score

    items = [
        FacQA(0, "Berapa orang dievakuasi?", "p1", "Sebanyak 1,05 juta orang dievakuasi.", "1,05 juta orang"),
        FacQA(1, "Berapa  orang dievakuasi ?", "p2", "Warga yang dievakuasi 1,1 juta orang.", "1,1 juta orang"),
        FacQA(2, "Siapa gubernurnya?", "p3", "Sebanyak 1, 05 juta orang dievakuasi.", "Budi"),
        FacQA(3, "Siapa wali kotanya?", "p4", "Wali kota Ani datang.", "Ani"),
    ]
    gold = golds(items)
    # Rows 0 and 1 ask the same question; p3 is p1 with its spacing changed.
    assert gold[0].articles == gold[1].articles == {"p1.txt", "p2.txt", "p3.txt"}
    assert gold[0].answers == ("1,05 juta orang", "1,1 juta orang")
    assert gold[3].articles == {"p4.txt"} and gold[3].answers == ("Ani",)
    scored = score("p2.txt", gold[1].articles, gold[1].answers, ["p3.txt", "p2.txt"], "1,05 juta orang")
    assert scored == {"cite@1": True, "cite@5": True, "cite@1 row": False, "f1": 1.0, "contains": True}
    missed = score("p4.txt", gold[3].articles, gold[3].answers, ["p1.txt"], "Budi")
    assert missed == {"cite@1": False, "cite@5": False, "cite@1 row": False, "f1": 0.0, "contains": False}


def _first_sentence_reply(messages: list[dict]):  # type: ignore[no-untyped-def]
    """Cites passage 1 with its first sentence, and passage 2 with a quote it does not hold."""
    import re

    from .openai_server import Reply, passages

    first = re.split(r"(?<=[.!?])\s+", passages(messages)[1])[0]
    return Reply(f'ANSWER: {first} [1]. Something else [2].\nQUOTES:\n[1] "{first}"\n[2] "words that are not there"')


def test_llm_suite_skips_without_an_endpoint_and_measures_with_one(tmp_path: Path) -> None:
    import os

    from .openai_server import openai_server

    def bench(**env: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--suite", "llm", "--out", str(tmp_path)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True, timeout=600,
                              env={**os.environ, **env})
        return json.loads(done.stdout)

    assert bench()["skipped"].startswith("no LLM endpoint: set QA_LLM_URL")
    with openai_server(_first_sentence_reply) as server:
        result = bench(QA_LLM_URL=server.url, QA_LLM_MODEL="stub")
    for name, questions in (("seeds", 3), ("paraphrases", 3), ("overviews", 3)):
        group = result[name]
        assert group["questions"] == questions and group["llm_answered"] == 1.0
        assert group["quotes_checked"] == 2 * questions and group["quotes_verified"] == 0.5
        assert group["answers_with_sentences_left_out"] == 1.0


def test_a_report_keeps_each_embeddings_scale_run_and_names_what_it_included() -> None:
    from bench.__main__ import merge

    def scale(embedding: str, p50: float) -> dict:
        return {"suite": "scale", "sizes": [{"embedding": embedding, "p50_s": p50}]}

    earlier = [{"suite": "latency", "p50_s": 0.2}, scale("offline-subword-v1", 0.2), scale("e5", 0.9)]
    merged, labels = merge(earlier, [scale("e5", 0.3), {"suite": "quality"}])
    assert [r["suite"] for r in merged] == ["quality", "latency", "scale", "scale"]
    assert [r["sizes"][0]["p50_s"] for r in merged if r["suite"] == "scale"] == [0.2, 0.3]  # e5 redone
    assert labels == ["latency", "scale (`offline-subword-v1`)"]
