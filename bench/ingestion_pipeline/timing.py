"""Full run vs unchanged re-run, 200 tiny docs, no embedding sleep; medians of 3."""
import json, os, shutil, statistics, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
PY = sys.executable; HERE = os.path.dirname(os.path.abspath(__file__))
res = {"full": [], "rerun": []}
for t in range(3):
    root = os.path.join(common.WORK, f"etime_{t}"); folder = os.path.join(root, "folder")
    shutil.rmtree(root, ignore_errors=True); common.write_corpus(folder, 200)
    for kind in ("full", "rerun"):
        w0 = time.perf_counter()
        r = subprocess.run([PY, os.path.join(HERE, "sync.py"), root, folder], capture_output=True, text=True, check=True)
        j = json.loads(r.stdout.strip().splitlines()[-1]); j["process_wall"] = round(time.perf_counter() - w0, 3)
        res[kind].append(j)
    st = common.inspect(root, folder); assert st["correct"], st
    sizes = {f: os.path.getsize(os.path.join(root, "pipeline_storage", f)) for f in os.listdir(os.path.join(root, "pipeline_storage"))}
for kind, rows in res.items():
    print(kind, json.dumps({k: statistics.median(r[k] for r in rows) for k in
          ("embedded_texts", "t_load", "t_run", "t_persist", "t_total", "process_wall")}))
print("pipeline_storage file sizes (bytes):", sizes)
