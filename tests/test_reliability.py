"""The index survives kill -9 at any moment and two writers, and a running app sees an outside
build: real `python -m index build` processes, killed with SIGKILL at chosen points."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from index.articles import read_article
from index.store import Store

from .app_server import ROOT
from .conftest import SEEDS

ARTICLES = 12
BATCH = "8"  # chunks per write, so a build of about 130 chunks writes in many steps
_PROGRESS = re.compile(rb"(\d+)/(\d+) \[")


def make_articles(folder: Path, tail: str = "") -> Path:
    """ARTICLES articles built from a seed's paragraphs in rotated order, each a few chunks."""
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [p for p in (SEEDS / "000_23b6403ff7373a43.txt").read_text(encoding="utf-8").split("\n") if p.strip()][1:]
    for k in range(ARTICLES):
        body = paragraphs[k % len(paragraphs):] + paragraphs[: k % len(paragraphs)]
        text = f"Laporan nomor {k} dari Moskow\n\n" + "\n\n".join(body) + tail + "\n"
        (folder / f"a{k:02d}.txt").write_text(text, encoding="utf-8")
    return folder


def build(folder: Path, index: Path, model: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Start `python -m index build` with the tiny model, small writes and a progress bar."""
    env = {**os.environ, "QA_WRITE_BATCH": BATCH, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "index", "build", str(folder), "--persist-dir", str(index), "--model", str(model), *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def kill_at(process: subprocess.Popen[bytes], share: float, timeout: float = 120) -> bool:
    """SIGKILL `process` once its progress bar shows at least `share` of the chunks written;
    False when, at share 1.0, it finished before the signal could land."""
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += process.stderr.read() or b""
        done = [(int(a), int(b)) for a, b in _PROGRESS.findall(seen)]
        if done and done[-1][0] >= share * done[-1][1]:
            process.send_signal(signal.SIGKILL)
            return process.wait() == -signal.SIGKILL
        if process.poll() is not None:
            raise AssertionError(f"build ended before it was killed: {seen[-2000:]!r}")
        time.sleep(0.01)
    process.kill()
    raise AssertionError(f"no progress within {timeout} s: {seen[-2000:]!r}")


def finish(process: subprocess.Popen[bytes]) -> tuple[str, str]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode(), err.decode()


def snapshot(index: Path) -> tuple[set[str], dict[str, int]]:
    """Every chunk id in the index, and the chunk count per article."""
    ids = Store(index).collection().get(include=[])["ids"]
    return set(ids), dict(Counter(i.rsplit("#", 2)[0] for i in ids))


def assert_consistent(index: Path, folder: Path) -> int:
    """What readers see: each indexed article whole (as many chunks as its manifest says), and
    each chunk of an article's current version its text at the chunk's offsets. Returns how
    many articles are at their current version."""
    store = Store(index)
    manifest = store.manifest()
    current = {p.name: read_article(p) for p in folder.glob("*.txt")}
    seen: Counter[str] = Counter()
    for _, text, meta in store.iter_chunks():
        seen[meta["article"]] += 1
        article = current[meta["article"]]
        if meta["digest"] == article.digest:
            assert article.text[meta["start"]:meta["end"]] == text
    assert {name: m["chunks"] for name, m in manifest.items()} == dict(seen)
    return sum(current[name].digest == m["digest"] for name, m in manifest.items())


@pytest.fixture()
def clean(tmp_path: Path, tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    """The chunk set of an uninterrupted build of a folder."""
    def run(folder: Path) -> tuple[set[str], dict[str, int]]:
        index = tmp_path / f"clean-{time.monotonic_ns()}"
        finish(build(folder, index, tiny_model_dir, "--quiet"))
        return snapshot(index)
    return run


def test_kill_9_at_any_point_leaves_old_or_new_articles_and_a_rebuild_equals_a_clean_one(
    tmp_path: Path, tiny_model_dir: Path, clean
) -> None:  # type: ignore[no-untyped-def]
    folder, index = make_articles(tmp_path / "articles"), tmp_path / "index"
    # 1. During the first build.
    kill_at(build(folder, index, tiny_model_dir), 0.4)
    before = len(snapshot(index)[0])
    assert_consistent(index, folder)
    out, _ = finish(build(folder, index, tiny_model_dir, "--quiet"))
    added, unchanged = map(int, re.search(r"(\d+) added, 0 changed, 0 removed, (\d+) unchanged", out).groups())
    assert added + unchanged == ARTICLES and added and unchanged  # finished articles are kept
    expected = clean(folder)
    assert snapshot(index) == expected and 0 < before < len(expected[0])
    # 2. During a re-index of every article (each changed).
    make_articles(folder, tail="\n\nPembaruan: kedua pemimpin akan bertemu lagi tahun ini.")
    kill_at(build(folder, index, tiny_model_dir), 0.5)
    updated = assert_consistent(index, folder)
    assert len(Store(index).manifest()) == ARTICLES and 0 < updated < ARTICLES  # old or new, whole
    finish(build(folder, index, tiny_model_dir, "--quiet"))
    assert snapshot(index) == clean(folder)
    assert_consistent(index, folder)
    # 3. After the last write, while old versions are deleted.
    make_articles(folder, tail="\n\nKoreksi: pembicaraan berlangsung lewat panggilan video.")
    killed = kill_at(build(folder, index, tiny_model_dir), 1.0)
    assert assert_consistent(index, folder) == ARTICLES  # every new version was flipped in
    out, _ = finish(build(folder, index, tiny_model_dir, "--quiet"))
    assert "12 unchanged; 0 chunks embedded" in out
    if killed and "leftover" in out:  # the kill landed before the old versions were deleted
        assert re.search(r"; \d+ leftover chunks of an interrupted sync removed", out)
    assert snapshot(index) == clean(folder)
    assert_consistent(index, folder)


def test_two_writers_take_turns_and_the_index_ends_whole(tmp_path: Path, tiny_model_dir: Path, clean) -> None:  # type: ignore[no-untyped-def]
    first, second = make_articles(tmp_path / "one"), tmp_path / "two"
    second.mkdir()
    for path in SEEDS.glob("*.txt"):
        second.joinpath(path.name).write_bytes(path.read_bytes())
    index = tmp_path / "index"
    writer = build(first, index, tiny_model_dir)
    assert writer.stderr is not None
    os.set_blocking(writer.stderr.fileno(), False)
    seen = b""
    while not _PROGRESS.search(seen):  # the first writer is writing...
        seen += writer.stderr.read() or b""
        assert writer.poll() is None, seen.decode()[-2000:]
        time.sleep(0.01)
    writer.send_signal(signal.SIGSTOP)  # ...and stays in the middle of it while the second starts
    try:
        refused = build(second, index, tiny_model_dir, "--quiet", "--no-wait")
        _, err = refused.communicate(timeout=120)
        assert refused.returncode == 2
        assert re.fullmatch(rf"error: index at \S+ is being written by pid {writer.pid} on \S+ \(.*index build.*\) "
                            r"since [\d: -]+; wait for it to finish, or retry without --no-wait\n",
                            err.decode().splitlines(True)[-1])
        waiter = build(second, index, tiny_model_dir, "--quiet")
        assert waiter.stderr is not None
        os.set_blocking(waiter.stderr.fileno(), False)
        waited = b""
        while b"waiting for it to finish" not in waited:
            waited += waiter.stderr.read() or b""
            assert waiter.poll() is None, waited.decode()[-2000:]
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGCONT)
    assert f"is being written by pid {writer.pid}".encode() in waited
    os.set_blocking(writer.stderr.fileno(), True)
    os.set_blocking(waiter.stderr.fileno(), True)
    finish(writer)
    finish(waiter)
    assert snapshot(index) == clean(second)  # the later writer's folder, every article whole
    assert_consistent(index, second)


def test_a_lock_left_by_a_dead_writer_is_taken_over(tmp_path: Path, folder: Path, embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    import socket

    store = Store(tmp_path / "index")
    store.lock_path.write_text(f"pid 999999999 on {socket.gethostname()} (index build) since 2026-01-01 00:00:00\n")
    with caplog.at_level("INFO"):
        report = store.sync(folder, embedder, wait=False)
    assert len(report.added) == 2 and "no longer running" in caplog.text
    assert store.lock_path.read_text() == ""  # released, naming nobody


BRIDGE = (
    "Jembatan Baru Riverton Dibuka\n\n"
    "RIVERTON, Kabar.com - Wali kota Riverton, Maria Santos, meresmikan jembatan baru di atas "
    "Sungai Kelam pada hari Senin. Jembatan sepanjang 1,4 kilometer itu memiliki enam lajur dan "
    "dibangun selama tiga tahun. Biaya pembangunannya mencapai 2 triliun rupiah.\n"
)


def test_a_running_app_answers_from_an_outside_build_without_a_restart(tmp_path: Path) -> None:
    from gradio_client import Client

    from .app_server import running_app
    from .conftest import ANSWER, ASK

    with running_app(tmp_path, QA_QUEUE_SIZE="2") as url:
        client = Client(url, verbose=False)
        assert ANSWER in client.predict(ASK, api_name="/ask")["text"]
        # More requests than the queue holds: the extra ones are told at once, none hangs.
        from concurrent.futures import ThreadPoolExecutor

        from bench.serving import call

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(lambda _: call(url, "ask", [ASK, []], timeout=120), range(12)))
        full = [seconds for seconds, status in results if status != "ok"]
        assert full and all("queue_full" in status or "Queue is full" in status
                            for _, status in results if status != "ok"), results
        assert len(full) < 12 and max(full) < 5  # refused at once, not after a wait
        other = tmp_path / "other"
        other.mkdir()
        (other / "riverton.txt").write_text(BRIDGE, encoding="utf-8")
        out = subprocess.run(
            [sys.executable, "-m", "index", "build", str(other), "--persist-dir", str(tmp_path / "index"), "--quiet"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
        assert out.returncode == 0 and "1 added, 0 changed, 2 removed" in out.stdout, out.stderr[-2000:]
        answer = client.predict("Siapa wali kota Riverton?", api_name="/ask")
        assert answer["found"] and "Maria Santos" in answer["text"]
        assert {c["article"] for c in answer["citations"]} == {"riverton.txt"}
        quote = answer["citations"][0]
        assert BRIDGE[quote["start"]:quote["end"]] == quote["quote"]
        gone = client.predict(ASK, api_name="/ask")
        assert all(c["article"] == "riverton.txt" for c in gone["citations"]) and ANSWER not in gone["text"]


def test_two_threads_of_one_process_take_turns_at_the_lock(tmp_path: Path) -> None:
    import threading

    from index.lock import write_lock

    path, events = tmp_path / "index.lock", []
    inside = threading.Event()

    def writer(n: int) -> None:
        with write_lock(path, "the index"):
            events.append(("in", n))
            inside.set()
            with write_lock(path, "the index"):  # re-entrant in its own thread
                time.sleep(0.3)
            events.append(("out", n))

    first = threading.Thread(target=writer, args=(0,))
    first.start()
    inside.wait(10)
    second = threading.Thread(target=writer, args=(1,))
    second.start()
    first.join(30)
    second.join(30)
    assert events == [("in", 0), ("out", 0), ("in", 1), ("out", 1)]
    assert path.read_text() == ""  # released by both


def test_a_lock_file_that_cannot_be_made_is_a_one_line_error(tmp_path: Path, folder: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from index.store import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = Store(tmp_path / "index")
    store.lock_path = blocker / "index.lock"  # its folder cannot exist: a file is in the way
    with pytest.raises(StoreError, match=r"lock file .*index\.lock cannot be opened .*choose another index folder") as err:
        store.sync(folder, embedder)
    assert "\n" not in str(err.value)


def test_one_server_is_one_lock_however_its_address_is_written(tmp_path: Path) -> None:
    from index.lock import lock_path

    paths = {lock_path(tmp_path / "i", url, tmp_path) for url in
             ("localhost:8000", "http://localhost:8000", "http://LOCALHOST", "http://localhost:8000/")}
    assert len(paths) == 1 and lock_path(tmp_path / "i", "http://localhost:8001", tmp_path) not in paths


def test_the_generation_moves_before_the_first_change(tmp_path: Path, folder: Path, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from index import store as store_module

    store = Store(tmp_path / "index")
    store.sync(folder, embedder)
    before = store.generation()
    (folder / "new.txt").write_text("Berita Baru Hari Ini\n\nKota itu membuka taman baru pada hari Senin.\n", encoding="utf-8")
    original, writes = store_module.Store._record, []

    def cut_before_the_last_generation(self, ids, metadatas, texts=None):  # type: ignore[no-untyped-def]
        if ids == [store_module.GENERATION] and writes:
            raise store_module.StoreError("killed")  # the sync dies just before its final bump
        writes.extend(ids)
        return original(self, ids, metadatas, texts)

    monkeypatch.setattr(store_module.Store, "_record", cut_before_the_last_generation)
    with pytest.raises(store_module.StoreError):
        store.sync(folder, embedder)
    monkeypatch.undo()
    assert "new.txt" in store.manifest() and store.generation() > before  # readers can see it moved
    again = Store(tmp_path / "index").sync(folder, embedder)
    assert again.unchanged == 3 and not again.added


def test_a_reload_that_fails_half_way_keeps_the_old_view(seeds_bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from index.store import StoreError

    from .conftest import ANSWER, ASK

    retriever = seeds_bot.retriever
    ids, generation = list(retriever.ids), retriever.generation

    original = type(seeds_bot.store).iter_chunks

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        yield next(original(self))
        raise StoreError("index at X failed while reading chunks (server gone)")

    monkeypatch.setattr(type(seeds_bot.store), "iter_chunks", broken)
    import shutil

    from qa.retrieve import LexicalIndex

    shutil.rmtree(LexicalIndex.folder(seeds_bot.store), ignore_errors=True)  # so the chunks are read
    with pytest.raises(StoreError):
        retriever.refresh()
    monkeypatch.undo()
    assert retriever.ids == ids and retriever.generation == generation
    assert ANSWER in seeds_bot.ask(ASK).text
