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
# Known misses, kept visible: strict, so a fix turns them into failures to remove from here.
KNOWN_MISSES: dict[str, str] = {}


def is_correct(answer, case: dict) -> bool:  # type: ignore[no-untyped-def]
    """The checked rule: right answer text and right first citation, or abstention."""
    if case["answer"] is None:
        return not answer.found and not answer.citations
    return (
        answer.found
        and any(expected.lower() in answer.text.lower() for expected in case["answer"])
        and (case["article"] is None or answer.citations[0].article == case["article"])
    )


CASES = [
    pytest.param(c, id=c["q"], marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[c["q"]])])
    if c["q"] in KNOWN_MISSES
    else pytest.param(c, id=c["q"])
    for c in QUESTIONS
]


@pytest.mark.parametrize("case", CASES)
def test_seed_question(seeds_bot, case: dict) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask(case["q"])
    assert is_correct(answer, case), answer.text


@pytest.mark.parametrize("lang", ["en", "id"])
def test_seed_accuracy_per_language(seeds_bot, lang: str) -> None:  # type: ignore[no-untyped-def]
    cases = [c for c in QUESTIONS if c["lang"] == lang]
    correct = sum(is_correct(seeds_bot.ask(c["q"]), c) for c in cases)
    assert len(cases) >= 20 and correct / len(cases) >= 0.9


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
    [("When did the call take place?", ("Wednesday, 4 February 2026", "Wednesday, 5 February 2026")),
     ("Kapan panggilan video itu?", ("Rabu, 4 Februari 2026", "Rabu (5/2/2026)"))],
)
def test_disagreeing_dates_are_reported_with_both_citations(seeds_bot, question: str, values: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask(question)
    assert answer.disagreement and all(v in answer.text for v in values)
    first, second = answer.citations[:2]
    assert {first.article, second.article} == {"000_23b6403ff7373a43.txt", "001_466ab87c043aefd1.txt"}
    shown = {c.quote[c.span_start - c.start : c.span_end - c.start] for c in (first, second)}
    assert shown == {"Rabu, 4 Februari 2026", "Rabu (5/2/2026)"}


def test_agreeing_values_are_not_a_disagreement(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask("Where did Xi and Putin last meet in person?")
    assert not answer.disagreement and answer.text.startswith("Beijing [1]")


def test_follow_up_inherits_the_question_type_only_when_elliptical(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Siapa yang mengundang Putin ke China?"},
               {"role": "assistant", "content": "Xi Jinping [1]."}]
    elliptical = seeds_bot.ask("Dan ke Beijing?", history=history)
    assert elliptical.kind == "person"
    assert seeds_bot.ask("Dan ke Beijing?").kind == "other"
    own = seeds_bot.ask("When was that?", history=history)
    assert own.kind == "date"


@pytest.mark.parametrize("question", ["Siapa Presiden Peru?", "Who is the president of Peru?"])
def test_a_name_the_articles_never_mention_is_declined(seeds_bot, question: str) -> None:  # type: ignore[no-untyped-def]
    # "Presiden" is all over the articles; "Peru" is not, and the question is about Peru.
    answer = seeds_bot.ask(question)
    assert not answer.found and answer.citations == []


def test_an_acronym_is_a_name_not_a_function_word() -> None:
    # "AS" (Amerika Serikat) spells the English "as".
    groups = parse_question("Siapa Presiden AS?").groups
    assert ("as", "amerika", "serikat") in groups


def test_reaction_is_the_sentence_reporting_it(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Siapa yang mengundang Putin ke China?"},
               {"role": "assistant", "content": "Xi Jinping [1]."}]
    answer = seeds_bot.ask("Bagaimana tanggapan Putin?", history=history)
    assert answer.kind == "reaction" and "disambut positif" in answer.text
    first = answer.citations[0]
    assert first.article == "000_23b6403ff7373a43.txt" and first.quote.startswith("Undangan tersebut")
    assert first.quote[first.span_start - first.start :].startswith("disambut positif")


def test_reaction_in_english_quotes_the_denial(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    answer = seeds_bot.ask("How did Beijing respond to the accusation of military aid?")
    assert answer.text.startswith("Beijing membantah tuduhan tersebut") and answer.text.endswith("[1]")
    assert answer.citations[0].article == "001_466ab87c043aefd1.txt"


def test_response_as_a_modifier_is_no_reaction_question(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    assert seeds_bot.ask("Apa yang dikatakan Putin sebagai tanggapan atas undangan itu?").kind != "reaction"
    assert seeds_bot.ask("Who responded to the invitation?").kind == "person"


def test_follow_up_swapping_in_the_answers_name_asks_about_it(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Siapa yang menyebut hubungan Rusia–China sebagai faktor penstabil?"},
               {"role": "assistant", "content": "Vladimir Putin [1][2]."}]
    answer = seeds_bot.ask("Lalu Xi?", history=history)
    assert answer.found and answer.kind == "other"
    assert answer.citations[0].quote.startswith("Xi ")


def test_follow_up_swapping_a_name_wants_sentences_about_the_new_one(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Apa yang diserukan Xi untuk memajukan hubungan kedua negara?"},
               {"role": "assistant", "content": 'Menyusun "rencana besar" [1][2].'}]
    answer = seeds_bot.ask("Kalau Putin?", history=history)
    assert answer.found and "rencana besar" not in answer.text
    assert "Putin" in answer.citations[0].quote or answer.citations[0].quote.startswith("Ia ")


def test_earlier_answer_weighs_less_than_the_earlier_question(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "When did Putin and Xi hold their video call?"},
               {"role": "assistant", "content": "On Wednesday, 4 February 2026 [1]."}]
    answer = seeds_bot.ask("How long did it last?", history=history)
    assert answer.kind == "duration" and "1 hour 25 minutes" in answer.text
    # The earlier question's words are lent as context (half weight), the answer's as reply
    # (a quarter), so a sentence repeating the earlier date does not outweigh the duration.
    parsed = parse_question("How long did it last?", "When did Putin and Xi hold their video call?",
                            "On Wednesday, 4 February 2026")
    lent, replied = {t for g in parsed.context for t in g}, {t for g in parsed.reply for t in g}
    assert {"putin", "xi", "video"} <= lent and {"rabu", "2026"} <= replied and not replied & lent


def test_acronym_of_a_name_the_question_gives_is_no_answer(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Who did Putin hold a video call with in February 2026?"},
               {"role": "assistant", "content": "Chinese President Xi Jinping [1][2]."}]
    answer = seeds_bot.ask("Tensions between which country and the US did they discuss?", history=history)
    assert answer.text.startswith("Iran [1]")


def test_place_after_a_title_belongs_to_the_title(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "What did Xi pledge at his last in-person meeting with Putin?"},
               {"role": "assistant", "content": "At their meeting in Beijing during China's military parade, "
                                                "Xi pledged to coordinate with Moscow on issues of core interest [2]."}]
    answer = seeds_bot.ask("Who else attended that parade?", history=history)
    assert answer.text.startswith("Kim Jong Un [1]")
    first = answer.citations[0]
    assert first.quote[first.span_start - first.start : first.span_end - first.start] == "Kim Jong Un"


def test_time_since_an_event_counts_as_a_duration_only_when_asked_for(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    from qa.spans import find_spans

    sentence = "Panggilan itu diadakan menjelang peringatan empat tahun perang, kata pejabat berusia 60 tahun."

    def durations(elapsed: bool) -> list[str]:
        spans = find_spans(sentence, 0, len(sentence), set(), elapsed)
        return [s.value for s in spans if s.kind == "duration"]

    assert durations(False) == [] and durations(True) == ["empat tahun"]
    history = [{"role": "user", "content": "Which leader called Russia–China relations an important "
                                           "stabilizing factor amid global turmoil?"},
               {"role": "assistant", "content": "Vladimir Putin [1][2]."}]
    answer = seeds_bot.ask("How long after the start of the war in Ukraine did he say that?", history=history)
    assert answer.kind == "duration" and answer.text.startswith("Four years [1]")
    assert seeds_bot.ask("How long was the call?").text.startswith("About 1 hour 25 minutes")


def test_follow_up_about_someone_else_leaves_the_earlier_answer_behind(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Where were Putin's comments on the call broadcast?"},
               {"role": "assistant", "content": "On Russian state television [1][2]."}]
    answer = seeds_bot.ask("And Xi's remarks? Which news agency quoted them?", history=history)
    assert answer.kind == "organization" and answer.text.startswith("Reuters [1]")
    assert "Putin" not in answer.citations[0].quote


def test_place_named_by_a_noun_after_the_asked_verb(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    history = [{"role": "user", "content": "Which leader spoke through an interpreter during the call?"},
               {"role": "assistant", "content": "Xi Jinping [2]."}]
    answer = seeds_bot.ask("What about Putin? Where were his remarks broadcast?", history=history)
    assert answer.kind == "location" and answer.text.startswith("Televisi pemerintah Rusia [1]")
    first = answer.citations[0]
    assert first.quote[first.span_start - first.start : first.span_end - first.start] == "televisi pemerintah Rusia"
    assert seeds_bot.ask("Where did Xi and Putin last meet in person?").text.startswith("Beijing [1]")


def test_follow_up_after_a_reaction_keeps_the_topic(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    # The earlier answer opens with a capitalised common word ("Undangan"), not a name.
    history = [{"role": "user", "content": "Bagaimana tanggapan Putin atas undangan itu?"},
               {"role": "assistant", "content": "Undangan tersebut dilaporkan telah disambut positif oleh Presiden Rusia. [1]"}]
    answer = seeds_bot.ask("Lalu Xi?", history=history)
    assert answer.found and "Xi" in answer.citations[0].quote


def test_every_highlight_lies_inside_its_quote(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    questions = [case["q"] for case in QUESTIONS]
    highlighted = 0
    for question in questions:
        for c in seeds_bot.ask(question).citations:
            if c.span_start is not None:
                highlighted += 1
                assert c.start <= c.span_start < c.span_end <= c.end, (question, c)
    assert highlighted >= len(questions) // 2


def _extract(question: str, *sentences: str):  # type: ignore[no-untyped-def]
    """The answer to `question` from made-up single-sentence chunks, every word equally rare."""
    from qa.answer import extract
    from qa.retrieve import Chunk

    chunks = [Chunk(f"c{n}", s, {"article": f"a{n}", "start": 0, "title": ""}, 1.0)
              for n, s in enumerate(sentences)]
    return extract(parse_question(question), chunks, lambda term: 1.0)


@pytest.mark.parametrize(
    ("question", "sentence", "value"),
    [
        # A value of another measure is no answer, even closer to the question's words.
        ("Berapakah usia candi Borobudur?",
         "Candi Borobudur berjarak 48 kilometer dari Yogyakarta dan berusia 1.200 tahun.", "1.200 tahun"),
        ("Berapa panjang jembatan Suramadu?",
         "Jembatan Suramadu yang dibangun 3 tahun memiliki panjang 5,4 km.", "5,4 km"),
        ("Berapa luas hutan yang terbakar di Riau?",
         "Sebanyak 12 desa terdampak, dan hutan yang terbakar di Riau mencapai 3.000 hektar.", "3.000 hektar"),
        ("Berapa luas kota itu?", "Luas kota itu 695 kilometer persegi.", "695 kilometer persegi"),
        ("Berapakah bantuan yang diberikan bank itu untuk sekolah?",
         "Bank itu memberikan bantuan untuk 500 sekolah senilai Rp 90 miliar.", "Rp 90 miliar"),
        ("Berapa orangkah pelukis yang ikut pameran di Padang?",
         "Pameran di Padang selama 10 hari diikuti enam pelukis muda.", "enam pelukis"),
        # A count is not answered with a share.
        ("Berapa jumlah penduduk kota Bandar?",
         "Sebanyak 70 persen penduduk kota Bandar yang berjumlah 880.000 jiwa adalah pendatang.", "880.000 jiwa"),
        ("How far is the airport from the city centre?",
         "Bandara baru itu dibangun dalam 4 tahun dan berjarak 30 kilometer dari pusat kota.", "30 kilometer"),
    ],
)
def test_quantity_has_the_unit_the_question_asks_for(question: str, sentence: str, value: str) -> None:
    assert _extract(question, sentence).value == value


def test_a_quantity_of_another_measure_does_not_answer() -> None:
    answer = _extract(
        "Berapa harga beras di pasar Jakarta?",
        "Harga beras di pasar Jakarta naik dan dikeluhkan 300 pedagang.",
        "Di pasar Jakarta, harga beras kini Rp 12.000 per kilogram.",
    )
    assert answer.value == "Rp 12.000 per kilogram"


def test_a_fitting_value_from_a_nearly_relevant_sentence_answers_a_quantity() -> None:
    answer = _extract(
        "Berapakah biaya perang yang dikeluarkan pemerintah untuk pasukan di perbatasan?",
        "Pemerintah menolak mengakui perang di perbatasan, dan pasukan tetap dikeluarkan dari sana.",
        "Biaya yang dikeluarkan mencapai hampir 20 juta dollar AS setiap hari.",
    )
    assert answer.found and answer.value == "20 juta dollar AS"
