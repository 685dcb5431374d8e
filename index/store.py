"""The Chroma collection of chunks: open it, sync it with a folder incrementally, read it back."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .articles import Article, ArticleError, article_files, digest_of, read_article
from .chunks import chunk_spans
from .embedder import Embedder

log = logging.getLogger(__name__)

COLLECTION = "articles"
# Chunks embedded and written per Chroma call: large writes are much cheaper per row (a 10k-chunk
# build spent three quarters of its time writing at 64), and memory stays bounded.
BATCH = 1000


class StoreError(RuntimeError):
    """The index cannot be opened or written; the message says where and what to do."""


@dataclass
class SyncReport:
    """What a sync did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    chunks_written: int = 0
    chunks_total: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        text = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.chunks_written} chunks embedded, "
            f"{self.chunks_total} in the index; {self.seconds:.1f} s"
        )
        if self.rebuilt:
            text += " (rebuilt for a new embedding model)"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
        return text


def default_persist_dir() -> Path:
    return Path(os.environ.get("QA_PERSIST_DIR") or ".qa-index")


def _client(persist_dir: Path, url: str | None) -> Any:
    import chromadb

    settings = chromadb.Settings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        parts = urlparse(url if "://" in url else f"http://{url}")
        try:
            client = chromadb.HttpClient(
                host=parts.hostname or "localhost",
                port=parts.port or 8000,
                ssl=parts.scheme == "https",
                settings=settings,
            )
            client.heartbeat()
            return client
        except Exception as exc:
            raise StoreError(
                f"Chroma server at {url} cannot be reached ({type(exc).__name__}); "
                "start it (chroma run) or unset QA_CHROMA_URL to use the local index"
            ) from exc
    try:
        persist_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(persist_dir), settings=settings)
    except Exception as exc:
        raise StoreError(
            f"index at {persist_dir} cannot be opened ({type(exc).__name__}: {str(exc)[:100]}); "
            "check the path is a writable folder, or delete it to rebuild"
        ) from exc


