"""The articles folder managed from the page: safe names, checks before anything is written,
removal, and the signature the watcher compares."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.library import ArticleFolder, LibraryError, safe_name

ARTICLE = "Judul Berita Jembatan\n\nJembatan Selat Meridian dibuka pada 12 Mei 2026 oleh Gubernur Lestari Wulandari.\n"


@pytest.fixture()
def library(tmp_path: Path) -> ArticleFolder:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "first.txt").write_text(ARTICLE, encoding="utf-8")
    return ArticleFolder(folder)


def _upload(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / "uploads" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(("given", "safe"), [
    ("Berita Xi–Putin.HTML", "Berita_Xi_Putin.html"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\me\\Café au lait.md", "Cafe_au_lait.md"),
    ("___.txt", "article.txt"),
    ("<script>.docx", "script.docx"),
])
def test_names_are_made_safe(given: str, safe: str) -> None:
    assert safe_name(given) == safe


def test_an_article_is_added_under_a_safe_unique_name(library: ArticleFolder, tmp_path: Path) -> None:
    text = ARTICLE.replace("12 Mei", "11 Mei")
    added = library.add(_upload(tmp_path, "x", text), name="Jembatan Baru.TXT")
    assert added.name == "Jembatan_Baru.txt" and added.title == "Judul Berita Jembatan"
    assert (library.path / added.name).read_text(encoding="utf-8") == text
    other = ARTICLE.replace("12 Mei", "13 Mei")
    second = library.add(_upload(tmp_path, "y", other), name="Jembatan Baru.txt")
    assert second.name == "Jembatan_Baru-2.txt"  # another file of that name is never overwritten
    again = library.add(_upload(tmp_path, "z", text), name="Jembatan Baru.txt")
    assert again.name == "Jembatan_Baru.txt" and again.already  # the same bytes again: nothing written
    copy = library.add(_upload(tmp_path, "w", ARTICLE), name="salinan.txt")
    assert copy.name == "first.txt" and copy.already  # the same bytes under another name, too
    assert not added.already and not second.already
    assert sorted(p.name for p in library.path.iterdir()) == ["Jembatan_Baru-2.txt", "Jembatan_Baru.txt", "first.txt"]
    assert added.warning == ""


def test_an_article_read_as_windows_1252_says_so(library: ArticleFolder, tmp_path: Path) -> None:
    text = ARTICLE.replace("Judul", "Kafé Jum'at")
    added = library.add(_upload(tmp_path, "Kopi Jum'at.txt", text.encode("cp1252")))
    assert added.name == "Kopi_Jum_at.txt" and added.title == "Kafé Jum'at Berita Jembatan"
    assert added.warning == "not UTF-8, read as Windows-1252; re-save it as UTF-8 to be sure of its accents"


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("notes.exe", b"MZ\x90\x00", "not an article format; upload .txt"),
    ("empty.txt", b"", "empty"),
    ("binary.txt", bytes(range(256)) * 8, "binary"),
    ("broken.pdf", b"%PDF-1.4 not really", "re-export"),
])
def test_a_bad_file_gets_one_line_and_changes_nothing(library: ArticleFolder, tmp_path: Path,
                                                       name: str, data: bytes, reason: str) -> None:
    before = library.signature()
    with pytest.raises(LibraryError, match=reason) as info:
        library.add(_upload(tmp_path, name, data))
    assert "\n" not in str(info.value) and str(info.value).startswith(name)
    assert library.signature() == before


def test_an_upload_over_the_limit_is_refused(library: ArticleFolder, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(LibraryError, match="over the 0 MB limit|QA_MAX_UPLOAD_MB"):
        library.add(_upload(tmp_path, "big.txt", ARTICLE * 100))
    assert [p.name for p in library.path.iterdir()] == ["first.txt"]


def test_remove_deletes_only_a_named_article_and_never_the_last(library: ArticleFolder, tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="only article"):
        library.remove("first.txt")
    library.add(_upload(tmp_path, "second.txt", ARTICLE + "Tambahan.\n"))
    (library.path / ".gitignore").write_text("*\n")
    (library.path / "notes.json").write_text("{}")
    for bad in ("../first.txt", "missing.txt", "", ".gitignore", "notes.json"):
        with pytest.raises(LibraryError, match="no such article"):
            library.remove(bad)
    library.remove("first.txt")
    assert sorted(p.name for p in library.path.iterdir()) == [".gitignore", "notes.json", "second.txt"]


def test_the_signature_changes_with_any_visible_file(library: ArticleFolder) -> None:
    first = library.signature()
    assert first == library.signature()
    (library.path / ".hidden.txt").write_text("x")
    assert library.signature() == first
    target = library.path / "first.txt"
    target.write_text(ARTICLE + "Baru.\n", encoding="utf-8")
    os.utime(target, ns=(1, 1))
    changed = library.signature()
    assert changed != first
    (library.path / "new.md").write_text(ARTICLE)
    assert library.signature() != changed
