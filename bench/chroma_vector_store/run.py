"""Could llama-index's ChromaVectorStore be the index's chunk store? Same chunks, both ways.

For each corpus: build the index the normal way (Store(dir).sync(folder, embedder)), read its
chunks back (ids, text, metadata, vectors), then write them again into fresh Chroma folders,
once as Store._write does (collection.upsert in batches of index.store.BATCH) and once through
ChromaVectorStore.add() as TextNodes (same ids, text, vectors, metadata, start/end offsets).
Measures write time (no embedding), folder size and bytes per chunk, then the dense query of
qa/retrieve.py (collection.query, include=["distances"]) against ChromaVectorStore.query() for
a fixed sample of FacQA questions: ids, order, latency. Prints one JSON object on stdout;
progress goes to stderr. Everything is written under a temporary folder that is deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from bench.corpus import load_facqa, write_passages  # noqa: E402
from index.articles import article_files  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.store import BATCH, COLLECTION, Store  # noqa: E402

LLAMA_KEYS = ("_node_content", "_node_type", "document_id", "doc_id", "ref_doc_id")


def say(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def folder_bytes(path: Path) -> dict[str, Any]:
    """Apparent size of every file under `path`: total, the SQLite file(s), the vector segment,
    and the SQLite tables (with their indexes) that hold most of it (SQLite's dbstat)."""
    import sqlite3

    total = sqlite = 0
    for p in path.rglob("*"):
        if p.is_file():
            size = p.stat().st_size
            total += size
            if p.name.startswith("chroma.sqlite3"):
                sqlite += size
    db = sqlite3.connect(f"file:{path / 'chroma.sqlite3'}?mode=ro", uri=True)
    try:
        tables = dict(db.execute("SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s JOIN sqlite_master m "
                                 "ON s.name = m.name GROUP BY m.tbl_name ORDER BY 2 DESC LIMIT 4"))
    finally:
        db.close()
    return {"total": total, "sqlite": sqlite, "segments": total - sqlite, "sqlite_tables": tables}


def client(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(anonymized_telemetry=False))


def new_collection(path: Path, meta: dict[str, Any]) -> tuple[Any, Any]:
    c = client(path)
    return c, c.create_collection(COLLECTION, embedding_function=None, metadata=meta)


def read_chunks(store: Store, folder: Path) -> list[dict[str, Any]]:
    """Every chunk of the built index, in the order the sync wrote them (file order, chunk no)."""
    got = store.collection().get(include=["documents", "metadatas", "embeddings"])
    order = {p.name: i for i, p in enumerate(article_files(folder))}
    rows = [{"id": i, "text": d, "meta": m, "vector": [float(x) for x in v]}
            for i, d, m, v in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])]
    rows.sort(key=lambda r: (order[r["meta"]["article"]], r["meta"]["chunk_no"]))
    return rows


def make_nodes(rows: list[dict[str, Any]]) -> list[Any]:
    """The chunks as llama-index TextNodes; the article is the node's source document, so
    ChromaVectorStore.delete(ref_doc_id=article) can remove an article's chunks."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    return [TextNode(id_=r["id"], text=r["text"], embedding=r["vector"], metadata=dict(r["meta"]),
                     start_char_idx=r["meta"]["start"], end_char_idx=r["meta"]["end"],
                     relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=r["meta"]["article"])})
            for r in rows]


def write_store_style(path: Path, meta: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, float]:
    """What Store._write does with the vectors already there: upsert in batches of BATCH."""
    c, col = new_collection(path, meta)
    t = time.perf_counter()
    for s in range(0, len(rows), BATCH):
        b = rows[s : s + BATCH]
        col.upsert(ids=[r["id"] for r in b], documents=[r["text"] for r in b],
                   metadatas=[r["meta"] for r in b], embeddings=[r["vector"] for r in b])
    write = time.perf_counter() - t
    c.close()
    return {"write_s": write, "build_nodes_s": 0.0}


def write_vector_store(path: Path, meta: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, float]:
    """The same chunks through ChromaVectorStore.add(), in batches of BATCH nodes; building the
    nodes is timed apart."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    c, col = new_collection(path, meta)
    vs = ChromaVectorStore(chroma_collection=col)
    t = time.perf_counter()
    nodes = make_nodes(rows)
    build = time.perf_counter() - t
    t = time.perf_counter()
    for s in range(0, len(nodes), BATCH):
        vs.add(nodes[s : s + BATCH])
    write = time.perf_counter() - t
    c.close()
    return {"write_s": write, "build_nodes_s": build}


