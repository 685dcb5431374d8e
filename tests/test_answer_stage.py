"""The answer stage on its own: spans from a scripted reading stage become answers, citations,
agreements and disagreements (the reading stage is swappable; here it is a fixed script)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from qa.answer import extract
from qa.question import parse_question
from qa.reading import Decider, Reader, Span
from qa.retrieve import Chunk

ARTICLE_A = ("Wali kota membuka jembatan baru. Jembatan itu dibuka pada Senin, 3 Maret 2025 setelah "
             "dibangun selama sekitar 2 tahun. Panjangnya 1,4 kilometer.")
ARTICLE_B = "Menurut warga, jembatan itu diresmikan pada 4 Maret 2025 dengan upacara."
ARTICLE_C = "Pembangunan jembatan memakan waktu 2 tahun, kata kontraktor."


class ScriptedReader(Reader):
    """Returns, for each passage, the scripted (text, score, null) found in it."""

    def __init__(self, script: dict[str, tuple[float, float]]) -> None:
        super().__init__("scripted")
        self.script = script

    def read(self, question: str, passages: Sequence[str]) -> list[Span]:
        spans = []
        for i, passage in enumerate(passages):
            for text, (score, null) in self.script.items():
                at = passage.find(text)
                if at >= 0:
                    spans.append(Span(i, at, at + len(text), text, score, null))
        return sorted(spans, key=lambda s: s.score, reverse=True)


def chunk(article: str, text: str, start: int = 0, score: float = 1.0) -> Chunk:
    return Chunk(f"{article}#0", text[start:], {"article": article, "start": start, "title": article}, score)


def ask(question: str, script: dict[str, tuple[float, float]], chunks: list[Chunk]):  # type: ignore[no-untyped-def]
    return extract(parse_question(question), question, chunks, ScriptedReader(script), Decider.margin_rule())


def test_the_citation_is_the_sentence_holding_the_span() -> None:
    start = ARTICLE_A.index("Jembatan itu")
    answer = ask("Kapan jembatan dibuka?", {"Senin, 3 Maret 2025": (8.0, 1.0)}, [chunk("a.txt", ARTICLE_A, start)])
    assert answer.found and answer.text == "Senin, 3 Maret 2025 [1]." and answer.value == "Senin, 3 Maret 2025"
    [c] = answer.citations
    assert c.quote == ARTICLE_A[c.start:c.end] and c.quote.startswith("Jembatan itu dibuka")
    assert c.quote.endswith("sekitar 2 tahun.")  # the sentence, not the chunk
    assert ARTICLE_A[c.span_start:c.span_end] == "Senin, 3 Maret 2025"


def test_a_span_that_does_not_beat_no_answer_is_declined_in_the_askers_language() -> None:
    chunks = [chunk("a.txt", ARTICLE_A)]
    english = ask("Who built the bridge?", {"Wali kota": (1.0, 3.0)}, chunks)
    assert not english.found and english.citations == [] and english.text == "I could not find that in the articles."
    indonesian = ask("Siapa yang membangun jembatan?", {"Wali kota": (1.0, 3.0)}, chunks)
    assert not indonesian.found and "tidak ada di artikel" in indonesian.text
    assert 0 < indonesian.confidence < 0.5


def test_english_questions_get_typed_values_in_english() -> None:
    answer = ask("How long did the construction take?", {"sekitar 2 tahun": (7.0, 0.0)}, [chunk("a.txt", ARTICLE_A)])
    assert answer.text == "About 2 years [1]." and answer.kind == "duration"


def test_sources_that_disagree_are_both_shown() -> None:
    script = {"Senin, 3 Maret 2025": (9.0, 0.0), "4 Maret 2025": (7.0, 0.0)}
    answer = ask("When was the bridge opened?", script, [chunk("a.txt", ARTICLE_A), chunk("b.txt", ARTICLE_B)])
    assert answer.disagreement
    assert answer.text == "The articles disagree: Monday, 3 March 2025 [1], but 4 March 2025 [2]."
    assert [c.article for c in answer.citations] == ["a.txt", "b.txt"]
    b = answer.citations[1]
    assert ARTICLE_B[b.span_start:b.span_end] == "4 Maret 2025"


def test_sources_that_agree_are_cited_as_see_also() -> None:
    script = {"sekitar 2 tahun": (9.0, 0.0), "2 tahun": (6.0, 0.0)}
    answer = ask("Berapa lama pembangunannya?", script, [chunk("a.txt", ARTICLE_A), chunk("c.txt", ARTICLE_C)])
    assert not answer.disagreement
    assert answer.text == "Sekitar 2 tahun [1]. Lihat juga [2]."
    assert [c.article for c in answer.citations] == ["a.txt", "c.txt"]


def test_a_span_that_only_mentions_the_answer_is_no_see_also() -> None:
    first = "Undangan itu disampaikan kepada Vladimir Putin pada Rabu."
    other = "Presiden China Xi Jinping dan Presiden Rusia Vladimir Putin memuji hubungan kedua negara."
    # b's best span is the clause (score 10), less sure than a's name (margin 8 against 9)
    script = {"Vladimir Putin": (9.0, 0.0), "Presiden China Xi Jinping dan Presiden Rusia Vladimir Putin": (10.0, 2.0)}
    answer = ask("Siapa yang diundang?", script, [chunk("a.txt", first), chunk("b.txt", other)])
    assert answer.text == "Vladimir Putin [1]." and [c.article for c in answer.citations] == ["a.txt"]
    shorter = ask("Siapa yang diundang?", {"Vladimir Putin": (9.0, 0.0), "Putin": (8.0, 0.0)},
                  [chunk("a.txt", first), chunk("b.txt", "Putin menerima undangan itu.")])
    assert shorter.text == "Vladimir Putin [1]. Lihat juga [2]."  # the same name, said shorter


def test_a_second_span_from_the_same_article_is_not_a_second_source() -> None:
    script = {"Senin, 3 Maret 2025": (9.0, 0.0), "2 tahun": (5.0, 0.0)}
    chunks = [chunk("a.txt", ARTICLE_A), chunk("a.txt", ARTICLE_A, ARTICLE_A.index("Jembatan itu"))]
    answer = ask("Kapan jembatan dibuka?", script, chunks)
    assert len(answer.citations) == 1 and not answer.disagreement


def test_english_questions_are_held_to_their_own_threshold() -> None:
    rule = Decider.margin_rule()
    # The same span, probability sigmoid(1.0 - 1.5) = 0.38, against 0.5 for Indonesian, 0.3 for English.
    decider = Decider(rule.weights, rule.bias, rule.mean, rule.scale, 0.5, "test", threshold_english=0.3)
    chunks = [chunk("a.txt", ARTICLE_A)]
    script = {"Wali kota": (1.0, 1.5)}
    english = extract(parse_question("Who opened the bridge?"), "Who opened the bridge?", chunks,
                      ScriptedReader(script), decider)
    indonesian = extract(parse_question("Siapa yang membuka jembatan?"), "Siapa yang membuka jembatan?", chunks,
                         ScriptedReader(script), decider)
    assert english.found and english.value == "Wali kota" and round(english.confidence, 2) == 0.38
    assert not indonesian.found and round(indonesian.confidence, 2) == 0.38
    assert decider.cut(True) == 0.3 and decider.cut(False) == 0.5 and rule.cut(True) == rule.threshold


ARTICLE_D = ("Pertemuan kedua menteri berlangsung selama sekitar 1 jam 25 menit. Itu terjadi pada September "
             "2025, lalu dilanjutkan makan malam selama 2 jam. Keduanya divonis 8 tahun dan 6 tahun penjara.")


@pytest.mark.parametrize(("span", "value"), [
    ("25 menit", "sekitar 1 jam 25 menit"),  # the qualifier comes with the whole
    ("25 menit.", "sekitar 1 jam 25 menit"),
    ("sekitar 1 jam", "sekitar 1 jam 25 menit"),
    ("1 jam 25 menit", "sekitar 1 jam 25 menit"),  # the text says "about", so does the answer
])
def test_a_span_that_cuts_a_duration_short_is_widened_to_the_whole_duration(span: str, value: str) -> None:
    answer = ask("Berapa lama pertemuan itu?", {span: (8.0, 1.0)}, [chunk("d.txt", ARTICLE_D)])
    assert answer.found and answer.value == value and answer.text == f"{value[0].upper()}{value[1:]} [1]."
    [c] = answer.citations
    assert ARTICLE_D[c.span_start:c.span_end] == value
    english = ask("How long was the meeting?", {span: (8.0, 1.0)}, [chunk("d.txt", ARTICLE_D)])
    assert english.text == "About 1 hour 25 minutes [1]." and english.kind == "duration"


@pytest.mark.parametrize(("question", "span"), [
    ("Kapan pertemuan itu?", "September"),  # part of a date is coarser, not wrong
    ("Berapa lama makan malam?", "2 jam"),  # already whole
    ("Lebih dari satu jam, berapa menit?", "25"),  # a number alone answers a question naming the unit
    ("Berapa lama vonis terdakwa pertama?", "8 tahun"),  # "8 tahun dan 6 tahun" is a list, not a sum
])
def test_part_of_a_date_a_whole_duration_or_a_list_of_durations_is_left_as_read(question: str, span: str) -> None:
    assert ask(question, {span: (8.0, 1.0)}, [chunk("d.txt", ARTICLE_D)]).value == span


def test_values_from_an_english_article_are_shown_as_written() -> None:
    article = "About 4,500 residents left their homes on Monday, and the fire burned 8,200 hectares in 3.5 days."
    people = ask("How many people left their homes?", {"4,500 residents": (8.0, 1.0)}, [chunk("e.txt", article)])
    assert people.text == "About 4,500 residents [1]." and people.kind == "quantity"  # hedged as written
    area = ask("How large an area burned?", {"8,200 hectares": (8.0, 1.0)}, [chunk("e.txt", article)])
    assert area.text == "8,200 hectares [1]."
    # judged on all of the article's retrieved chunks: a headline alone has no function word
    headline = "Wildfire: 4,500 residents flee Riau villages"
    people = ask("How many residents fled?", {"4,500 residents": (8.0, 1.0)},
                 [chunk("e.txt", headline), Chunk("e.txt#1", article, {"article": "e.txt", "start": 60}, 0.5)])
    assert people.text == "4,500 residents [1]."  # read in the headline, which does not hedge
    # the same figures in an Indonesian article are said the English way
    indonesian = "Sekitar 4.500 warga mengungsi, dan kebakaran berlangsung 3,5 hari."
    days = ask("How long did the fire burn?", {"3,5 hari": (8.0, 1.0)}, [chunk("i.txt", indonesian)])
    assert days.text == "3.5 days [1]."

