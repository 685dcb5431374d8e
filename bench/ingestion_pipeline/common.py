"""Shared helpers: corpus generation, pipeline construction, state inspection."""
import hashlib, json, os, sys, time
from collections import Counter

import chromadb
from chromadb.config import Settings
from llama_index.core import Document
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.ingestion import IngestionPipeline, DocstoreStrategy
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.vector_stores.chroma import ChromaVectorStore

COLLECTION = "news"
# Where the experiments keep their stores and folders (each run starts them afresh).
WORK = os.environ.get("INGEST_WORK") or os.path.join(__import__("tempfile").gettempdir(), "ingestion-pipeline-exp")
os.makedirs(WORK, exist_ok=True)
PROGRESS_FILE = os.environ.get("PROGRESS_FILE")  # embed progress, for the killer


class CountingEmbedding(MockEmbedding):
    """Deterministic 8-dim embedding; counts embedded texts; optional sleep per text."""
    sleep_s: float = 0.0
    n_texts: int = 0
    n_calls: int = 0

    def _vec(self, text):
        h = hashlib.sha256(text.encode()).digest()
        return [b / 255.0 for b in h[: self.embed_dim]]

    def _get_text_embedding(self, text):
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts):
        self.n_calls += 1
        out = []
        for t in texts:
            if self.sleep_s:
                time.sleep(self.sleep_s)
            self.n_texts += 1
            out.append(self._vec(t))
            if PROGRESS_FILE:
                with open(PROGRESS_FILE, "w") as f:
                    f.write(f"embedded {self.n_texts}\n")
        return out

    def _get_query_embedding(self, query):
        return self._vec(query)


def splitter():
    return SentenceSplitter(chunk_size=64, chunk_overlap=0)


SENTS = [
    "The council approved the new budget on Tuesday after a long debate.",
    "Local farmers reported a record harvest despite the dry summer.",
    "The central bank left interest rates unchanged for the third month.",
    "A new bridge over the river is expected to open next spring.",
    "Researchers published a study on coastal erosion in the region.",
    "The football club announced the signing of a young striker.",
    "Heavy rain caused delays on several commuter rail lines.",
    "The museum will host an exhibition of medieval manuscripts.",
]


def article_text(i, version=0, n_sent=6):
    body = " ".join(SENTS[(i + k) % len(SENTS)] for k in range(n_sent))
    return f"Article {i} (rev {version}). {body} Closing note for article {i} rev {version}."


def write_corpus(folder, n, n_sent=6):
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        with open(os.path.join(folder, f"art{i:03d}.txt"), "w") as f:
            f.write(article_text(i, 0, n_sent))


def load_docs(folder):
    docs = []
    for fn in sorted(os.listdir(folder)):
        if fn.endswith(".txt"):
            with open(os.path.join(folder, fn)) as f:
                # stable id = filename; no mtime metadata (would change the hash)
                docs.append(Document(text=f.read(), id_=fn))
    return docs


def chroma_collection(root):
    client = chromadb.PersistentClient(
        path=os.path.join(root, "chroma"), settings=Settings(anonymized_telemetry=False)
    )
    return client.get_or_create_collection(COLLECTION)


def make_pipeline(root, sleep_s=0.0, disable_cache=False):
    emb = CountingEmbedding(embed_dim=8, sleep_s=sleep_s)
    vs = ChromaVectorStore(chroma_collection=chroma_collection(root))
    p = IngestionPipeline(
        transformations=[splitter(), emb],
        vector_store=vs,
        docstore=SimpleDocumentStore(),
        docstore_strategy=DocstoreStrategy.UPSERTS_AND_DELETE,
        disable_cache=disable_cache,
    )
    sd = os.path.join(root, "pipeline_storage")
    if os.path.exists(sd):
        p.load(sd)
    return p, emb, sd


def expected_chunks(folder):
    """doc_id -> Counter(chunk texts) the folder should produce."""
    exp = {}
    for d in load_docs(folder):
        nodes = splitter().get_nodes_from_documents([d])
        exp[d.id_] = Counter(n.get_content() for n in nodes)
    return exp


def inspect(root, folder=None):
    col = chroma_collection(root)
    got = col.get(include=["documents", "metadatas"])
    by_doc = {}
    for txt, md in zip(got["documents"], got["metadatas"]):
        by_doc.setdefault(md.get("document_id"), Counter())[txt] += 1
    ds_path = os.path.join(root, "pipeline_storage", "docstore.json")
    ds_info = {"exists": os.path.exists(ds_path)}
    ds_hashes = {}
    if ds_info["exists"]:
        try:
            ds = SimpleDocumentStore.from_persist_path(ds_path)
            ds_hashes = {v: k for k, v in ds.get_all_document_hashes().items()}  # doc_id->hash
            ds_info["n_docs_with_hash"] = len(ds_hashes)
        except Exception as e:  # torn / corrupt JSON
            ds_info["error"] = repr(e)[:200]
    res = {"chroma_rows": len(got["ids"]), "chroma_docs": len(by_doc), "docstore": ds_info}
    if folder is not None:
        exp = expected_chunks(folder)
        cur_hash = {d.id_: d.hash for d in load_docs(folder)}
        dup = stale = missing = 0
        dup_docs, stale_docs, missing_docs, orphan_docs = [], [], [], []
        for doc_id, c in by_doc.items():
            if doc_id not in exp:
                orphan_docs.append(doc_id)
                stale += sum(c.values())
                continue
            e = exp[doc_id]
            s = sum((c - e).values())  # rows not expected
            # split "not expected" into duplicates of expected texts vs stale texts
            d_ = sum(max(0, c[t] - e[t]) for t in c if t in e)
            if d_:
                dup += d_; dup_docs.append(doc_id)
            if s - d_:
                stale += s - d_; stale_docs.append(doc_id)
        for doc_id, e in exp.items():
            m = sum((e - by_doc.get(doc_id, Counter())).values())
            if m:
                missing += m; missing_docs.append(doc_id)
        exp_rows = sum(sum(e.values()) for e in exp.values())
        ds_mismatch = sorted(k for k in cur_hash if ds_hashes.get(k) != cur_hash[k])
        ds_extra = sorted(k for k in ds_hashes if k not in cur_hash)
        res.update(
            expected_rows=exp_rows, duplicate_rows=dup, stale_rows=stale, missing_rows=missing,
            dup_docs=dup_docs[:12], stale_docs=(stale_docs + orphan_docs)[:12],
            missing_docs=missing_docs[:12],
            docstore_hash_mismatch=ds_mismatch[:12], n_docstore_hash_mismatch=len(ds_mismatch),
            docstore_extra=ds_extra[:12],
            correct=(dup == stale == missing == 0),
        )
    return res


if __name__ == "__main__":  # python common.py inspect ROOT [FOLDER]
    print(json.dumps(inspect(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None), indent=1))
