"""Span finding inside one sentence: question-sentence alignment and name boundaries."""

from __future__ import annotations

import pytest

from qa.align import bordering, gap
from qa.question import parse_question
from qa.spans import find_spans
from qa.text import stem


def _stems(question: str) -> set[str]:
    return {t for g in parse_question(question).groups for t in g}


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The asked-about noun comes right before the answer.
        ("Obat apakah yang diandalkan untuk flu burung?",
         "Sedang obat oseltamivir yang selama ini diandalkan untuk flu burung mulai langka.", "oseltamivir"),
        # The question word sits between question words, and so does the answer.
        ("Sitokin bisa mengubah oksigen menjadi apa yang meracuni sel?",
         "Kenaikan itu berbahaya karena sitokin bisa mengubah oksigen menjadi peroksida yang meracuni sel.",
         "peroksida"),
        # A noun phrase ends where a verb starts.
        ("Pohon apakah yang akan ditanam di hutan Tangketada?",
         "Di hutan Tangketada, pohon kelapa sawit akan ditanam mulai tahun depan.", "kelapa sawit"),
    ],
)
def test_gap_between_question_words(question: str, sentence: str, expected: str) -> None:
    parsed = parse_question(question)
    span, score = gap(_stems(question), parsed.head, sentence, 0, len(sentence))
    assert span is not None and span.value == expected
    assert sentence[span.start : span.end] == expected
    assert score >= 2


def test_no_gap_without_bordering_question_words() -> None:
    sentence = "Cuaca cerah sepanjang hari di pesisir."
    span, score = gap(_stems("Siapa menteri keuangan Inggris?"), "", sentence, 0, len(sentence))
    assert span is None and score == 0


def test_gap_offsets_are_article_offsets() -> None:
    article = "Judul berita.\nSedang obat oseltamivir yang diandalkan mulai langka."
    start = article.index("Sedang")
    span, _ = gap(_stems("Obat apakah yang diandalkan?"), "obat", article, start, len(article))
    assert span is not None and article[span.start : span.end] == "oseltamivir"


def test_bordering_prefers_the_name_next_to_the_question_words() -> None:
    sentence = "Rapat dihadiri Wakil Presiden Jusuf Kalla dan Gubernur Bank Indonesia Burhanuddin Abdullah."
    score = bordering(_stems("Siapa Gubernur Bank Indonesia?"), "", sentence, 0, len(sentence))
    kalla, abdullah = sentence.index("Jusuf Kalla"), sentence.index("Burhanuddin Abdullah")
    assert score(abdullah, abdullah + len("Burhanuddin Abdullah")) > score(kalla, kalla + len("Jusuf Kalla"))


@pytest.mark.parametrize(
    ("sentence", "kind", "value"),
    [
        ("Hasil riset Badan Pengkajian dan Penerapan Teknologi (BPPT) menunjukkan itu.",
         "organization", "Badan Pengkajian dan Penerapan Teknologi (BPPT)"),
        ("Demikian Bill Emmott dalam bukunya.", "person", "Bill Emmott"),
    ],
)
def test_name_boundaries(sentence: str, kind: str, value: str) -> None:
    spans = [(s.kind, s.value) for s in find_spans(sentence, 0, len(sentence), set())]
    assert (kind, value) in spans


def test_people_joined_by_dan_stay_apart() -> None:
    sentence = "Pembicaraan antara Putin dan Xi berlangsung lama."
    assert [s.value for s in find_spans(sentence, 0, len(sentence), set())] == ["Putin", "Xi"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hewan apakah yang memiliki nama latin Helarctos malayanus?", "beruang madu"),
        ("Apa nama latin beruang madu?", "Helarctos malayanus"),
    ],
)
def test_bracketed_apposition_answers_from_the_other_side(question: str, expected: str) -> None:
    sentence = "Dua hewan dilindungi, yakni beruang madu (Helarctos malayanus) dan kijang, mati."
    parsed = parse_question(question)
    span, _ = gap(_stems(question), parsed.head, sentence, 0, len(sentence))
    assert span is not None and span.value == expected



def test_hyphenated_question_word_is_matched_in_the_sentence() -> None:
    # "ubur-ubur" in the sentence is the question's "Ubur-ubur", not part of the answer.
    question = "Ubur-ubur apakah yang ditemukan di Teluk Jakarta?"
    sentence = "Peneliti menemukan ubur-ubur Aurelia di Teluk Jakarta."
    span, _ = gap(_stems(question), parse_question(question).head, sentence, 0, len(sentence))
    assert span is not None and span.value == "Aurelia"


