"""One sync run: python sync.py ROOT FOLDER [--sleep S] [--pause-before-persist S] [--no-persist]"""
import argparse, json, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common

ap = argparse.ArgumentParser()
ap.add_argument("root"); ap.add_argument("folder")
ap.add_argument("--sleep", type=float, default=0.0)
ap.add_argument("--pause-before-persist", type=float, default=0.0)
ap.add_argument("--tag", default="")
a = ap.parse_args()

t0 = time.perf_counter()
p, emb, sd = common.make_pipeline(a.root, sleep_s=a.sleep)
t_load = time.perf_counter() - t0
docs = common.load_docs(a.folder)
print(f"[{a.tag}] loaded docstore ({len(p.docstore.get_all_document_hashes())} hashes) at {time.time():.3f}", file=sys.stderr, flush=True)
t1 = time.perf_counter()
nodes = p.run(documents=docs)
t_run = time.perf_counter() - t1
if common.PROGRESS_FILE:
    with open(common.PROGRESS_FILE, "w") as f:
        f.write(f"added_to_chroma {emb.n_texts}\n")
print(f"[{a.tag}] run done at {time.time():.3f}", file=sys.stderr, flush=True)
if a.pause_before_persist:
    time.sleep(a.pause_before_persist)
t2 = time.perf_counter()
p.persist(sd)
t_persist = time.perf_counter() - t2
print(f"[{a.tag}] persisted at {time.time():.3f}", file=sys.stderr, flush=True)
print(json.dumps({"tag": a.tag, "docs": len(docs), "nodes_returned": len(nodes),
                  "embedded_texts": emb.n_texts, "embed_calls": emb.n_calls,
                  "t_load": round(t_load, 3), "t_run": round(t_run, 3),
                  "t_persist": round(t_persist, 3),
                  "t_total": round(time.perf_counter() - t0, 3)}))
