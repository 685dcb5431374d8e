"""One writer at a time: an advisory lock file beside the index.

The lock is `fcntl.flock` on `<persist dir>.lock` (for a Chroma server, a file named after its
address in the project cache, which covers writers on this machine). The operating system
drops a flock when its holder exits, however it dies, so a lock left by a killed build is
taken over at once; the file's text only names the last holder for the notice a waiting
writer prints. Writers take the lock exclusively for a whole sync. A reader takes it shared,
without waiting, only while it reopens its view of the index, so it never holds up a writer.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import StoreError

log = logging.getLogger(__name__)


class LockBusy(RuntimeError):
    """Another writer holds the index; the message names it."""


def lock_path(persist_dir: Path, url: str | None, cache: Path) -> Path:
    """Where the lock of an index lives: beside its folder, or in `cache` for a server."""
    if url:
        from urllib.parse import urlparse

        parts = urlparse(url if "://" in url else f"http://{url}")
        host = (parts.hostname or "localhost").lower()
        return cache / f"chroma-{parts.scheme or 'http'}-{re.sub(r'[^a-z0-9.]+', '-', host)}-{parts.port or 8000}.lock"
    persist_dir = persist_dir.resolve()
    return persist_dir.with_name(persist_dir.name + ".lock")


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    return " ".join(handle.read().split())[:200] or "another process"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _command() -> str:
    """This process's command line, short: "python -m index build seeds"."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("python")
    head = f"python -m {program.parent.name}" if program.name == "__main__.py" else program.name
    text = " ".join([head, *sys.argv[1:]])
    return text if len(text) <= 100 else text[:99] + "…"


def _try_exclusive(handle: IO[str], attempts: int = 20) -> bool:
    """Take the lock without waiting on a writer; a reader holds it shared for milliseconds,
    so a refusal is tried again for about a second before it counts."""
    for attempt in range(attempts):
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt + 1 < attempts:
                time.sleep(0.05)
    return False


def _named_alive(holder: str) -> bool:
    """Whether the holder text names a process that is still running (on this host)."""
    pid = re.match(r"pid (\d+) on (\S+)", holder)
    return bool(pid) and (pid[2] != socket.gethostname() or _alive(int(pid[1])))


# Locks each thread of this process holds (a flock taken twice by one thread on two handles
# would wait on itself), so a command may take the lock before it opens the index and sync
# inside it. Another thread opens its own handle, and its flock waits like another process's.
_HELD: dict[tuple[str, int], int] = {}


def _open(path: Path, mode: str, what: str) -> IO[str]:
    """The lock file, or a one-line StoreError saying why it cannot be used."""
    try:
        if "a" in mode:
            path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, mode, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{what}: its lock file {path} cannot be opened ({exc.strerror or exc}); "
                         "make its folder writable or choose another index folder") from None


@contextmanager
def write_lock(path: Path, what: str, wait: bool = True) -> Iterator[None]:
    """Hold the exclusive lock at `path` while writing `what`. A second writer waits, saying
    who holds it, or with `wait=False` raises LockBusy at once. Re-entrant in one thread; other
    threads wait as other processes do. Raises StoreError when the lock file cannot be made."""
    key = (str(path.resolve()), threading.get_ident())
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    with _open(path, "a+", what) as handle:
        if not _try_exclusive(handle):
            holder = _holder(handle)
            state = f"being written by {holder}" if _named_alive(holder) else "in use by a process reading it"
            if not wait:
                raise LockBusy(f"{what} is {state}; wait for it to finish, or retry without --no-wait") from None
            log.warning("%s is %s; waiting for it to finish", what, state)
            fcntl.flock(handle, fcntl.LOCK_EX)
        previous = _holder(handle)
        if previous.startswith("pid ") and not _named_alive(previous):
            log.info("taking over the lock of %s: %s, which is no longer running", what, previous)
        handle.seek(0)
        handle.truncate()
        command = _command()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} ({command}) since "
                     f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        _HELD[key] = 1
        try:
            yield
        finally:
            _HELD.pop(key, None)
            handle.truncate(0)  # a name left in the file means its holder died holding it
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def read_lock(path: Path) -> Iterator[bool]:
    """The shared lock, if no writer holds it: yields False (and holds nothing) when one does."""
    if not path.exists():
        yield True
        return
    with _open(path, "r", f"the index beside {path}") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
