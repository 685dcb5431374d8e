import pytest

from qa.lexicon import (
    DEFAULT_LEXICON,
    EN_STOPWORDS,
    MAX_PHRASE_WORDS,
    NEWS_LEXICON,
    OVERRIDES,
    english_units,
    load_lexicon,
    loanword,
    looks_english,
    passive_forms,
    translate_terms,
    translation_groups,
)


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("How long was the call?", True),
        ("Berapa lama pembicaraan Putin dan Xi berlangsung?", False),
        ("Who is Yuri Ushakov?", True),
        ("Siapa Yuri Ushakov?", False),
        ("Kapan panggilan video itu?", False),
        ("When did Xi and Putin last meet in person?", True),
    ],
)
def test_looks_english(question: str, english: bool) -> None:
    assert looks_english(question) is english


def test_translates_question_and_drops_stopwords() -> None:
    terms = translate_terms(["how", "long", "was", "the", "call"])
    assert {"lama", "panggilan"} <= set(terms)
    assert not {"how", "was", "the"} & set(terms)


def test_inflected_forms_find_headword() -> None:
    assert "meeting" in load_lexicon()
    assert translate_terms(["meetings"]) == translate_terms(["meeting"])
    assert "meetings" not in translate_terms(["meetings"])
    assert "bertemu" in translate_terms(["met"])
    assert "undang" in translate_terms(["invited"])
    assert "negara" in translate_terms(["countries"])
    assert "dikutip" in translate_terms(["quoted"])
    assert "menit" in translate_terms(["minutes"])


def test_unknown_words_pass_through() -> None:
    assert translate_terms(["who", "is", "ushakov"]) == ["ushakov"]
    assert "2024" in translate_terms(["in", "2024"])
    assert "putin" in translate_terms(["Putin's", "aide"])


def test_indonesian_input_is_untouched() -> None:
    words = ["Siapa", "Yuri", "Ushakov"]
    assert translate_terms(words) == words


def test_lexicon_file_starts_with_attribution() -> None:
    head = DEFAULT_LEXICON.read_text(encoding="utf-8").splitlines()[:7]
    assert all(line.startswith("#") for line in head)
    text = "\n".join(head)
    assert "FreeDict" in text and "dict-freedict-eng-ind" in text
    assert "CC BY-SA 3.0" in text and "creativecommons.org/licenses/by-sa/3.0" in text
    assert load_lexicon()["war"] == ("perang",)


def test_news_vocabulary_resolves() -> None:
    assert {"menemukan", "ditemukan"} & set(translate_terms(["discovered"]))
    assert translate_terms(["Philippine"]) == ["filipina"]
    assert "kilometer" in translate_terms(["kilometers"])
    assert "belanda" in translate_terms(["Dutch"])
    assert "terbesar" in translate_terms(["largest"])
    assert "nelayan" in translate_terms(["fishermen"])
    assert "melarikan" in translate_terms(["fled"])


def test_news_vocabulary_file_is_sorted_and_curated_first() -> None:
    assert NEWS_LEXICON.read_text(encoding="utf-8").startswith("#")
    news = load_lexicon(NEWS_LEXICON)
    assert list(news) == sorted(news) and len(news) >= 900
    assert all(0 < len(translations) <= 5 for translations in news.values())
    assert not set(news) & EN_STOPWORDS
    assert translate_terms(["building"])[0] == "gedung"  # the exact headword beats "build"
    assert translate_terms(["moscow"]) == list(OVERRIDES["moscow"])  # overrides come first


def test_derived_and_ordinal_forms_find_headword() -> None:
    assert "besar" in translate_terms(["largely"])  # -ly: large
    assert "baru" in translate_terms(["newly"])
    assert "khusus" in translate_terms(["specially"])
    assert translate_terms(["62nd"]) == ["62", "lxii"]  # "Festival ke-62", "Kejuaraan Asia LXII"
    assert translate_terms(["16th"]) == ["16", "xvi"]
    assert translate_terms(["1st", "5th"]) == ["1", "5"]  # no one-letter numerals


def test_unknown_learned_words_also_try_their_borrowed_spelling() -> None:
    assert loanword("sensitive") == "sensitif"
    assert loanword("reunification") == "reunifikasi"
    assert loanword("cytokine") == "sitokin"
    assert loanword("efficient") == "efisien"  # "c" before the suffix's "i" reads as "s"
    assert loanword("democracy") == "demokrasi"
    assert loanword("ushakov") == ""  # names keep their spelling
    assert translate_terms(["cytokines"]) == ["cytokines", "sitokin"]
    assert translate_terms(["ushakov"]) == ["ushakov"]


def test_multiword_expressions_translate_as_one_unit() -> None:
    units = english_units(["the", "foreign", "affairs", "ministry"])
    assert units == ["the", "foreign affairs", "ministry"]
    assert english_units(["carried", "out"]) == ["carry out"]  # inflected words still match
    assert english_units(["power", "plants"]) == ["power plant"]
    assert english_units(["power", "of"]) == ["power", "of"]
    assert translate_terms(["foreign affairs"]) == ["luar", "negeri"]
    assert "sekjen" in translate_terms(english_units(["secretary", "general"]))
    assert "sumbar" in translate_terms(english_units(["west", "sumatra"]))


def test_news_vocabulary_phrases_are_read_as_one_unit() -> None:
    news = load_lexicon(NEWS_LEXICON)
    phrases = [headword for headword in news if " " in headword]
    assert phrases and all(len(p.split()) <= MAX_PHRASE_WORDS for p in phrases)
    assert [p for p in phrases if english_units(p.split()) != [p]] == []


def test_active_verbs_bring_their_passive() -> None:
    assert passive_forms("menyerang")[0] == "diserang"
    assert "dikelola" in passive_forms("mengelola")
    assert "disahkan" in passive_forms("mengesahkan")
    assert passive_forms("membangun") == ["dibangun"]
    assert passive_forms("menteri") == [] and passive_forms("media") == []
    assert {"mengelola", "dikelola"} <= set(translate_terms(["manage"]))


def test_hyphenated_translations_become_words() -> None:
    assert translate_terms(["lung"]) == ["paru"]  # "paru-paru" is two tokens of "paru"


def test_a_phrase_of_several_words_gives_a_group_per_translated_word() -> None:
    assert translation_groups("national park") == [["taman"], ["nasional"]]
    secretary_general = [["sekretaris", "sekjen"], ["jenderal", "sekjen"]]
    assert translation_groups("secretary general") == secretary_general
    assert translation_groups("carry out")[0][:2] == ["melakukan", "dilakukan"]  # one content word
    assert len(translation_groups("capital")) == 1