def per_chunk(path: Path) -> dict[str, Any]:
    """Mean bytes per stored chunk: document, metadata as JSON (llama-index's own keys apart),
    and the `_node_content` JSON, with how much of it repeats the flat metadata."""
    c = client(path)
    got = c.get_collection(COLLECTION, embedding_function=None).get(include=["documents", "metadatas"])
    n = len(got["ids"])
    doc = sum(len(d.encode()) for d in got["documents"])
    meta = llama = node = node_meta = 0
    for m in got["metadatas"]:
        own = {k: v for k, v in m.items() if k not in LLAMA_KEYS}
        meta += len(json.dumps(own, ensure_ascii=False).encode())
        llama += len(json.dumps({k: m[k] for k in LLAMA_KEYS if k in m}, ensure_ascii=False).encode())
        if "_node_content" in m:
            node += len(m["_node_content"].encode())
            node_meta += len(json.dumps(json.loads(m["_node_content"])["metadata"]).encode())
    c.close()
    out = {"chunks": n, "id": round(sum(len(i.encode()) for i in got["ids"]) / n, 1),
           "document": round(doc / n, 1), "metadata": round(meta / n, 1),
           "metadata_keys": sorted(got["metadatas"][0])}
    if node:
        out.update({"llama_keys": round(llama / n, 1), "node_content": round(node / n, 1),
                    "node_content_metadata_copy": round(node_meta / n, 1),
                    "node_content_example": json.loads(got["metadatas"][0]["_node_content"])})
    return out


def add_existing_ids(root: Path, meta: dict[str, Any], dim: int) -> dict[str, Any]:
    """ChromaVectorStore.add() calls collection.add, not upsert: what happens when a chunk id is
    written again (a retry after a cut write), with new text?"""
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    c, col = new_collection(root / "readd", meta)
    vs = ChromaVectorStore(chroma_collection=col)
    vec = [1.0] + [0.0] * (dim - 1)
    vs.add([TextNode(id_="a.txt#0123456789ab#0", text="first", embedding=vec)])
    try:
        vs.add([TextNode(id_="a.txt#0123456789ab#0", text="second", embedding=vec)])
        error = None
    except Exception as exc:  # noqa: BLE001 - what it raises is the finding
        error = f"{type(exc).__name__}: {str(exc)[:120]}"
    got = col.get(include=["documents"])
    c.close()
    return {"rows": len(got["ids"]), "text_kept": got["documents"], "error": error}


def questions(path: Path, count: int, seed: int) -> list[str]:
    items = load_facqa(path)
    chosen = sorted(random.Random(seed).sample(range(len(items)), count))
    return [items[i].question for i in chosen]


