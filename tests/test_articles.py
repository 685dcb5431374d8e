"""Parsing: decoding, title, dateline, link boilerplate, and sentence chunks with exact offsets."""

from __future__ import annotations

import pytest

from index.articles import ArticleError, decode, parse
from index.chunks import MAX_CHARS, chunk_spans, split_sentences

from .conftest import SEEDS

KONTAN = (
    "Harga Minyak Naik Tajam\n\n"
    "KONTAN.CO.ID - JAKARTA. Harga minyak naik 5 persen pada Senin (3/2/2026). Kenaikan dipicu ketegangan.\n\n"
    "Baca Juga: Harga Emas Turun Lagi\n\n"
    "Analis memperkirakan harga terus naik. Dr. Budi Santoso dari Universitas Indonesia setuju.\n"
    "Selanjutnya: Rupiah Melemah\n"
    "Menarik Dibaca: Tips Investasi\n"
)


def test_title_dateline_and_link_lines() -> None:
    article = parse(KONTAN.encode(), "a.txt")
    assert article.title == "Harga Minyak Naik Tajam"
    assert (article.source, article.place) == ("KONTAN.CO.ID", "Jakarta")
    content = " ".join(article.text[s:e] for s, e in article.blocks)
    assert content.startswith("Harga minyak naik 5 persen")
    for dropped in ("Baca Juga", "Selanjutnya", "Menarik Dibaca", "KONTAN.CO.ID", "Harga Emas Turun"):
        assert dropped not in content


@pytest.mark.parametrize(("opening", "source", "place", "content"), [
    ("JAKARTA, KOMPAS.com - Presiden meresmikan pabrik baru.", "KOMPAS.com", "Jakarta", "Presiden"),
    ("Sichuan, Kompas - Gempa mengguncang wilayah itu.", "Kompas", "Sichuan", "Gempa"),
    ("Jakarta (ANTARA) - Harga cabai naik.", "ANTARA", "Jakarta", "Harga"),
    # An aside set off by dashes is running text, not a dateline.
    ("Menurut Reuters, Budi - direktur pabrik - mengatakan 300 orang bekerja.", "", "", "Menurut Reuters"),
    ("However, Xi - the leader of China - said so in a long speech.", "", "", "However"),
])
def test_a_dateline_is_taken_off_and_an_aside_is_not(opening: str, source: str, place: str, content: str) -> None:
    article = parse(f"Judul berita tentang pabrik\n\n{opening}\n".encode(), "a.txt")
    assert (article.source, article.place) == (source, place)
    assert article.text[article.blocks[0][0]:].startswith(content)


def test_utf8_with_one_broken_byte_keeps_its_other_accents() -> None:
    raw = "Kafé Jum'at di Tanjung\n\nWarga menggelar doa di kafé itu.".encode() + b" \xff Selesai.\n"
    text, warning = decode(raw, "a.txt")
    assert text == "Kafé Jum'at di Tanjung\n\nWarga menggelar doa di kafé itu. \ufffd Selesai.\n"
    assert warning == "a.txt: UTF-8 with 1 broken character, shown as \ufffd; re-save it as UTF-8 to mend them"
    latin = decode("Kafé Jum'at di Tanjung".encode("cp1252"), "b.txt")  # no UTF-8 at all: Windows-1252
    assert latin == ("Kafé Jum'at di Tanjung", "b.txt: not UTF-8, read as Windows-1252; re-save it as UTF-8 "
                     "to be sure of its accents")


def test_first_line_that_is_a_sentence_is_not_a_title() -> None:
    raw = (SEEDS / "000_23b6403ff7373a43.txt").read_bytes()
    article = parse(raw, "000.txt")
    assert article.title == "000" and not article.headline  # no headline: the file name, no extension
    assert article.blocks[0][0] == 0  # the first sentence is content, not a headline
    # Sub-headings are not content.
    content = " ".join(article.text[s:e] for s, e in article.blocks)
    assert "Xi Undang Putin ke China\n" not in content


def test_seed_with_headline_and_dateline() -> None:
    article = parse((SEEDS / "001_466ab87c043aefd1.txt").read_bytes(), "001.txt")
    assert article.title == "Xi Jinping dan Vladimir Putin Lakukan Panggilan Video, Ini Isinya"
    assert (article.source, article.place) == ("KONTAN.CO.ID", "Beijing")
    assert article.text[article.blocks[0][0] :].startswith("Presiden China Xi Jinping")