class Store:
    """A Chroma collection of article chunks, with precomputed embeddings. Every failure of
    Chroma itself (a server that stopped, a read-only folder) is a one-line StoreError."""

    def __init__(self, persist_dir: Path | str | None = None, url: str | None = None) -> None:
        """Open the embedded store in `persist_dir`, or the server at `url` (QA_CHROMA_URL)."""
        self.persist_dir = Path(persist_dir) if persist_dir else default_persist_dir()
        self.url = url if url is not None else os.environ.get("QA_CHROMA_URL") or None
        self.client = _client(self.persist_dir, self.url)
        self._collection: Any = None
        self.rebuilt = False

    @contextmanager
    def _guarded(self, action: str) -> Iterator[None]:
        """Turn a Chroma failure while doing `action` into a StoreError that says what to do."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            detail = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
            if self.url:
                raise StoreError(
                    f"Chroma server at {self.url} failed while {action} ({detail}); "
                    "check that it is running (chroma run) and retry"
                ) from exc
            raise StoreError(
                f"index at {self.persist_dir} failed while {action} ({detail}); "
                "check the folder is writable, or delete it to rebuild"
            ) from exc

    def collection(self, embedder: Embedder | None = None, rebuild: bool = True) -> Any:
        """The chunk collection. With an embedder, it is created if missing and, when built by
        another model, rebuilt (`rebuild`) or refused with a StoreError."""
        if self._collection is not None and embedder is None:
            return self._collection
        with self._guarded("opening the collection"):
            return self._open(embedder, rebuild)

    def _open(self, embedder: Embedder | None, rebuild: bool) -> Any:
        from chromadb.errors import NotFoundError

        where = self.url or self.persist_dir
        try:
            existing = self.client.get_collection(COLLECTION, embedding_function=None)
        except NotFoundError:
            existing = None
        if embedder is not None and existing is not None:
            built_with = existing.metadata.get("embed_model")
            if built_with != embedder.name:
                if not rebuild:
                    raise StoreError(
                        f"index in {where} was built with {built_with}, but {embedder.name} is loaded; "
                        "rebuild it: python -m index build DIR"
                    )
                log.warning("index was built with %s, now using %s: rebuilding it", built_with, embedder.name)
                self.client.delete_collection(COLLECTION)
                existing = None
                self.rebuilt = True
        if existing is None:
            if embedder is None:
                raise StoreError(f"no index in {where}; build it first: python -m index build DIR")
            existing = self.client.create_collection(
                COLLECTION,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embed_model": embedder.name, "dim": embedder.dim},
            )
        self._collection = existing
        return existing

    def exists(self) -> bool:
        """True when an index (possibly empty) is already there."""
        from chromadb.errors import NotFoundError

        with self._guarded("looking for the index"):
            try:
                self.client.get_collection(COLLECTION, embedding_function=None)
            except NotFoundError:
                return False
        return True

    @property
    def embed_model(self) -> str:
        """Name of the model that built the index."""
        return str(self.collection().metadata.get("embed_model", ""))

    def count(self) -> int:
        with self._guarded("counting chunks"):
            return int(self.collection().count())

    def indexed_articles(self) -> dict[str, str]:
        """Article file name -> content digest, from each article's first chunk."""
        with self._guarded("listing the indexed articles"):
            got = self.collection().get(where={"chunk_no": 0}, include=["metadatas"])
        return {m["article"]: m["digest"] for m in got["metadatas"]}

    def sync(self, folder: Path | str, embedder: Embedder, progress: bool = False) -> SyncReport:
        """Make the index match `folder`: embed new and changed articles, drop deleted ones.
        Unreadable files are skipped with a warning; their earlier chunks stay."""
        started = time.perf_counter()
        files = article_files(Path(folder))
        report = SyncReport()
        self.collection(embedder)
        report.rebuilt = self.rebuilt
        indexed = self.indexed_articles()
        todo: list[Article] = []
        for path in files:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                report.skipped.append(f"{path.name}: cannot be read ({exc.strerror})")
                continue
            if indexed.get(path.name) == digest_of(raw):
                report.unchanged += 1
                continue
            try:
                article = read_article(path)
            except ArticleError as exc:
                report.skipped.append(str(exc))
                log.warning("skipped %s", exc)
                continue
            if article.warning:
                log.warning("%s", article.warning)
            todo.append(article)
            (report.changed if path.name in indexed else report.added).append(path.name)
        report.chunks_written = self._write(todo, embedder, progress)
        for article in todo:
            if article.name in indexed:
                self._delete({"$and": [{"article": article.name}, {"digest": {"$ne": article.digest}}]})
        report.removed = sorted(set(indexed) - {p.name for p in files})
        for name in report.removed:
            self._delete({"article": name})
        report.chunks_total = self.count()
        report.seconds = time.perf_counter() - started
        return report

    def _delete(self, where: dict[str, Any]) -> None:
        with self._guarded("deleting old chunks"):
            self.collection().delete(where=where)

    def _write(self, articles: list[Article], embedder: Embedder, progress: bool) -> int:
        """Embed and upsert the chunks of `articles` in batches; returns the chunk count."""
        spans = [(a, chunk_spans(a)) for a in articles]
        total = sum(len(s) for _, s in spans)
        if not total:
            return 0
        from tqdm import tqdm

        bar = tqdm(total=total, unit="chunk", desc="embedding", disable=not progress)
        rows = (row for a, s in spans for row in _rows(a, s))
        while batch := list(itertools.islice(rows, BATCH)):
            vectors = embedder.encode_documents([r[3] for r in batch])
            with self._guarded("writing chunks"):
                self.collection().upsert(
                    ids=[r[0] for r in batch],
                    documents=[r[1] for r in batch],
                    metadatas=[r[2] for r in batch],
                    embeddings=vectors.tolist(),
                )
            bar.update(len(batch))
        bar.close()
        return total

    def iter_chunks(self, batch: int = 5000) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every chunk as (id, text, metadata), read in pages."""
        col = self.collection()
        for offset in itertools.count(0, batch):
            with self._guarded("reading chunks"):
                got = col.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            if len(got["ids"]) < batch:
                return

    def query(self, vector: Iterable[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunks to `vector` as (id, cosine similarity); `k` at most the chunk count."""
        with self._guarded("searching"):
            got = self.collection().query(query_embeddings=[list(vector)], n_results=k, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0])]


def _rows(
    article: Article, spans: list[tuple[int, int]]
) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(id, text, metadata, text to embed) for each chunk span of an article."""
    for no, (start, end) in enumerate(spans):
        text = article.text[start:end]
        meta = {
            "article": article.name,
            "title": article.title,
            "digest": article.digest,
            "chunk_no": no,
            "start": start,
            "end": end,
            "source": article.source,
            "place": article.place,
            "headline": article.headline,
        }
        yield f"{article.name}#{article.digest[:12]}#{no}", text, meta, searchable(meta, text)


def searchable(meta: dict[str, Any], text: str) -> str:
    """What retrievers see of a chunk: its article's headline, when it has one, then the text."""
    return f"{meta['title']}\n{text}" if meta.get("headline") else text