def query_compare(store_dir: Path, vs_dir: Path, control_dir: Path, vectors: list[list[float]], all_vectors: np.ndarray,
                  all_ids: list[str], k: int, rounds: int) -> dict[str, Any]:
    """The three calls alternated per question (the first one rotates): qa/retrieve.py's
    collection.query(include=["distances"]) on the Store's index, ChromaVectorStore.query() on
    its folder, and the raw collection.query() with Chroma's default include (documents,
    metadatas, distances) on that folder - what ChromaVectorStore asks Chroma for before it
    turns each row into a node."""
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = Store(store_dir)
    ours = store.collection()
    vc = client(vs_dir)
    theirs_col = vc.get_collection(COLLECTION, embedding_function=None)
    vs = ChromaVectorStore(chroma_collection=theirs_col)
    n = min(k, ours.count())

    calls = {
        "store": lambda v: ours.query(query_embeddings=[v], n_results=n, include=["distances"]),
        "vector_store": lambda v: vs.query(VectorStoreQuery(query_embedding=v, similarity_top_k=n)),
        "raw_default_include": lambda v: theirs_col.query(query_embeddings=[v], n_results=n),
    }
    names = list(calls)
    for v in vectors[:20]:  # warm-up, not timed
        for name in names:
            calls[name](v)
    times: dict[str, list[list[float]]] = {name: [] for name in names}
    results: dict[str, list[Any]] = {}
    for rnd in range(rounds):
        per = {name: [] for name in names}
        for i, v in enumerate(vectors):
            shift = (i + rnd) % len(names)
            for name in names[shift:] + names[:shift]:
                t = time.perf_counter()
                got = calls[name](v)
                per[name].append(time.perf_counter() - t)
                if rnd == 0:
                    results.setdefault(name, []).append(got)
        for name in names:
            times[name].append(per[name])
    # Untimed control: the same upserts as Store._write, into another fresh folder (store_1):
    # how often two builds of the same rows differ (HNSW is approximate and built in threads).
    cc = client(control_dir)
    control = cc.get_collection(COLLECTION, embedding_function=None)
    control_ids = [control.query(query_embeddings=[v], n_results=n, include=[])["ids"][0] for v in vectors]
    cc.close()
    vc.close()

    ours_ids = [r["ids"][0] for r in results["store"]]
    ours_sim = [[1.0 - d for d in r["distances"][0]] for r in results["store"]]
    theirs_ids = [r.ids for r in results["vector_store"]]
    theirs_sim = [r.similarities for r in results["vector_store"]]
    exact = np.argsort(-(np.asarray(vectors) @ all_vectors.T), axis=1)[:, :n]
    exact_ids = [[all_ids[j] for j in row] for row in exact]
    same_order = sum(a == b for a, b in zip(ours_ids, theirs_ids))
    same_set = sum(set(a) == set(b) for a, b in zip(ours_ids, theirs_ids))

    def summary(name: str) -> dict[str, float]:
        rows = times[name]
        return {"median_ms": round(statistics.median(statistics.median(r) for r in rows) * 1000, 3),
                "p95_ms": round(statistics.median(pct(r, 95) for r in rows) * 1000, 3)}

    def ratio(name: str, stat: Any) -> float:
        return round(statistics.median(stat(a) / stat(b) for a, b in zip(times[name], times["store"])), 3)

    return {
        "questions": len(vectors), "k": n, "rounds": rounds,
        "same_ids_same_order": same_order, "same_id_set": same_set,
        "store_equals_store_rebuilt": sum(a == b for a, b in zip(ours_ids, control_ids)),
        "vector_store_equals_store_rebuilt": sum(a == b for a, b in zip(theirs_ids, control_ids)),
        "store_equals_exact": sum(a == b for a, b in zip(ours_ids, exact_ids)),
        "store_rebuilt_equals_exact": sum(a == b for a, b in zip(control_ids, exact_ids)),
        "vector_store_equals_exact": sum(a == b for a, b in zip(theirs_ids, exact_ids)),
        "score": "store: 1 - cosine distance; ChromaVectorStore: exp(-cosine distance)",
        "score_example": {"store": round(ours_sim[0][0], 4), "vector_store": round(theirs_sim[0][0], 4)},
        "latency": {name: summary(name) for name in names},
        "ratio_vs_store": {name: {"median": ratio(name, statistics.median), "p95": ratio(name, lambda r: pct(r, 95))}
                           for name in names if name != "store"},
    }


