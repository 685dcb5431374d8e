"""Answers over seeds/: the seed question set in both languages, citations, follow-ups, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa import QuestionError
from qa.question import parse_question

from .conftest import ROOT, SEEDS

QUESTIONS = [json.loads(line) for line in (ROOT / "bench" / "questions" / "seeds.jsonl").open(encoding="utf-8")]
PARAPHRASES = [json.loads(line) for line in (ROOT / "bench" / "questions" / "seeds_paraphrases.jsonl").open(encoding="utf-8")]
# The share of each set the shipped reader must answer right (right text, right first citation,
# or a refusal where the articles hold no answer); measured figures are in BENCHMARKS.md.
ACCURACY = 0.8


def is_correct(answer, case: dict) -> bool:  # type: ignore[no-untyped-def]
    """The checked rule: right answer text and right first citation, or abstention."""
    if case["answer"] is None:
        return not answer.found and not answer.citations
    return (
        answer.found
        and any(expected.lower() in answer.text.lower() for expected in case["answer"])
        and (case["article"] is None or answer.citations[0].article == case["article"])
    )


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("questions", [QUESTIONS, PARAPHRASES], ids=["seeds", "paraphrases"])
def test_seed_accuracy_per_language(seeds_bot, lang: str, questions: list[dict]) -> None:  # type: ignore[no-untyped-def]
    cases = [c for c in questions if c["lang"] == lang]
    wrong = [(c["q"], a.text) for c in cases for a in [seeds_bot.ask(c["q"])] if not is_correct(a, c)]
    assert len(cases) >= 20 and 1 - len(wrong) / len(cases) >= ACCURACY, wrong


def test_every_citation_is_verbatim_with_markers(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    for case in QUESTIONS:
        answer = seeds_bot.ask(case["q"])
        for n, citation in enumerate(answer.citations, 1):
            text = (SEEDS / citation.article).read_text(encoding="utf-8-sig")
            assert text[citation.start : citation.end] == citation.quote
            assert f"[{n}]" in answer.text
            if citation.span_start is not None:
                assert citation.start <= citation.span_start < citation.span_end <= citation.end


def test_core_question_in_both_languages(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    english = seeds_bot.ask("How long was the call?")
    assert english.text.startswith("About 1 hour 25 minutes [1]")
    indonesian = seeds_bot.ask("Berapa lama pembicaraan Putin dan Xi berlangsung?")
    assert "1 jam 25 menit [1]" in indonesian.text
    for answer in (english, indonesian):
        first = answer.citations[0]
        assert first.article == "000_23b6403ff7373a43.txt"
        assert "berlangsung selama sekitar 1 jam 25 menit" in first.quote
        assert first.quote[first.span_start - first.start : first.span_end - first.start] == "1 jam 25 menit"


def test_unanswerable_says_so_in_the_askers_language(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    english = seeds_bot.ask("Who won the 2022 World Cup?")
    assert not english.found and english.citations == [] and "not find" in english.text
    indonesian = seeds_bot.ask("Siapa yang memenangkan Piala Dunia 2022?")
    assert not indonesian.found and "tidak ada di artikel" in indonesian.text


def test_follow_up_uses_history(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [
        {"role": "user", "content": "Where did Xi and Putin last meet in person?"},
        {"role": "assistant", "content": "Beijing [1]."},
    ]
    alone = seeds_bot.ask("When was that?")
    followed = seeds_bot.ask("When was that?", history=history)
    assert followed.found and "September" in followed.text
    assert followed.text != alone.text


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "?!"])
def test_empty_question_is_a_one_line_error(seeds_bot, question: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuestionError, match="empty question") as info:
        seeds_bot.ask(question)
    assert "\n" not in str(info.value)


def test_enormous_question_is_refused_and_index_intact(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    before = seeds_bot.store.count()
    with pytest.raises(QuestionError, match="too long") as info:
        seeds_bot.ask("berapa lama " * 9000)
    assert "\n" not in str(info.value) and seeds_bot.store.count() == before
    assert seeds_bot.ask("How long was the call?").found


def test_control_characters_and_markup_are_just_text(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask("How long\x07 was the <b>call</b>?\u200b")
    assert answer.found and "1 hour 25 minutes" in answer.text


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cli_build_and_ask(tmp_path: Path) -> None:
    index = tmp_path / "cli-index"
    built = _cli("-m", "index", "build", str(SEEDS), "--persist-dir", str(index), "--quiet", cwd=ROOT)
    assert built.returncode == 0, built.stderr
    assert "2 added" in built.stdout and "chunks" in built.stdout
    asked = _cli("-m", "qa", "ask", "How long was the call?", "--json", "--persist-dir", str(index), cwd=ROOT)
    assert asked.returncode == 0, asked.stderr
    payload = json.loads(asked.stdout)
    assert "1 hour 25 minutes" in payload["text"] and payload["found"] is True
    assert payload["citations"][0]["article"] == "000_23b6403ff7373a43.txt"
    assert "offline mode" in asked.stderr  # the fallback says so, once
    assert [line.split()[0] for line in asked.stderr.splitlines()] == ["WARNING"]  # and nothing else
    bad = _cli("-m", "qa", "ask", "   ", "--persist-dir", str(index), cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: empty question")
    missing = _cli("-m", "index", "build", str(tmp_path / "nope"), "--persist-dir", str(index), cwd=ROOT)
    assert missing.returncode == 2 and "no such folder" in missing.stderr


@pytest.mark.parametrize("module", ["index", "qa"])
def test_cli_help(module: str) -> None:
    shown = _cli("-m", module, "--help", cwd=ROOT)
    assert shown.returncode == 0 and "usage" in shown.stdout


@pytest.mark.parametrize(
    ("question", "values"),
    [("When did the call take place?", ("4 February 2026", "5 February 2026")),
     ("Kapan panggilan video itu?", ("4 Februari 2026", "(5/2/2026)"))],
)
def test_disagreeing_dates_are_reported_with_both_citations(seeds_bot, question: str, values: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask(question)
    assert answer.disagreement and all(v in answer.text for v in values), answer.text
    first, second = answer.citations[:2]
    assert {first.article, second.article} == {"000_23b6403ff7373a43.txt", "001_466ab87c043aefd1.txt"}


def test_every_highlight_lies_inside_its_quote(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    questions = [case["q"] for case in QUESTIONS + PARAPHRASES]
    highlighted = 0
    for question in questions:
        answer = seeds_bot.ask(question)
        for c in answer.citations:
            assert c.span_start is not None and c.start <= c.span_start < c.span_end <= c.end, (question, c)
            highlighted += 1
        if answer.found:
            first = answer.citations[0]
            assert first.quote[first.span_start - first.start:first.span_end - first.start] == answer.value
    assert highlighted >= len(questions) // 2
