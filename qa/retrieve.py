"""Hybrid retrieval: dense vectors from Chroma plus BM25 over stemmed Indonesian, fused by relative score."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import OFFLINE_NAME, Embedder
from index.store import Store, chunk_id, chunk_key, searchable

from .text import terms, words

log = logging.getLogger(__name__)

# Weight of the dense side when the embedding is the subword last resort (BM25 weighs 1); a
# real encoder, hub or packaged, weighs as much as BM25.
SUBWORD_DENSE_WEIGHT = 0.25
# Hits each side contributes to the fusion.
DEPTH = 30


@dataclass
class Chunk:
    """One retrieved chunk with its fused score and where it ranked in each retriever."""

    id: str
    text: str
    meta: dict[str, Any]
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)
    # The dense side's cosine similarity to the question (0 when only BM25 found the chunk):
    # unlike the fused score, which is relative to the other hits, it says how close the best
    # chunk is in absolute terms, so a question about another story can be told apart.
    similarity: float = 0.0


class HybridRetriever:
    """Dense (Chroma) + BM25 (bm25s, Indonesian stems) over the same chunks, fused by weighted
    relative scores (each side min-max normalised over its top hits, then summed).

    The fusion is llama-index's relative-score fusion written out (six lines) rather than
    QueryFusionRetriever itself, because the ask command does not import llama-index: its
    import adds about 2 s to a cold start (BENCHMARKS.md, cold start). The arithmetic is the same:
    `bot.as_retrievers()` gives the two sides as llama-index retrievers, and
    QueryFusionRetriever(mode="relative_score", num_queries=1) over them ranks FacQA's chunks
    as this does (BENCHMARKS.md, latency; tests/test_llama.py). Relative scores, not
    reciprocal ranks, because the subword fallback's dense side must weigh less: on FacQA,
    relative-score fusion with that weight ranked the gold passage first for 74% of questions
    against 60% for reciprocal-rank fusion (k=60), which lets a weak retriever's rank 1
    outvote a strong one's rank 2."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self.dense_weight = SUBWORD_DENSE_WEIGHT if embedder.name == OFFLINE_NAME else 1.0
        self.timings: dict[str, float] = {}
        self.refresh()

    def refresh(self) -> None:
        """(Re)load the chunk ids and the BM25 index of the index's current generation; call
        after a sync. Loaded from the saved copy when there is one (see LexicalIndex)."""
        # Built aside and swapped in at the end, so a read that fails half-way leaves the old
        # view whole (and the old generation, so the next question tries again).
        lexical = LexicalIndex.for_store(self.store)
        self.ids, self.bm25, self.generation = lexical.ids, lexical.bm25, lexical.generation
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.loaded_from = lexical.loaded_from

    def bm25_hits(self, groups: Sequence[Sequence[str]], k: int) -> list[tuple[int, float]]:
        """(row, BM25 score) of the top `k` chunks, where each question word counts once: its
        best-scoring form or translation."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for group in groups:
            known = [t for t in group if t in self.bm25.vocab_dict]
            if known:
                scores += np.max([self.bm25.get_scores([t]) for t in known], axis=0)
        if not scores.any():
            return []
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def dense_hits(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the top `k` chunks for `query`'s embedding."""
        t = time.perf_counter()
        vector = self.embedder.encode_query([query])[0]
        self.timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        hits = self.store.query(vector.tolist(), min(k, len(self.ids)))
        self.timings["dense"] = time.perf_counter() - t
        return [(self.position[cid], score) for cid, score in hits if cid in self.position]

    def retrieve(self, query: str, groups: Sequence[Sequence[str]], k: int = 12, depth: int = DEPTH) -> list[Chunk]:
        """Top `k` chunks for a question: `query` goes to the dense side, `groups` (per
        question word, its stems and translations) to BM25."""
        if not self.ids:
            return []
        dense = self.dense_hits(query, depth)
        t = time.perf_counter()
        lexical = self.bm25_hits(groups, depth)
        self.timings["bm25"] = time.perf_counter() - t
        t = time.perf_counter()
        fused: dict[int, float] = defaultdict(float)
        ranks: dict[int, dict[str, int]] = defaultdict(dict)
        for name, hits, weight in (("dense", dense, self.dense_weight), ("bm25", lexical, 1.0)):
            if not hits:
                continue
            top = hits[0][1]
            low = hits[-1][1] if len(hits) > 1 else 0.0
            for rank, (i, score) in enumerate(hits):
                ranks[i][name] = rank + 1
                fused[i] += weight * (score - low) / ((top - low) or 1.0)
        similarity = dict(dense)
        best = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        self.timings["fusion"] = time.perf_counter() - t
        t = time.perf_counter()
        found = self.store.chunks([self.ids[i] for i in best])
        self.timings["fetch"] = time.perf_counter() - t
        return [Chunk(self.ids[i], *found[self.ids[i]], fused[i], ranks[i], similarity.get(i, 0.0))
                for i in best if self.ids[i] in found]


    def leads(self, limit: int) -> tuple[list[Chunk], int]:
        """The first chunk of each of up to `limit` indexed articles (by file name), what an
        overview of the whole library reads; and how many articles there are."""
        manifest = self.store.manifest()
        ids = [chunk_id(name, m["digest"], 0) for name, m in sorted(manifest.items()) if m.get("chunks")][:limit]
        found = self.store.chunks(ids)
        return [Chunk(i, *found[i]) for i in ids if i in found], len(manifest)


