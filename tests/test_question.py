"""Search words of questions: English words translated for BM25, names kept, follow-ups lent."""

import pytest

from qa.lexicon import translate_terms
from qa.question import parse_question


def test_english_search_words() -> None:
    groups = parse_question("What is the name of Japan's foreign affairs minister?").groups
    # one unit, "luar negeri", not "foreign" and "affairs" ("urusan") apart; a group per word
    assert ("luar",) in groups and ("neger",) in groups and not any("urus" in g for g in groups)
    assert not any("s" in g for g in groups)  # no possessive s
    groups = parse_question("Which company owns Air France?").groups
    assert any("air" in g and "udara" in g for g in groups)  # capitalised: maybe a name


def test_a_root_the_stemmer_mistakes_for_a_prefixed_word_also_counts_as_itself() -> None:
    groups = parse_question("Who chaired the committee?").groups
    assert any({"tua", "ketua"} <= set(group) for group in groups)  # "diketuai" stems to "ketua"


def test_a_name_keeps_its_spelling() -> None:
    # "Harry" borrowed as "hari" (day) would match nearly every article.
    groups = parse_question("What did Prince Harry say?").groups
    assert ("harry",) in groups and not any("hari" in g for g in groups)


def test_roman_numerals_that_spell_names_are_not_searched() -> None:
    assert translate_terms(["11th"]) == ["11"]
    assert "xvi" in translate_terms(["16th"])


def test_language_follows_the_question_or_the_conversation() -> None:
    assert parse_question("How long was the call?").english
    assert not parse_question("Berapa lama panggilan itu?").english
    assert parse_question("Yuri Ushakov?", "Who said the call lasted over an hour?").english


def test_a_follow_up_borrows_the_earlier_question_and_answer() -> None:
    question = parse_question("Kapan itu?", "Di mana Xi dan Putin bertemu?", "Beijing")
    assert ("beijing",) in question.reply and any("temu" in g for g in question.context)


def test_a_new_name_in_a_follow_up_replaces_the_earlier_names() -> None:
    question = parse_question("Lalu Xi?", "Apa kata Putin soal perdagangan?", "Putin menyebut kerja sama")
    assert ("xi",) in question.groups
    assert not any("putin" in g for g in question.context) and question.reply == ()
    assert any("dagang" in g for g in question.context)  # the topic stays


@pytest.mark.parametrize(("question", "follows"), [
    ("How did he respond?", True),
    ("Who said that?", True),
    ("And Xi?", True),
    ("Tensions between which country and the US did they discuss?", True),  # a subject pronoun
    ("Apa jawaban Beijing atas tuduhan itu?", True),  # a demonstrative points back, names or not
    ("Bagaimana tanggapannya terhadap undangan itu?", True),
    ("What was its budget for the next year?", True),  # "its" with nobody named
    ("Where will Lumora open its new factory next spring?", False),  # it names its own subject
    ("What is the capital of the country that hosted the G20 summit?", False),
    ("Berapa harga minyak dunia hanya dalam sepekan terakhir di pasar Asia?", False),  # "hanya" is not -nya
    ("Apa itu energi terbarukan menurut para ahli?", False),  # "apa itu": what is
    ("Which agency monitors hurricanes in the Atlantic Ocean?", False),
])
def test_a_follow_up_is_told_from_a_question_that_stands_alone(question: str, follows: bool) -> None:
    from qa.bot import _context, is_follow_up

    assert is_follow_up(question) is follows
    history = [{"role": "user", "content": "Siapa wali kota Riverton?"},
               {"role": "assistant", "content": "Maria Santos [1]."}]
    assert _context(question, history) == (("Siapa wali kota Riverton?", "Maria Santos .") if follows else ("", ""))