def bench_corpus(name: str, folder: Path, work: Path, embedder: Any, qvecs: list[list[float]],
                 runs: int, rounds: int, k: int) -> dict[str, Any]:
    say(f"[{name}] building the index with Store.sync")
    store_dir = work / "index"
    store = Store(store_dir)
    report = store.sync(folder, embedder)
    say(f"[{name}] {report.summary()}")
    rows = read_chunks(store, folder)
    meta = dict(store.collection().metadata)
    store.client.close()
    real_size = folder_bytes(store_dir)

    writes: dict[str, list[dict[str, float]]] = {"store": [], "vector_store": []}
    sizes: dict[str, list[dict[str, int]]] = {"store": [], "vector_store": []}
    for run in range(runs):
        order = ["store", "vector_store"] if run % 2 == 0 else ["vector_store", "store"]
        for kind in order:
            path = work / f"{kind}_{run}"
            fn = write_store_style if kind == "store" else write_vector_store
            writes[kind].append(fn(path, meta, rows))
            sizes[kind].append(folder_bytes(path))
        say(f"[{name}] write run {run + 1}/{runs}: store {writes['store'][-1]['write_s']:.3f} s, "
            f"vector_store {writes['vector_store'][-1]['write_s']:.3f} s")
        for kind in order:  # kept: store_0, store_1 (a control for the queries), vector_store_0
            if run >= 2 or (run == 1 and kind == "vector_store"):
                shutil.rmtree(work / f"{kind}_{run}")

    def med(kind: str, key: str) -> float:
        return round(statistics.median(w[key] for w in writes[kind]), 4)

    ratios = [b["write_s"] / a["write_s"] for a, b in zip(writes["store"], writes["vector_store"])]
    write_ratio = statistics.median(ratios)
    say(f"[{name}] queries")
    all_vectors = np.asarray([r["vector"] for r in rows])
    query = query_compare(store_dir, work / "vector_store_0", work / "store_1", qvecs, all_vectors,
                          [r["id"] for r in rows], k, rounds)
    return {
        "articles": len({r["meta"]["article"] for r in rows}), "chunks": len(rows), "batch": BATCH,
        "write": {
            "runs": runs,
            "store_upsert_s": med("store", "write_s"),
            "vector_store_add_s": med("vector_store", "write_s"),
            "vector_store_build_nodes_s": med("vector_store", "build_nodes_s"),
            "ratio_add_vs_upsert": round(write_ratio, 3),
            "ratio_per_run": [round(r, 3) for r in ratios],
            "chunks_per_s": {"store": round(len(rows) / med("store", "write_s")),
                             "vector_store": round(len(rows) / med("vector_store", "write_s"))},
        },
        "disk_bytes": {
            "store_chunks_only": sizes["store"][0],
            "vector_store": sizes["vector_store"][0],
            "ratio_total": round(sizes["vector_store"][0]["total"] / sizes["store"][0]["total"], 3),
            "store_real_index_with_manifest": real_size,
        },
        "per_chunk_bytes": {"store": per_chunk(work / "store_0"), "vector_store": per_chunk(work / "vector_store_0")},
        "query": query,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=("seeds", "facqa", "both"), default="both")
    ap.add_argument("--facqa", type=Path, default=REPO.parent / "shared/data/facqa/train.jsonl",
                    help="FacQA JSON lines (questions, and the passages of the facqa corpus)")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds", help="folder of the seeds corpus")
    ap.add_argument("--runs", type=int, default=5, help="write runs per corpus (medians; at least 2)")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the questions (medians)")
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13, help="seed of the question sample")
    ap.add_argument("--k", type=int, default=10, help="top k of the dense query")
    args = ap.parse_args()
    if args.runs < 2:
        ap.error("--runs must be at least 2 (the second store-style folder is the query control)")

    import logging
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="chroma-vector-store-"))
    try:
        embedder = load_embedder()
        say(f"embedder: {embedder!r}")
        qs = questions(args.facqa, args.questions, args.seed)
        qvecs = embedder.encode_query(qs).tolist()
        out: dict[str, Any] = {
            "versions": {p: version(p) for p in ("chromadb", "llama-index-core", "llama-index-vector-stores-chroma")},
            "embedder": embedder.name, "cpus": os.cpu_count(), "args": {k: str(v) for k, v in vars(args).items()},
            "corpora": {},
        }
        if args.corpus in ("seeds", "both"):
            out["corpora"]["seeds"] = bench_corpus("seeds", args.seeds, work / "seeds", embedder, qvecs,
                                                   args.runs, args.rounds, args.k)
        if args.corpus in ("facqa", "both"):
            folder = work / "facqa_articles"
            write_passages(load_facqa(args.facqa), folder)
            out["corpora"]["facqa"] = bench_corpus("facqa", folder, work / "facqa", embedder, qvecs,
                                                   args.runs, args.rounds, args.k)
        dim = len(qvecs[0])
        out["add_existing_ids"] = add_existing_ids(work, {"hnsw:space": "cosine"}, dim)
        print(json.dumps(out, indent=1, ensure_ascii=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
