"""Question typing and search words for English questions."""

import pytest

from qa.lexicon import translate_terms
from qa.question import answer_type, parse_question


@pytest.mark.parametrize(
    ("question", "kind", "head"),
    [
        ("What is the name of the party that won the election?", "organization", "partai"),
        ("What is the name of the health minister?", "person", "menteri"),
        ("What type of aircraft crashed?", "name", "pesawat"),
        ("Which lake is the largest in Asia?", "location", "danau"),
        ("Which of the coach's players scored twice?", "person", "pemain"),
        ("Which Jakarta university lecturer won the award?", "person", "dosen"),
        ("What is the capital of Japan?", "location", "kota"),
        ("What is the purpose of the visit?", "other", ""),
        ("What is the name given to the ship that sank?", "other", ""),
        ("What is the festival that opens the season called?", "name", "festival"),
        ("How many soldiers were wounded?", "quantity", "tentara"),
        ("What is the name of the president's son?", "person", "putra"),  # the possessed noun
        ("Which company's shares fell the most?", "organization", "perusahaan"),
        ("Which party's leader resigned?", "organization", "partai"),  # the possessor is asked
    ],
)
def test_english_head_noun_sets_the_answer_type(question: str, kind: str, head: str) -> None:
    parsed = parse_question(question)
    assert (parsed.kind, parsed.head) == (kind, head)


def test_english_measure_questions_ask_for_a_quantity() -> None:
    assert answer_type("What is the area of the park?") == "quantity"
    assert answer_type("What was the current price of rice?") == "quantity"
    assert answer_type("How high is the volcano now?") == "quantity"
    assert answer_type("How old is the president?") == "quantity"


def test_when_asks_for_a_date_only_as_the_question_word() -> None:
    assert answer_type("When did the war end?") == "date"
    assert answer_type("According to the schedule, when will the talks resume?") == "date"
    assert answer_type("What was the city called when it was founded?") != "date"


def test_english_search_words() -> None:
    groups = parse_question("What is the name of Japan's foreign affairs minister?").groups
    # one unit, "luar negeri", not "foreign" and "affairs" ("urusan") apart; a group per word
    assert ("luar",) in groups and ("neger",) in groups and not any("urus" in g for g in groups)
    assert not any("s" in g or "sebut" in g for g in groups)  # no possessive s, no "name"
    groups = parse_question("Which company owns Air France?").groups
    assert any("air" in g and "udara" in g for g in groups)  # capitalised: maybe a name


def test_a_root_the_stemmer_mistakes_for_a_prefixed_word_also_counts_as_itself() -> None:
    groups = parse_question("Who chaired the committee?").groups
    assert any({"tua", "ketua"} <= set(group) for group in groups)  # "diketuai" stems to "ketua"


def test_a_capitalised_first_word_of_an_answer_is_no_name() -> None:
    from qa.question import _reply_names

    assert _reply_names('Menyusun "rencana besar" .') == set()
    assert _reply_names("Xi .") == {"xi"}
    assert _reply_names("Yuri Ushakov .") == {"yuri", "ushakov"}
    assert _reply_names("Undangan itu disambut positif oleh Putin.") == {"putin"}


def test_a_name_keeps_its_spelling() -> None:
    # "Harry" borrowed as "hari" (day) would match nearly every article.
    groups = parse_question("What did Prince Harry say?").groups
    assert ("harry",) in groups and not any("hari" in g for g in groups)


def test_roman_numerals_that_spell_names_are_not_searched() -> None:
    assert translate_terms(["11th"]) == ["11"]
    assert "xvi" in translate_terms(["16th"])


def test_a_new_place_in_a_follow_up_replaces_the_earlier_place() -> None:
    # "Perancis" stems to "ancis": whether it is a place is read from the word, not its stem.
    question = parse_question("Lalu Perancis?", "Di mana Putin bertemu Xi?", "Beijing")
    assert question.replaced == {"beijing"}


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("Berapa orangkah pelukis yang ikut pameran itu?", "pelukis"),  # classifier, particle
        ("Berapa ekor kucing yang mati?", "kucing"),
        ("Berapa orang Indonesia yang tewas?", "orang"),  # a name follows: the classifier is counted
        ("Berapakah jumlah karyawan pabrik itu?", "karyawan"),
        ("Berapa tahunkah lamanya ia memimpin?", "tahun"),
        ("Berapa sekolah yang dibangun?", "sekolah"),  # "-lah" here is no particle
        ("Berapa jumlah naskah yang ditulisnya?", "naskah"),  # nor "-kah" here
    ],
)
def test_counted_noun_of_a_berapa_question(question: str, head: str) -> None:
    assert parse_question(question).head == head


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("Berapa panjang jembatan itu?", "length"),
        ("Berapakah luas lahan yang terbakar?", "area"),
        ("Berapa usia gedung itu?", "age"),
        ("Berapa besar bantuan yang diberikan?", "money"),
        ("Berapa hektar sawah yang rusak?", "area"),
        ("Berapa persen suara yang diraih?", "percent"),
        ("Berapa guru yang hadir?", ""),
        ("Topan itu mencapai kecepatan berapa?", "speed"),
        ("Berapakah dalam setahun luas hutan berkurang?", ""),  # "dalam" is "in" here
        ("How far is the village from the city?", "length"),
        ("How much did the new bridge cost?", "money"),
        ("How old is the temple?", "age"),
        ("How many soldiers were wounded?", ""),
    ],
)
def test_measure_a_quantity_question_asks_for(question: str, measure: str) -> None:
    assert parse_question(question).measure == measure


def test_jumlah_asks_for_a_number_only_without_another_question_word() -> None:
    assert answer_type("Siapakah yang mencatat jumlah wisatawan tahun lalu?") == "person"
    assert answer_type("Lembaga apakah yang menghitung jumlah penduduk?") == "organization"
    assert answer_type("Jumlah korban gempa itu?") == "quantity"
