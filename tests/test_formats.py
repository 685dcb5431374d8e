"""Articles in every common format: the tests write .md, .html, .pdf and .docx files themselves,
index them with a .txt article and a file that is no article, and ask about each."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from index.articles import ArticleError, read_article
from index.formats import html_main_text
from index.store import Store

from .conftest import ANSWER_ARTICLE, SEEDS

HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Jembatan Riverton - Kabar</title>
<script>var q = "Siapa wali kota Riverton? Jawabannya Tono";</script><style>p {color: red}</style></head>
<body><nav><a href="/">Beranda</a> | <a href="/politik">Politik</a></nav>
<header>Kabar Harian &mdash; edisi Senin</header>
<article><h1>Jembatan Baru Riverton Dibuka</h1>
<p>Wali kota Riverton, Maria Santos, meresmikan jembatan baru di atas Sungai Kelam pada hari Senin.</p>
<p>Jembatan sepanjang 1,4 kilometer itu memiliki enam lajur dan dibangun selama tiga tahun.</p></article>
<aside>Baca juga: harga cabai naik</aside><footer>&copy; 2026 Kabar</footer></body></html>"""
MARKDOWN = """# Festival Layang-layang Parangtritis

Festival layang-layang tahunan di Pantai Parangtritis diikuti **400 peserta** dari 12 negara.

Panitia menyebut angin kencang membuat festival tahun ini paling meriah.
"""
PDF_LINES = [
    "Garuda Muda Juara Piala Nusantara",
    "Kapten tim Garuda Muda, Budi Hartono, mencetak dua gol pada laga final hari Minggu.",
    "Pelatih tim itu memuji semangat para pemain muda.",
]
DOCX_PARAGRAPHS = [
    "Pabrik Kopi Arumdalu Dibuka",
    "Perusahaan kopi Arumdalu membuka pabrik baru di Malang yang mempekerjakan 250 pekerja.",
    "Pabrik itu mampu mengolah sepuluh ton biji kopi setiap hari.",
]


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer: each line drawn in Helvetica."""
    content = "BT /F1 11 Tf 40 760 Td 16 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    """A minimal Word document: one w:p per paragraph."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {ns}><w:body>{body}</w:body></w:document>')
    return path


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with an article in each format, a file that is no article and a broken PDF."""
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copy(SEEDS / ANSWER_ARTICLE, folder / ANSWER_ARTICLE)
    (folder / "festival.MD").write_text(MARKDOWN, encoding="utf-8")
    (folder / "riverton.html").write_text(HTML, encoding="utf-8")
    (folder / "garuda.pdf").write_bytes(make_pdf(PDF_LINES))
    make_docx(folder / "arumdalu.docx", DOCX_PARAGRAPHS)
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf")
    return folder


@pytest.fixture(scope="module")
def mixed_bot(mixed: Path, tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    from qa import Bot

    return Bot.from_articles(mixed, persist_dir=tmp_path_factory.mktemp("mixed-index"), embedder=embedder)


def test_html_keeps_the_article_and_drops_scripts_and_navigation() -> None:
    text = html_main_text(HTML)
    assert text.startswith("Jembatan Baru Riverton Dibuka\n\nWali kota Riverton, Maria Santos")
    for gone in ("var q", "Beranda", "Kabar Harian", "Baca juga", "2026 Kabar", "color: red"):
        assert gone not in text


def test_html_keeps_the_text_a_container_holds_beside_its_inner_blocks() -> None:
    page = ("<html><body><h1>Jembatan Baru Dibuka</h1><div>Jembatan dibuka pada hari <b>Senin</b>.<br>"
            "Panjangnya 1,4 kilometer.<div class='ad'>Iklan</div>Biayanya 2 triliun rupiah.</div>"
            "<p>Foto: jembatan baru.</p><!-- komentar --></body></html>")
    assert html_main_text(page).split("\n\n") == [
        "Jembatan Baru Dibuka", "Jembatan dibuka pada hari Senin.", "Panjangnya 1,4 kilometer.", "Iklan",
        "Biayanya 2 triliun rupiah.", "Foto: jembatan baru."]


def test_the_build_summary_names_every_files_fate(mixed_bot) -> None:  # type: ignore[no-untyped-def]
    report = mixed_bot.report
    assert sorted(report.added) == sorted([ANSWER_ARTICLE, "festival.MD", "riverton.html", "garuda.pdf", "arumdalu.docx"])
    skipped = "\n".join(report.skipped)
    assert len(report.skipped) == 2
    assert "photo.png: not an article format; save it as .txt, .md, .html, .pdf or .docx" in skipped
    assert "broken.pdf: cannot be read as PDF (" in skipped and "\n" not in report.skipped[1]
    assert "2 skipped" in report.summary()


@pytest.mark.parametrize(("question", "article", "expected"), [
    ("Siapa wali kota Riverton?", "riverton.html", "Maria Santos"),
    ("Siapa kapten tim Garuda Muda?", "garuda.pdf", "Budi Hartono"),
    ("Berapa pekerja di pabrik baru Arumdalu?", "arumdalu.docx", "250"),
    ("Berapa peserta festival layang-layang di Parangtritis?", "festival.MD", "400"),
])
def test_answers_cite_each_format_with_verifiable_quotes(mixed_bot, question: str, article: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    answer = mixed_bot.ask(question)
    assert answer.found and expected in answer.text, answer.text
    first = answer.citations[0]
    assert first.article == article
    text = mixed_bot.store.article_text(article)
    assert text is not None and text[first.start:first.end] == first.quote
    assert text[first.span_start:first.span_end] == answer.value


def test_titles_come_from_each_formats_headline(mixed_bot) -> None:  # type: ignore[no-untyped-def]
    titles = mixed_bot.articles()
    assert titles["riverton.html"] == "Jembatan Baru Riverton Dibuka"
    assert titles["festival.MD"] == "Festival Layang-layang Parangtritis"
    assert titles["garuda.pdf"] == "Garuda Muda Juara Piala Nusantara"
    assert titles["arumdalu.docx"] == "Pabrik Kopi Arumdalu Dibuka"


def test_an_unchanged_extracted_article_is_not_read_again(mixed: Path, mixed_bot, embedder) -> None:  # type: ignore[no-untyped-def]
    report = Store(mixed_bot.store.persist_dir).sync(mixed, embedder)
    assert report.unchanged == 5 and not report.added and report.chunks_written == 0


def test_an_empty_pdf_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    path.write_bytes(make_pdf([]))
    with pytest.raises(ArticleError, match=r"^blank\.pdf: no text layer \(a scanned PDF\?\); save the article as \.txt or re-export it$"):
        read_article(path)
