"""The answer-typing experiment's model (bench/answer_types/): the shapes read off a span and
the learned p(shape | question)."""

from __future__ import annotations

import json
import math

import pytest

from bench.answer_types.answer_type import SHAPES, AnswerTypes, fit, shape, terms

PLACES = ["Surabaya", "Bandung", "Medan", "Makassar", "Semarang", "Palembang", "Manado", "Kupang", "Ambon",
          "Padang", "Malang", "Jayapura"]
THINGS = ["jembatan", "bandara", "stadion", "pelabuhan", "museum", "pasar", "terminal", "rumah sakit"]


def pairs(places: list[str]) -> tuple[list[str], list[str]]:
    """Questions of three kinds over made-up facts, each with a gold answer of its shape."""
    questions, answers = [], []
    for i, place in enumerate(places):
        for j, thing in enumerate(THINGS):
            n = i + j + 2
            questions += [f"Kapan {thing} di {place} dibuka?", f"Siapa yang membangun {thing} di {place}?",
                          f"Berapa lama {thing} di {place} dibangun?"]
            answers += [f"{n} Maret 20{10 + n}", f"Budi Santoso {place}", f"{n} tahun"]
    return questions, answers


@pytest.fixture(scope="module")
def learned() -> tuple[AnswerTypes, dict[str, float]]:
    questions, answers = pairs(PLACES[:9])
    valid_q, valid_a = pairs(PLACES[9:])
    return fit(questions, answers, valid_q, valid_a, "test")


def test_a_spans_shape_is_read_off_the_span() -> None:
    assert shape("sekitar 1 jam 25 menit") == "duration"
    assert shape("Senin, 3 Maret 2025") == "date" and shape("(5/2/2026)") == "date"
    assert shape("puluhan ribu pasukan") == "quantity" and shape("Rp 4,5 miliar") == "quantity"
    assert shape("1967 sampai 1998") == "numeric"  # a range is not one value
    assert shape("Kementerian Luar Negeri") == "name" and shape("Ukraina dan Eropa") == "name"
    assert shape("faktor penstabil") == "phrase" and shape("asisten pemerintah Rusia") == "phrase"
    assert set(SHAPES) == {"duration", "date", "quantity", "numeric", "name", "phrase"}


def test_a_questions_terms_are_its_words_and_word_pairs() -> None:
    assert terms("Berapa lama X-1 dibangun?") == ["berapa", "lama", "x-1", "dibangun", "berapa lama", "lama x-1",
                                                  "x-1 dibangun"]


def test_the_kind_of_answer_is_learned_from_the_questions_words(learned) -> None:  # type: ignore[no-untyped-def]
    types, report = learned
    # Unseen places and things: the question words alone carry the kind.
    for question, expected in [("Kapan gedung di Bogor dibuka?", "date"),
                               ("Siapa yang membangun gedung di Bogor?", "name"),
                               ("Berapa lama gedung di Bogor dibangun?", "duration")]:
        p = types.probabilities(question)
        assert max(p, key=p.get) == expected and p[expected] > 0.8, (question, p)
        assert math.isclose(sum(p.values()), 1.0)
    assert report["valid_accuracy"] == 1.0 and report["valid_majority_accuracy"] < 0.4
    assert report["C"] in (0.1, 0.3, 1.0, 3.0)
    # Shapes never seen in training get almost nothing.
    assert types.probabilities("Kapan gedung dibuka?")["phrase"] < 0.01


def test_the_model_round_trips_through_json(learned) -> None:  # type: ignore[no-untyped-def]
    types, _ = learned
    again = AnswerTypes.from_dict(json.loads(json.dumps(types.to_dict())))
    assert again is not None
    for question in ("Kapan gedung di Bogor dibuka?", "Siapa pemilik toko itu?"):
        a, b = types.probabilities(question), again.probabilities(question)
        assert all(abs(a[s] - b[s]) < 1e-3 for s in SHAPES)
    stale = {**types.to_dict(), "shapes": ["date", "name"]}
    assert AnswerTypes.from_dict(stale) is None