class LexicalIndex:
    """The BM25 side of an index generation: chunk ids (in BM25 row order) and the bm25s index
    over their stemmed text, saved beside the index so a restart need not read every chunk back
    from Chroma.

    The saved copy lives in `<index folder>.bm25/` (for a server, beside its lock file in
    QA_CACHE_DIR) under a key of the collection's id, the generation, this format's version and
    a hash of the tokenizer's sources, and it is used only when its chunk ids are exactly those
    the manifest names (article, digest, count). It is written only from a settled index: no writer held the lock when the chunks were read
    and the generation had not moved by the end, so a sync in progress or one that was killed
    half-way is never saved as if it were whole. Any failure to load or save it is logged and
    the index is read from Chroma as before."""

    FORMAT = "2"

    def __init__(self, ids: list[str], bm25: Any, generation: int, loaded_from: str) -> None:
        self.ids, self.bm25, self.generation, self.loaded_from = ids, bm25, generation, loaded_from

    @staticmethod
    def folder(store: Store) -> Path:
        return store.lock_path.with_suffix(".bm25")

    @classmethod
    def for_store(cls, store: Store) -> LexicalIndex:
        from index.lock import read_lock

        generation = store.generation()
        key = {"format": cls.FORMAT, "collection": str(store.collection().id), "generation": generation,
               "tokens": _tokenizer_version()}
        name = f"g{generation}-{key['collection'][:12]}"
        saved = cls._load(cls.folder(store) / name, key)
        # Trusted only when it holds exactly the chunks the manifest names: a generation number
        # can come back (an index folder restored from a copy), and a writer on another
        # machine does not show in the local lock.
        if saved is not None and _chunk_counts(saved.ids) == {
                (n, str(m["digest"])[:12]): int(m["chunks"]) for n, m in store.manifest().items()}:
            return saved
        with read_lock(store.lock_path) as settled:
            pass  # a probe: is a writer at work right now?
        ids, corpus = [], []
        for cid, text, meta in store.iter_chunks():
            ids.append(cid)
            corpus.append(terms(words(searchable(meta, text))) or ["_"])
        built = cls(ids, _bm25(corpus), generation, "chroma")
        if settled and store.generation() == generation:
            built._save(cls.folder(store), name, key)
        return built

    @classmethod
    def _load(cls, path: Path, key: dict[str, Any]) -> LexicalIndex | None:
        import bm25s

        try:
            if json.loads((path / "key.json").read_text(encoding="utf-8")) != key:
                return None
            ids = json.loads((path / "ids.json").read_text(encoding="utf-8"))
            bm25 = bm25s.BM25.load(str(path / "bm25"), mmap=True) if ids else bm25s.BM25()
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged copy is rebuilt, not fatal
            log.warning("saved BM25 index %s could not be read (%s); rebuilding it", path, exc)
            return None
        return cls(ids, bm25, key["generation"], str(path))

    def _save(self, root: Path, name: str, key: dict[str, Any]) -> None:
        tmp = root / f".{name}.{os.getpid()}.tmp"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
            if self.ids:
                self.bm25.save(str(tmp / "bm25"))
            (tmp / "key.json").write_text(json.dumps(key), encoding="utf-8")
            target = root / name
            if target.exists():  # a damaged or stale copy under this name: ours replaces it
                trash = root / f".{name}.{os.getpid()}.old.tmp"
                try:
                    target.rename(trash)
                except OSError:
                    pass  # another process moved it first
                shutil.rmtree(trash, ignore_errors=True)
            try:
                tmp.rename(target)
            except OSError:  # another process saved this generation meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
            for old in root.iterdir():  # earlier generations, and leftovers of killed saves
                try:
                    stale = old.name.endswith(".tmp") and time.time() - old.stat().st_mtime > 3600
                except OSError:
                    continue  # another process removed it meanwhile
                earlier = re.match(r"g(\d+)-", old.name)
                if stale or (earlier and int(earlier.group(1)) < key["generation"]):
                    shutil.rmtree(old, ignore_errors=True)
        except Exception as exc:  # noqa: BLE001 - a copy not saved only costs the next start time
            shutil.rmtree(tmp, ignore_errors=True)
            log.warning("BM25 index not saved to %s (%s); the next start reads the chunks again", root, exc)


def _chunk_counts(ids: Sequence[str]) -> dict[tuple[str, str], int]:
    """(article, digest key) -> chunks, from ids of the form name#digest12#n."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for cid in ids:
        counts[chunk_key(cid)] += 1
    return dict(counts)


@lru_cache(maxsize=1)
def _tokenizer_version() -> str:
    """A hash of what turns chunk text into BM25 terms (words, stems, stopwords), so a change to
    it makes every saved copy stale."""
    import hashlib

    from . import lexicon, text

    digest = hashlib.sha256()
    for module in (text, lexicon):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def _bm25(corpus: list[list[str]]) -> Any:
    import bm25s

    bm25 = bm25s.BM25()
    if corpus:
        bm25.index(corpus, show_progress=False)
    return bm25
