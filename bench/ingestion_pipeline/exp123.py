"""Guarantees 1-3: unchanged re-run, changed article, deleted article (10 articles)."""
import json, os, shutil, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
PY = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(common.WORK, "e123"); folder = os.path.join(root, "folder")
shutil.rmtree(root, ignore_errors=True)
common.write_corpus(folder, 10)

def sync(tag):
    r = subprocess.run([PY, os.path.join(HERE, "sync.py"), root, folder, "--tag", tag],
                       capture_output=True, text=True, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    st = common.inspect(root, folder)
    keys = ["chroma_rows", "expected_rows", "duplicate_rows", "stale_rows", "missing_rows",
            "n_docstore_hash_mismatch", "docstore_extra", "correct"]
    print(json.dumps({"step": tag, "embedded_texts": out["embedded_texts"],
                      "nodes_returned": out["nodes_returned"], **{k: st[k] for k in keys}}))
    return st

sync("1_initial_10_docs")
sync("2_rerun_unchanged")
# changed article: art003 rewritten (different text, and one more sentence -> 3 chunks)
old = common.expected_chunks(folder)["art003.txt"]
with open(os.path.join(folder, "art003.txt"), "w") as f:
    f.write(common.article_text(3, version=1, n_sent=10))
st = sync("3_changed_art003")
col = common.chroma_collection(root)
rows = col.get(where={"document_id": "art003.txt"}, include=["documents"])["documents"]
print(json.dumps({"art003_rows": len(rows), "old_texts_still_present": sum(t in old for t in rows),
                  "rows_mention_rev1": sum("rev 1" in t for t in rows),
                  "rows_mention_rev0": sum("rev 0" in t for t in rows)}))
os.remove(os.path.join(folder, "art005.txt"))
sync("4_deleted_art005")
print(json.dumps({"art005_rows": len(col.get(where={"document_id": "art005.txt"})["ids"])}))
# touch (mtime only) -> no re-embed since we build Documents without file metadata
os.utime(os.path.join(folder, "art001.txt"))
sync("5_touched_art001_only")
sync("6_rerun_unchanged_again")
