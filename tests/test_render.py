"""Answer spans read as typed values, said in English for English questions."""

from __future__ import annotations

import pytest

from qa.render import render
from qa.values import Value, typed


@pytest.mark.parametrize(
    ("span", "kind", "english"),
    [
        ("sekitar 1 jam 25 menit", "duration", "about 1 hour 25 minutes"),
        ("Rabu, 4 Februari 2026", "date", "Wednesday, 4 February 2026"),
        ("Rabu (5/2/2026)", "date", "Wednesday, 5 February 2026"),
        ("tahun 2005", "date", "2005"),
        ("puluhan ribu pasukan", "quantity", "tens of thousands of troops"),
        ("49,07 detik", "duration", "49.07 seconds"),
        ("181.549 ribu ton", "quantity", "181,549 thousand ton"),
        ("Rusia", "other", "Russia"),
        ("Yuri Ushakov", "other", "Yuri Ushakov"),
        ("Ukraina dan Eropa", "other", "Ukraine and Europe"),
        ("AS", "other", "US"),
        ("KTT", "other", "Summit"),  # an abbreviation said as a word is not shouted
        ("juru bicara", "other", "spokesman"),
        ("1 jam dan 25 menit", "duration", "1 hour and 25 minutes"),
        # modifiers follow the head in Indonesian: word by word would say "Government Russia"
        ("pemerintah Rusia", "other", "pemerintah Rusia"),
    ],
)
def test_english_rendering(span: str, kind: str, english: str) -> None:
    value = typed(span)
    assert value.kind == kind
    assert render(value, english=True) == english
    assert render(value, english=False) == (span if "/" not in span else "Rabu, 5 Februari 2026")


@pytest.mark.parametrize(("span", "indonesian", "english"), [
    ("(5/2/2026)", "5 Februari 2026", "5 February 2026"),
    ("Rabu (5/2/2026)", "Rabu, 5 Februari 2026", "Wednesday, 5 February 2026"),
    ("12/31/2020", "12/31/2020", "12/31/2020"),  # not day/month/year: as written
    ("September 2025", "September 2025", "September 2025"),
])
def test_a_date_written_with_slashes_is_said_in_words(span: str, indonesian: str, english: str) -> None:
    value = typed(span)
    assert value.kind == "date"
    assert (render(value, english=False), render(value, english=True)) == (indonesian, english)


def test_a_span_only_partly_typed_is_other() -> None:
    assert typed("rapat pada 4 Februari 2026").kind == "other"
    assert typed("4 Februari 2026.") == Value("date", "4 Februari 2026")


def test_long_spans_are_not_translated_word_by_word() -> None:
    assert render(typed("kerja sama Rusia dan China di bidang energi"), english=True) == (
        "kerja sama Rusia dan China di bidang energi")
