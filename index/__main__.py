"""python -m index build [DIR]: sync the index with a folder of articles."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .articles import ArticleError
from .embedder import EmbedderError, cache_dir, load_embedder
from .lock import LockBusy, lock_path, write_lock
from .settings import SettingError
from .store import Store, StoreError, default_persist_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m index", description="Build or update the article index (incremental)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="index new and changed articles, drop deleted ones")
    build.add_argument("folder", nargs="?", default="seeds", help="folder of articles: .txt, .md, .html, .pdf, .docx (default: seeds)")
    build.add_argument("--persist-dir", help="index folder (default: QA_PERSIST_DIR or .qa-index)")
    build.add_argument("--chroma-url", help="use a Chroma server instead (default: QA_CHROMA_URL)")
    build.add_argument("--model", help="embedding model: hub name or local path (default: QA_EMBED_MODEL)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument("--no-wait", action="store_true",
                       help="fail at once when another build is writing the index (default: wait for it)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    # The library narrates every load attempt; the one line that matters is ours.
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request to a Chroma server
    try:
        embedder = load_embedder(args.model)
        persist_dir = Path(args.persist_dir) if args.persist_dir else default_persist_dir()
        url = args.chroma_url if args.chroma_url is not None else os.environ.get("QA_CHROMA_URL") or None
        # The lock comes before the index is opened: opening it while another writer is in the
        # middle of a write could wait on that writer's database lock, --no-wait or not.
        with write_lock(lock_path(persist_dir, url, cache_dir()), f"index at {url or persist_dir}",
                        wait=not args.no_wait):
            store = Store(persist_dir, url=url)
            report = store.sync(args.folder, embedder, progress=not args.quiet)
    except (SettingError, ArticleError, EmbedderError, StoreError, LockBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
