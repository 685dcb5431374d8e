"""Typed values said in English for English questions, kept as written for Indonesian ones."""

from __future__ import annotations

import pytest

from qa.render import render
from qa.spans import Span, find_spans


@pytest.mark.parametrize(
    ("kind", "value", "qualifier", "english"),
    [
        ("duration", "1 jam 25 menit", "sekitar", "about 1 hour 25 minutes"),
        ("date", "Rabu, 4 Februari 2026", "", "Wednesday, 4 February 2026"),
        ("date", "Rabu (5/2/2026)", "", "Wednesday, 5 February 2026"),
        ("date", "tahun 2005", "", "2005"),
        ("quantity", "puluhan ribu pasukan", "", "tens of thousands of troops"),
        ("quantity", "49,07 detik", "", "49.07 seconds"),
        ("quantity", "181.549 ribu ton", "", "181,549 thousand ton"),
    ],
)
def test_english_rendering(kind: str, value: str, qualifier: str, english: str) -> None:
    span = Span(0, len(value), kind, value, qualifier)
    assert render(span, english=True) == english
    assert render(span, english=False) == f"{qualifier} {value}".strip()


def test_spans_in_a_seed_sentence() -> None:
    text = ("Asisten pemerintah Rusia, Yuri Ushakov, mengungkapkan bahwa pembicaraan antara Putin "
            "dan Xi berlangsung selama sekitar 1 jam 25 menit.")
    spans = {(s.kind, s.value) for s in find_spans(text, 0, len(text), set())}
    assert ("duration", "1 jam 25 menit") in spans and ("person", "Yuri Ushakov") in spans
    cued = [s for s in find_spans(text, 0, len(text), set()) if s.value == "Yuri Ushakov"]
    assert cued[0].cued  # the speaker of "mengungkapkan"


def test_anniversary_is_not_a_duration() -> None:
    text = "Panggilan itu diadakan menjelang peringatan empat tahun perang di Ukraina."
    assert not [s for s in find_spans(text, 0, len(text), set()) if s.kind == "duration"]
