"""The saved BM25 index: a restart loads it instead of reading every chunk back from Chroma, a
sync that changes the index makes it stale, and an unsettled or damaged copy is never used."""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
from pathlib import Path

import pytest

from qa import Bot
from qa.retrieve import LexicalIndex

from .conftest import ANSWER, ASK


def _saved(bot: Bot) -> list[Path]:
    root = LexicalIndex.folder(bot.store)
    return sorted(p for p in root.iterdir() if p.name.startswith("g")) if root.is_dir() else []


def test_a_restart_loads_the_saved_bm25_and_answers_the_same(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    first = Bot.from_articles(folder, persist_dir=index, embedder=embedder)
    assert first.retriever.loaded_from == "chroma"
    saved = _saved(first)
    assert len(saved) == 1 and saved[0].name == f"g{first.retriever.generation}-" + saved[0].name.split("-", 1)[1]
    expected = first.ask(ASK)

    again = Bot.from_index(index, embedder=embedder)
    assert again.retriever.loaded_from == str(saved[0])
    assert again.retriever.ids == first.retriever.ids
    answer = again.ask(ASK)
    assert ANSWER in answer.text and answer.to_dict() == expected.to_dict()


def test_a_sync_that_changes_the_index_replaces_the_saved_copy(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    first = Bot.from_articles(folder, persist_dir=index, embedder=embedder)
    old = _saved(first)
    (folder / "extra.txt").write_text("Menteri Luar Negeri Sugiono bertemu Wang Yi di Jakarta pada Senin.\n",
                                      encoding="utf-8")
    second = Bot.from_articles(folder, persist_dir=index, embedder=embedder)
    assert second.retriever.loaded_from == "chroma"  # the old copy is of an earlier generation
    assert second.retriever.generation > first.retriever.generation
    new = _saved(second)
    assert len(new) == 1 and new != old and not old[0].exists()
    assert any(cid.startswith("extra.txt#") for cid in second.retriever.ids)
    # The bot that was already running sees the change at its next question.
    assert "Sugiono" in first.ask("Siapa yang bertemu Wang Yi di Jakarta?").text
    assert first.retriever.ids == second.retriever.ids


def test_nothing_is_saved_while_a_writer_holds_the_index(folder: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    bot = Bot.from_articles(folder, persist_dir=index, embedder=embedder)
    shutil.rmtree(LexicalIndex.folder(bot.store))
    with open(bot.store.lock_path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a writer (another open file: flock does not nest)
        reading = Bot.from_index(index, embedder=embedder)
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert reading.retriever.loaded_from == "chroma" and _saved(reading) == []
    assert ANSWER in reading.ask(ASK).text
    settled = Bot.from_index(index, embedder=embedder)
    assert settled.retriever.loaded_from == "chroma" and len(_saved(settled)) == 1


@pytest.mark.parametrize("damage", ["key", "ids", "weights", "stale"])
def test_a_damaged_saved_copy_is_rebuilt(damage: str, folder: Path, tmp_path: Path, embedder,
                                          caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    bot = Bot.from_articles(folder, persist_dir=index, embedder=embedder)
    [saved] = _saved(bot)
    if damage == "key":
        key = json.loads((saved / "key.json").read_text())
        (saved / "key.json").write_text(json.dumps({**key, "collection": "another"}))
    elif damage == "ids":
        (saved / "ids.json").write_text("[\"trunc")
    elif damage == "weights":
        for f in (saved / "bm25").iterdir():
            f.write_bytes(b"\0not an array")
    else:  # a copy of the same generation number that holds other chunks (a restored folder)
        ids = json.loads((saved / "ids.json").read_text())
        (saved / "ids.json").write_text(json.dumps(ids[:-1]))
    with caplog.at_level(logging.WARNING, logger="qa.retrieve"):
        again = Bot.from_index(index, embedder=embedder)
    assert again.retriever.loaded_from == "chroma"
    assert damage in ("key", "stale") or any("could not be read" in r.getMessage() for r in caplog.records)
    assert ANSWER in again.ask(ASK).text
    assert Bot.from_index(index, embedder=embedder).retriever.loaded_from != "chroma"  # saved anew
