"""Answers over seeds/: the seed question set in both languages, citations, follow-ups, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa import QuestionError
from qa.question import parse_question

from .conftest import ANSWER, ANSWER_ARTICLE, ASK, ROOT, SEEDS

QUESTIONS = [json.loads(line) for line in (ROOT / "bench" / "questions" / "seeds.jsonl").open(encoding="utf-8")]
PARAPHRASES = [json.loads(line) for line in (ROOT / "bench" / "questions" / "seeds_paraphrases.jsonl").open(encoding="utf-8")]
# The share of each set the shipped reader answers right (right text and first citation, or a
# refusal where the articles hold no answer). Measured with the shipped reader: seeds 13/22 in
# English and 16/22 in Indonesian, paraphrases 14/28 and 15/28 (BENCHMARKS.md; the seeds gained
# one each when cut-short durations were widened). The floors sit a little below, so that a
# regression fails here; raising them is the reader's work.
FLOORS = {("seeds", "en"): 0.55, ("seeds", "id"): 0.7, ("paraphrases", "en"): 0.45, ("paraphrases", "id"): 0.5}


def is_correct(answer, case: dict) -> bool:  # type: ignore[no-untyped-def]
    """The checked rule: right answer text and right first citation, or abstention."""
    if case["answer"] is None:
        return not answer.found and not answer.citations
    return (
        answer.found
        and any(expected.lower() in answer.text.lower() for expected in case["answer"])
        and (case["article"] is None or answer.citations[0].article == case["article"])
    )


@pytest.mark.parametrize(("name", "lang"), list(FLOORS))
def test_seed_accuracy_per_language(seeds_bot, name: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    cases = [c for c in {"seeds": QUESTIONS, "paraphrases": PARAPHRASES}[name] if c["lang"] == lang]
    wrong = [(c["q"], a.text) for c in cases for a in [seeds_bot.ask(c["q"])] if not is_correct(a, c)]
    assert len(cases) >= 20 and 1 - len(wrong) / len(cases) >= FLOORS[(name, lang)], wrong


def test_every_citation_is_verbatim_with_markers(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    for case in QUESTIONS:
        answer = seeds_bot.ask(case["q"])
        for n, citation in enumerate(answer.citations, 1):
            text = (SEEDS / citation.article).read_text(encoding="utf-8-sig")
            assert text[citation.start : citation.end] == citation.quote
            assert f"[{n}]" in answer.text
            if citation.span_start is not None:
                assert citation.start <= citation.span_start < citation.span_end <= citation.end


def test_an_answer_is_the_span_with_its_sentence_cited(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    for question in (ASK, "Where did Xi and Putin last meet in person?"):
        answer = seeds_bot.ask(question)
        assert answer.found and answer.text.startswith(f"{answer.value} [1]"), answer.text
        first = answer.citations[0]
        article = (SEEDS / first.article).read_text(encoding="utf-8-sig")
        assert article[first.start:first.end] == first.quote
        assert article[first.span_start:first.span_end] == answer.value
    assert seeds_bot.ask(ASK).value == ANSWER and seeds_bot.ask(ASK).citations[0].article == ANSWER_ARTICLE


@pytest.mark.xfail(strict=True, reason="known miss: the reader ranks a date above the duration for "
                   "'how long' in English, and the call's length sentence is not among the chunks "
                   "retrieved for this Indonesian wording")
def test_known_miss_the_length_of_the_call(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    assert "1 hour 25 minutes" in seeds_bot.ask("How long was the call?").text
    assert "1 jam 25 menit" in seeds_bot.ask("Berapa lama panggilan video itu?").text


def test_unanswerable_says_so_in_the_askers_language(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    indonesian = seeds_bot.ask("Siapa yang memenangkan Piala Dunia 2022?")
    assert not indonesian.found and indonesian.citations == [] and "tidak ada di artikel" in indonesian.text
    english = seeds_bot.ask("What is the population of Jakarta?")
    assert not english.found and english.citations == [] and english.text == "I could not find that in the articles."


@pytest.mark.xfail(strict=True, reason="known miss: English questions are held to their own, lower "
                   "threshold (0.18, chosen on IDK-MRC valid rewritten into English, where 92.8% of "
                   "off-topic questions are declined); this one gets probability 0.27 for a clause "
                   "naming Xi Jinping")
def test_known_miss_an_off_topic_english_question_is_answered(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    assert not seeds_bot.ask("Who won the 2022 World Cup?").found


def test_follow_up_is_retrieved_with_the_question_it_leans_on(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Where did Xi and Putin last meet in person?"},
               {"role": "assistant", "content": "Beijing [1]."}]
    answer = seeds_bot.ask("When was that?", history=history)
    assert answer.found and "September 2025" in answer.text
    assert "September 2025" not in seeds_bot.ask("When was that?").text  # the history made the answer


@pytest.mark.xfail(strict=True, reason="known miss: the reader was trained on questions that stand "
                   "alone; 6 of the 24 follow-up cases in bench/questions/followups.jsonl are answered")
def test_known_miss_a_follow_up_that_points_back(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "How long did the Putin–Xi video call last?"},
               {"role": "assistant", "content": "About 1 hour 25 minutes [1]."}]
    assert "Ushakov" in seeds_bot.ask("Who said that?", history=history).text


def test_follow_up_in_indonesian_borrows_the_earlier_question(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Di mana Xi dan Putin terakhir bertemu langsung?"},
               {"role": "assistant", "content": "Di Beijing [1]."}]
    answer = seeds_bot.ask("Kapan itu?", history=history)
    assert answer.found and "September 2025" in answer.text and "tidak ada" not in answer.text
    assert "September 2025" not in seeds_bot.ask("Kapan itu?").text


@pytest.mark.parametrize(("question", "error"), [
    ("", "empty question: type a question about the articles"),
    ("   ", "empty question: type a question about the articles"),
    ("\x00\x01", "empty question: type a question about the articles"),
    ("?!", "no words in '?!': type a question about the articles in words"),
    ("🙂 🙂", "no words in '🙂 🙂': type a question about the articles in words"),
])
def test_empty_question_is_a_one_line_error(seeds_bot, question: str, error: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuestionError) as info:
        seeds_bot.ask(question)
    assert str(info.value) == error


def test_enormous_question_is_refused_and_index_intact(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    before = seeds_bot.store.count()
    with pytest.raises(QuestionError, match="too long") as info:
        seeds_bot.ask("berapa lama " * 9000)
    assert "\n" not in str(info.value) and seeds_bot.store.count() == before
    assert seeds_bot.ask(ASK).found


def test_control_characters_and_markup_are_just_text(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask("Siapa\x07 asisten <b>pemerintah</b> Rusia?\u200b")
    assert answer.found and ANSWER in answer.text


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cli_build_and_ask(tmp_path: Path) -> None:
    index = tmp_path / "cli-index"
    built = _cli("-m", "index", "build", str(SEEDS), "--persist-dir", str(index), "--quiet", cwd=ROOT)
    assert built.returncode == 0, built.stderr
    assert "2 added" in built.stdout and "chunks" in built.stdout
    asked = _cli("-m", "qa", "ask", ASK, "--json", "--persist-dir", str(index), cwd=ROOT)
    assert asked.returncode == 0, asked.stderr
    payload = json.loads(asked.stdout)
    assert ANSWER in payload["text"] and payload["found"] is True
    assert payload["citations"][0]["article"] == ANSWER_ARTICLE
    assert "offline mode" in asked.stderr  # the fallback says so, once
    # and nothing else, but for the reader's one-time export when no earlier run made it
    lines = asked.stderr.splitlines()
    exports = [line for line in lines if "to ONNX Runtime (once" in line]
    assert all(line.startswith("WARNING exporting the reader") for line in exports) and len(exports) <= 1
    assert [line.split()[0] for line in lines if line not in exports] == ["WARNING"]
    bad = _cli("-m", "qa", "ask", "   ", "--persist-dir", str(index), cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: empty question")
    missing = _cli("-m", "index", "build", str(tmp_path / "nope"), "--persist-dir", str(index), cwd=ROOT)
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    # No index yet and no seeds/ where it runs: the error names the option that fixes it.
    elsewhere = _cli("-m", "qa", "ask", ASK, "--persist-dir", str(tmp_path / "none"), cwd=tmp_path)
    assert elsewhere.returncode == 2, elsewhere.stderr
    assert elsewhere.stderr.strip().splitlines()[-1] == (
        f"error: no index at {tmp_path / 'none'} and no seeds/ folder here; "
        "pass --articles FOLDER to build one from your articles")


@pytest.mark.parametrize("module", ["index", "qa"])
def test_cli_help(module: str) -> None:
    shown = _cli("-m", module, "--help", cwd=ROOT)
    assert shown.returncode == 0 and "usage" in shown.stdout


@pytest.mark.parametrize(
    ("question", "values"),
    [("When did the call take place?", ("4 February 2026", "5 February 2026")),
     ("Kapan panggilan video itu?", ("4 Februari 2026", "5 Februari 2026"))],  # "(5/2/2026)" in words
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
