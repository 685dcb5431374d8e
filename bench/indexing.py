"""Indexing: full-build throughput, no-op re-sync, and adding one article, on FacQA articles."""

from __future__ import annotations

from pathlib import Path

from index.store import Store, SyncReport
from qa import Bot

from .context import Context, log, median_seconds, timed
from .corpus import synthetic_texts, write_passages

NOOP_ARTICLES = 1000


def _sync(ctx: Context, folder: Path, persist_dir: Path) -> SyncReport:
    """One sync as a fresh process would do it: open the store, then sync the folder."""
    return Store(persist_dir).sync(folder, ctx.embedder)


def _build_and_resync(ctx: Context, name: str, limit: int | None = None) -> dict:
    """Write `limit` FacQA articles to a fresh folder, build its index, then time no-op
    re-syncs (median of 3) of the sync alone and of a whole `Bot.from_articles`."""
    folder, persist_dir = ctx.work / name / "articles", ctx.work / name / "index"
    articles = write_passages(ctx.facqa_items or [], folder, limit)
    report, seconds = timed(lambda: _sync(ctx, folder, persist_dir))
    log.info("%s: built %d articles in %.1f s", name, articles, seconds)
    return {
        "articles": articles,
        "chunks": report.chunks_total,
        "build_s": round(seconds, 3),
        "chunks_per_s": round(report.chunks_written / seconds, 1),
        "noop_resync_s": median_seconds(lambda: _sync(ctx, folder, persist_dir)),
        "noop_bot_ready_s": median_seconds(
            lambda: Bot.from_articles(folder, persist_dir=persist_dir, embedder=ctx.embedder)
        ),
    }


def _add_one(ctx: Context, name: str) -> dict:
    """Add one new article to the folder of an existing full index and sync it."""
    folder, persist_dir = ctx.work / name / "articles", ctx.work / name / "index"
    text = next(synthetic_texts(ctx.facqa_items or []))
    (folder / "added.txt").write_text(text + "\n", encoding="utf-8")
    report, seconds = timed(lambda: _sync(ctx, folder, persist_dir))
    return {"sync_s": round(seconds, 3), "chunks_written": report.chunks_written}


def run(ctx: Context) -> dict:
    """The full FacQA corpus, then a folder of (at most) 1,000 of its articles."""
    if ctx.facqa_items is None:
        return ctx.skipped()
    full = _build_and_resync(ctx, "indexing-full")
    return {
        "full": full,
        "add_one_article": _add_one(ctx, "indexing-full"),
        "folder_1000": _build_and_resync(ctx, "indexing-1000", NOOP_ARTICLES),
    }