def test_bom_and_crlf_are_tolerated() -> None:
    raw = "\ufeffJudul Berita Hari Ini\r\n\r\nIsi berita pertama. Isi kedua.\r\n".encode()
    article = parse(raw, "bom.txt")
    assert article.title == "Judul Berita Hari Ini"
    assert "\r" not in article.text and not article.text.startswith("\ufeff")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_are_read_by_their_bom(codec: str) -> None:
    text = "Judul Berita Hari Ini\n\nKafé di Bandung dibuka pada 2025. Pemiliknya senang.\n"
    bom = {"utf-16-be": "\ufeff", "utf-32-be": "\ufeff"}.get(codec, "")
    article = parse((bom + text).encode(codec), "wide.txt")
    assert article.text == text and article.title == "Judul Berita Hari Ini" and not article.warning


def test_a_broken_utf16_file_gets_one_line() -> None:
    with pytest.raises(ArticleError, match=r"^odd\.txt: starts like UTF-16-LE but is not .*re-save it as UTF-8$"):
        parse(b"\xff\xfeA\x00B", "odd.txt")


def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces() -> None:
    long = " ".join(f"kata{i}" for i in range(400))  # 2,690 characters, no full stop
    raw = f"Judul Berita Hari Ini\n\nAwal berita. {long}\n\n{'x' * 2000} akhir.\n".encode()
    article = parse(raw, "long.txt")
    spans = chunk_spans(article)
    assert max(e - s for s, e in spans) <= MAX_CHARS and len(spans) >= 8
    pieces = [article.text[s:e] for s, e in spans]
    assert all(p == p.strip() for p in pieces)
    assert all(p.startswith(("Awal", "kata", "x")) for p in pieces)  # cut between words, not inside them
    assert " ".join(pieces).count("kata399") >= 1 and "x" * MAX_CHARS in pieces  # an unbroken run is cut at the limit


def test_latin1_is_read_with_a_warning() -> None:
    article = parse("Kafé di Bandung dibuka pada 2025. Pemiliknya senang.".encode("latin-1"), "l1.txt")
    assert "Kafé" in article.text
    assert "l1.txt" in article.warning and "UTF-8" in article.warning


@pytest.mark.parametrize(
    ("raw", "needle"),
    [(b"", "empty file"), (b"  \n\n ", "empty file"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
     (bytes(range(1, 32)) * 20, "binary file")],
)
def test_unreadable_files_get_one_line_errors(raw: bytes, needle: str) -> None:
    with pytest.raises(ArticleError) as info:
        parse(raw, "bad.txt")
    message = str(info.value)
    assert message.startswith("bad.txt: ") and needle in message and "\n" not in message


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = 'Dr. Budi tiba pukul 10.30 WIB. Ia berkata, "Kami siap." Lalu pergi.\nkata Budi kemudian.'
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "Dr. Budi tiba pukul 10.30 WIB.",
        'Ia berkata, "Kami siap."',
        "Lalu pergi.\nkata Budi kemudian.",
    ]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_chunk_offsets_are_exact_and_overlap(path) -> None:  # type: ignore[no-untyped-def]
    article = parse(path.read_bytes(), path.name)
    spans = chunk_spans(article)
    assert len(spans) >= 4
    text = path.read_text(encoding="utf-8-sig")
    assert text == article.text
    for start, end in spans:
        chunk = text[start:end]
        assert chunk == chunk.strip() and chunk
        assert "Baca Juga" not in chunk and "Selanjutnya:" not in chunk
    # Consecutive chunks of a block share a sentence.
    assert any(a_end > b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))


def test_headline_only_article_is_its_own_body() -> None:
    article = parse(b"Harga Emas Naik Tajam Hari Ini\n", "short.txt")
    assert not article.headline
    assert [article.text[s:e] for s, e in article.blocks] == ["Harga Emas Naik Tajam Hari Ini"]
    with pytest.raises(ArticleError, match="only headings or links"):
        parse(b"Baca Juga: Berita Lain\n", "links.txt")
