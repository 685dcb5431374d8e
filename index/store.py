"""The Chroma collection of chunks: open it, sync it with a folder incrementally, read it back."""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .articles import FORMATS, Article, ArticleError, article_files, digest_of, read_article
from .formats import supported
from .packaged_e5 import NAME as PACKAGED_NAME
from .chunks import chunk_spans
from .embedder import OFFLINE_NAME, Embedder, cache_dir
from .errors import StoreError
from .settings import env_number
from .lock import lock_path, read_lock, write_lock

log = logging.getLogger(__name__)

# The embeddings used when the configured model cannot be had: an index built with one of them
# is rebuilt when a better one loads, while an index built with a real model is never dropped
# for a fallback.
FALLBACKS = frozenset({OFFLINE_NAME, PACKAGED_NAME})

COLLECTION = "articles"
# One record per indexed article (its digest and chunk count) and one for the generation.
MANIFEST = "articles_manifest"
GENERATION = "~generation"
# Chunks embedded and written per Chroma call: large writes are much cheaper per row (a 10k-chunk
# build spent three quarters of its time writing at 64), and memory stays bounded.
# QA_WRITE_BATCH overrides it.
BATCH = 1000


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
    stale_removed: int = 0
    rebuilt: bool = False
    seconds: float = 0.0
    generation: int = 0

    def summary(self) -> str:
        """One line for people."""
        text = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.chunks_written} chunk{'' if self.chunks_written == 1 else 's'} embedded, "
            f"{self.chunks_total} in the index; {self.seconds:.1f} s"
        )
        if self.stale_removed:
            text += f"; {self.stale_removed} leftover chunks of an interrupted sync removed"
        if self.rebuilt:
            text += " (rebuilt for a new embedding model)"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
        return text


def default_persist_dir() -> Path:
    return Path(os.environ.get("QA_PERSIST_DIR") or ".qa-index")


# Chroma's client set-up is not thread-safe: two clients made at once in one process can fail
# inside Chroma ("'RustBindingsAPI' object has no attribute 'bindings'"), so they are made in turn.
_CLIENTS = threading.Lock()


def _client(persist_dir: Path, url: str | None) -> Any:
    with _CLIENTS:
        return _new_client(persist_dir, url)