def _answer(question: str, sentence: str) -> str | None:
    """The value the answer stage picks from one sentence."""
    from qa.answer import _pick_span

    span, _ = _pick_span(parse_question(question), sentence, 0, len(sentence))
    return span.value if span else None


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The asked role leads up to the name through a title and a comma.
        ("Siapa Kepala Badan Antariksa?",
         "Hal itu dikatakan Kepala Badan Antariksa, Prof Dr Budi Santoso, kepada Menteri Riset Anton Wijaya.",
         "Budi Santoso"),
        # ... and beats the name the role follows after a comma.
        ("Siapakah Menteri Koordinator Perekonomian sekarang?",
         "Hadir Wakil Presiden Andi Kusuma, Menteri Koordinator Perekonomian Rudi Hartono, dan Gubernur Jambi.",
         "Rudi Hartono"),
        # A bracketed acronym between the role and the name is looked through.
        ("Siapakah Direktur Jenderal Lembaga Riset Padi Dunia (LRPD)?",
         "Demikian dikemukakan Direktur Jenderal Lembaga Riset Padi Dunia (LRPD) Robert Miller dalam "
         "Konferensi Padi Dunia di Tabanan.",
         "Robert Miller"),
        # "di Sleman" cues a place, which is no answer to "who".
        ("Siapa Menteri Perindustrian Indonesia?",
         "Di Sleman, Menteri Perindustrian Bambang Wirawan meminta pabrik menghemat listrik.",
         "Bambang Wirawan"),
    ],
)
def test_role_leads_up_to_the_name(question: str, sentence: str, expected: str) -> None:
    assert _answer(question, sentence) == expected


def test_role_of_a_who_question() -> None:
    assert parse_question("Siapakah Kepala Balai sekarang?").role == ((stem("kepala"),), (stem("balai"),))
    assert parse_question("Siapakah yang menjuarai lomba itu?").role == ()


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The asked noun opens the name ("Departemen apakah ..." -> "Departemen Keuangan"), and
        # the full name the question gives is cut from its end.
        ("Sekretaris Jenderal Departemen apakah Budi Santoso?",
         "Hadir Menteri Sekretaris Negara Anton Wijaya dan Sekretaris Jenderal Departemen Keuangan Budi Santoso.",
         "Departemen Keuangan"),
        # Where someone serves: what the title names before their name.
        ("Di kabupaten manakah, H Rahmat Hidayat menjabat sebagai bupati?",
         "Sementara itu, Bupati Lembata H Rahmat Hidayat mengatakan proyek itu menjanjikan.", "Lembata"),
    ],
)
def test_post_before_a_given_name(question: str, sentence: str, expected: str) -> None:
    assert _answer(question, sentence) == expected


def test_a_marker_before_a_given_name_is_part_of_it() -> None:
    sentence = "Pesawat itu diparkir di apron Bandara Sultan Iskandar Muda, Banda Aceh."
    assert _answer("Di kota manakah terletak Bandar Udara Sultan Iskandar Muda?", sentence) == "Banda Aceh"


def test_a_group_noun_before_a_name_makes_it_an_organisation() -> None:
    sentence = "Sejak itu kelompok pemberontak Maju Bersama menguasai wilayah utara."
    spans = find_spans(sentence, 0, len(sentence), set())
    assert [(s.kind, s.value) for s in spans] == [("organization", "Maju Bersama")]


def test_a_reference_number_closes_a_name() -> None:
    sentence = "Aturan itu tertuang dalam keputusan Menteri Pertanian RI No 12 tahun 2001."
    spans = [(s.kind, s.value) for s in find_spans(sentence, 0, len(sentence), set())]
    assert not any(v.endswith((" No", " No 12")) for _, v in spans)
    assert ("duration", "12 tahun") in spans and ("quantity", "2001") in spans


@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        # A verb or a counted noun after a currency amount or a percentage is no unit.
        ("Harga turun dari Rp 5.700 menjadi Rp 5.400 kemarin.", ["Rp 5.700", "Rp 5.400"]),
        ("Sebanyak 94 persen dipegang investor lokal.", ["94 persen"]),
        # Units per something, squared units, the dollar's country, ranges.
        ("Pabrik itu menghasilkan 1.500 liter per hari.", ["1.500 liter per hari"]),
        ("Luas kota itu 695 kilometer persegi.", ["695 kilometer persegi"]),
        ("Investasinya 600 juta dollar AS per tahun.", ["600 juta dollar AS per tahun"]),
        ("Biayanya Rp 4-5 juta per orang.", ["Rp 4-5 juta"]),
        # A number run into a word is no quantity; a stray space inside one is.
        ("Ia hadir pada 15th Conference dengan kapasitas 19, 56 juta meter kubik.",
         ["19, 56 juta meter kubik"]),
    ],
)
def test_quantity_values(sentence: str, values: list[str]) -> None:
    spans = find_spans(sentence, 0, len(sentence), set())
    assert [s.value for s in spans if s.kind == "quantity"] == values