def _new_client(persist_dir: Path, url: str | None) -> Any:
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
    Chroma itself (a server that stopped, a read-only folder) is a one-line StoreError.

    It calls the chromadb client rather than llama-index's ChromaVectorStore, measured in
    bench/chroma_vector_store/: the same chunks found, but ChromaVectorStore stores a 1 kB JSON
    copy of every node that the retriever never reads (the dense query 2.2x slower, writes
    1.27x, the folder 24% larger on FacQA), adds where a rewrite needs upsert, and has no place
    for the manifest, the generation record or the writers' lock."""

    def __init__(self, persist_dir: Path | str | None = None, url: str | None = None) -> None:
        """Open the embedded store in `persist_dir`, or the server at `url` (QA_CHROMA_URL)."""
        self.persist_dir = Path(persist_dir) if persist_dir else default_persist_dir()
        self.url = url if url is not None else os.environ.get("QA_CHROMA_URL") or None
        self.client = _client(self.persist_dir, self.url)
        self._collection: Any = None
        self._manifest: Any = None
        self.rebuilt = False
        self.lock_path = lock_path(self.persist_dir, self.url, cache_dir())

    @property
    def where(self) -> str:
        """The index, as people name it: the server address or the folder."""
        return f"index at {self.url or self.persist_dir}"

    def reopen(self) -> bool:
        """See writes made by other processes: the embedded client keeps its vector index in
        memory and does not notice them. Skipped (False) while a writer holds the index."""
        if self.url:
            return True
        with read_lock(self.lock_path) as free:
            if not free:
                return False
            with self._guarded("reopening the index"):
                self._collection = self._manifest = None
                close = getattr(self.client, "close", None)
                if close:
                    close()
                self.client = _client(self.persist_dir, None)
        return True

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
                if embedder.fell_back and built_with not in FALLBACKS:
                    # The model the index was built with is only out of reach for now: keep it.
                    raise StoreError(
                        f"index in {where} was built with {built_with}, which cannot be loaded now "
                        f"({embedder.reason}); make it reachable again, or rebuild the index with the "
                        "offline model on purpose: QA_EMBED_MODEL=offline python -m index build DIR"
                    )
                log.warning("index was built with %s, now using %s: rebuilding it", built_with, embedder.name)
                generation = self.generation()
                # The manifest goes first: chunks no record names are invisible, so a kill in
                # between leaves an empty index, never records naming deleted chunks.
                try:
                    self.client.delete_collection(MANIFEST)
                except NotFoundError:
                    pass
                self._manifest = None
                self.client.delete_collection(COLLECTION)
                # Running readers compare generations: the count goes on rather than restart.
                self._record([GENERATION], [{"generation": generation + 1}])
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

    def manifest_collection(self) -> Any:
        """The collection of manifest records (created empty when missing)."""
        if self._manifest is None:
            with self._guarded("opening the manifest"):
                self._manifest = self.client.get_or_create_collection(MANIFEST, embedding_function=None)
        return self._manifest

    def manifest(self) -> dict[str, dict[str, Any]]:
        """Article file name -> {"digest", "chunks", "title", "source", "place"}: the articles
        fully indexed (records written before source and place were kept lack them)."""
        with self._guarded("reading the manifest"):
            got = self.manifest_collection().get(include=["metadatas"])
        return {i: m for i, m in zip(got["ids"], got["metadatas"]) if i != GENERATION}

    def indexed_articles(self) -> dict[str, str]:
        """Article file name -> content digest of every fully indexed article."""
        return {name: m["digest"] for name, m in self.manifest().items()}

    def generation(self) -> int:
        """A number that grows whenever a sync changes what is indexed (0 for a new index)."""
        try:
            got = self.manifest_collection().get(ids=[GENERATION], include=["metadatas"])
        except Exception:  # noqa: BLE001 - e.g. the collection was dropped by a rebuild: look again
            self._manifest = self._collection = None
            with self._guarded("reading the index generation"):
                got = self.manifest_collection().get(ids=[GENERATION], include=["metadatas"])
        return int(got["metadatas"][0]["generation"]) if got["ids"] else 0

    def _record(self, ids: list[str], metadatas: list[dict[str, Any]], texts: list[str] | None = None) -> None:
        with self._guarded("writing the manifest"):
            self.manifest_collection().upsert(ids=ids, metadatas=metadatas, embeddings=[[0.0]] * len(ids),
                                              documents=texts)

    def article_text(self, name: str) -> str | None:
        """The text an indexed article's offsets point into (for HTML, PDF and DOCX, the text
        extracted from the file), or None for an article not in the index."""
        with self._guarded("reading an article"):
            got = self.manifest_collection().get(ids=[name], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def _present(self) -> dict[tuple[str, str], list[str]]:
        """Chunk ids in the collection grouped by (article, digest key); ids of another form
        under ("", "")."""
        col = self.collection()
        out: dict[tuple[str, str], list[str]] = {}
        for offset in itertools.count(0, 20000):
            with self._guarded("listing chunks"):
                ids = col.get(include=[], limit=20000, offset=offset)["ids"]
            for cid in ids:
                out.setdefault(chunk_key(cid), []).append(cid)
            if len(ids) < 20000:
                return out

    def sync(self, folder: Path | str, embedder: Embedder, progress: bool = False, wait: bool = True) -> SyncReport:
        """Make the index match `folder`: embed new and changed articles, drop deleted ones.
        Unreadable files are skipped with a warning; their earlier chunks stay. One writer at a
        time: a second one waits (or with `wait=False` raises LockBusy). A bad QA_WRITE_BATCH
        raises SettingError before anything is touched."""
        batch = int(env_number("QA_WRITE_BATCH", BATCH, 1, integer=True))
        with write_lock(self.lock_path, self.where, wait):
            return self._sync(Path(folder), embedder, progress, batch)

    def _sync(self, folder: Path, embedder: Embedder, progress: bool, batch: int = BATCH) -> SyncReport:
        """An article counts as indexed only once all its chunks are written: its new chunks go
        in under a new id (the digest is part of it), then its manifest record flips to the
        new digest, then the old chunks go. Chunks the manifest does not name, left by a write
        that was cut short, are removed, so a kill at any moment leaves each article's old or
        new version, never a mix.

        Written here rather than with llama-index's IngestionPipeline and a docstore, which
        keeps the simple cases (unchanged, changed, removed articles) but, measured in
        bench/ingestion_pipeline/, left 80 duplicate chunks for good after a kill between its
        Chroma write and `persist()`, an unreadable docstore after a kill during `persist()`
        (14 of 15 trials), and duplicate or stale chunks, never repaired, after two writers at
        once: it has no lock, random chunk ids and a docstore written in place."""
        started = time.perf_counter()
        files = article_files(folder)
        report = SyncReport()
        self.collection(embedder)
        report.rebuilt = self.rebuilt
        manifest = self.manifest()
        present = self._present()
        todo: list[tuple[Article, list[tuple[int, int]]]] = []
        adopted: list[tuple[Article, int]] = []
        for path in files:
            if not supported(path):
                report.skipped.append(f"{path.name}: not an article format; save it as {FORMATS}")
                continue
            known = manifest.get(path.name)
            kept = "; its indexed version stays until the file reads again" if known else ""
            try:
                raw = path.read_bytes()
            except OSError as exc:
                report.skipped.append(f"{path.name}: cannot be read ({exc.strerror}){kept}")
                continue
            digest = digest_of(raw)
            have = {int(c.rsplit("#", 1)[1]) for c in present.get((path.name, digest[:12]), ())}
            if known and known["digest"] == digest and have == set(range(int(known["chunks"]))):
                report.unchanged += 1
                continue
            try:
                article = read_article(path, raw)
            except ArticleError as exc:
                report.skipped.append(f"{exc}{kept}")
                log.warning("skipped %s%s", exc, kept)
                continue
            if article.warning:
                log.warning("%s", article.warning)
            spans = chunk_spans(article)
            (report.changed if path.name in manifest else report.added).append(path.name)
            if have and have == set(range(len(spans))):
                adopted.append((article, len(spans)))  # all chunks written before a cut
            else:
                todo.append((article, spans))
        leaving = set(manifest) - {p.name for p in files}
        unnamed = any(str(manifest.get(name, {}).get("digest", ""))[:12] != key for name, key in present)
        report.generation = self.generation()
        if todo or adopted or leaving or unnamed:
            # Raised before the first change too, so readers notice even if this sync is cut
            # short after a manifest record flipped (the next sync may then find nothing to do).
            report.generation += 1
            self._record([GENERATION], [{"generation": report.generation}])
        if adopted:
            self._record([a.name for a, _ in adopted], [_entry(a, n) for a, n in adopted], [a.text for a, _ in adopted])
        report.chunks_written = self._write(todo, embedder, progress, batch)
        report.removed = sorted(leaving)
        if report.removed:
            with self._guarded("removing articles from the manifest"):
                self.manifest_collection().delete(ids=report.removed)
        current = {name: m["digest"][:12] for name, m in self.manifest().items()}
        stale = [cid for (name, key), ids in present.items() if current.get(name) != key for cid in ids]
        # Beyond the earlier versions of changed and removed articles: leftovers of a cut sync.
        earlier = {name: str(m["digest"])[:12] for name, m in manifest.items()}
        report.stale_removed = sum(len(ids) for (name, key), ids in present.items()
                                   if current.get(name) != key and earlier.get(name) != key)
        for start in range(0, len(stale), 5000):
            with self._guarded("deleting old chunks"):
                self.collection().delete(ids=stale[start : start + 5000])
        if report.added or report.changed or report.removed or stale:
            report.generation += 1
            self._record([GENERATION], [{"generation": report.generation}])
        report.chunks_total = self.count()
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, articles: list[tuple[Article, list[tuple[int, int]]]], embedder: Embedder,
               progress: bool, size: int = BATCH) -> int:
        """Embed and upsert the chunks of `articles` in batches, flipping each article's
        manifest record once its last chunk is written; returns the chunk count."""
        total = sum(len(s) for _, s in articles)
        if not total:
            return 0
        from tqdm import tqdm

        remaining = {a.name: len(s) for a, s in articles}
        entries = {a.name: _entry(a, len(s)) for a, s in articles}
        texts = {a.name: a.text for a, _ in articles}
        bar = tqdm(total=total, unit="chunk", desc="embedding", disable=not progress)
        rows = (row for a, s in articles for row in chunk_rows(a, s))
        while batch := list(itertools.islice(rows, size)):
            vectors = embedder.encode_documents([r[3] for r in batch])
            with self._guarded("writing chunks"):
                self.collection().upsert(
                    ids=[r[0] for r in batch],
                    documents=[r[1] for r in batch],
                    metadatas=[r[2] for r in batch],
                    embeddings=vectors.tolist(),
                )
            done = []
            for r in batch:
                remaining[r[2]["article"]] -= 1
                if not remaining[r[2]["article"]]:
                    done.append(r[2]["article"])
            if done:
                self._record(done, [entries[name] for name in done], [texts[name] for name in done])
            bar.update(len(batch))
            log.debug("wrote %d chunks; %d articles complete", len(batch), len(done))
        bar.close()
        return total

    def iter_chunks(self, batch: int = 5000, indexed_only: bool = True) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every chunk as (id, text, metadata), read in pages; only those of the version the
        manifest names, unless `indexed_only` is False."""
        col = self.collection()
        digests = self.indexed_articles() if indexed_only else {}
        for offset in itertools.count(0, batch):
            with self._guarded("reading chunks"):
                got = col.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for row in zip(got["ids"], got["documents"], got["metadatas"]):
                if not indexed_only or digests.get(row[2]["article"]) == row[2]["digest"]:
                    yield row
            if len(got["ids"]) < batch:
                return

    def chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Chunk id -> (text, metadata) for those of `ids` still in the index."""
        if not ids:
            return {}
        with self._guarded("reading chunks"):
            got = self.collection().get(ids=list(ids), include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def query(self, vector: Iterable[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunks to `vector` as (id, cosine similarity); `k` at most the chunk count."""
        with self._guarded("searching"):
            got = self.collection().query(query_embeddings=[list(vector)], n_results=k, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0])]


def chunk_id(article: str, digest: str, no: int) -> str:
    """The id of an article's chunk number `no`: name#digest12#no (chunk_key reads it back)."""
    return f"{article}#{digest[:12]}#{no}"


def chunk_key(cid: str) -> tuple[str, str]:
    """(article, digest key) of a chunk id of the form name#digest12#n; ("", "") for any other."""
    parts = cid.rsplit("#", 2)
    return (parts[0], parts[1]) if len(parts) == 3 and parts[2].isdigit() else ("", "")


def _entry(article: Article, chunks: int) -> dict[str, Any]:
    """An article's manifest record."""
    return {"digest": article.digest, "chunks": chunks, "title": article.title,
            "source": article.source, "place": article.place}


def chunk_rows(
    article: Article, spans: list[tuple[int, int]] | None = None
) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(id, text, metadata, text to embed) for each chunk span of an article (default: its
    sentence chunks)."""
    for no, (start, end) in enumerate(chunk_spans(article) if spans is None else spans):
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
        yield chunk_id(article.name, article.digest, no), text, meta, searchable(meta, text)


def searchable(meta: dict[str, Any], text: str) -> str:
    """What retrievers see of a chunk: its article's headline, when it has one, then the text."""
    return f"{meta['title']}\n{text}" if meta.get("headline") else text
