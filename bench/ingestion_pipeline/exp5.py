"""Guarantee 5: two concurrent writers on the same Chroma path + persist dir."""
import json, os, shutil, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
from exp4 import show, sync, fresh, modify  # exp4 guarded below
PY = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))

def start(root, folder, tag, sleep):
    return subprocess.Popen([PY, os.path.join(HERE, "sync.py"), root, folder, "--tag", tag,
                             "--sleep", str(sleep)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

def finish(p):
    out, err = p.communicate()
    res = {"rc": p.returncode}
    if p.returncode == 0:
        j = json.loads(out.strip().splitlines()[-1]); res["embedded"] = j["embedded_texts"]
    errs = [l for l in err.splitlines() if not l.startswith("[")]
    res["timeline"] = [l for l in err.splitlines() if l.startswith("[")]
    if errs: res["stderr_tail"] = errs[-3:]
    return res

N = 20
for trial in range(3):
    print(f"### 5a trial {trial}: synced 20 docs; art007 changed; two writers start together on the same folder")
    root, folder = fresh(f"e5a_{trial}", N)
    sync(root, folder, "init")
    modify(folder, [7])
    a = start(root, folder, "W1", 0.2); b = start(root, folder, "W2", 0.2)
    ra, rb = finish(a), finish(b)
    show("5a after both writers", root, folder, {"W1": ra, "W2": rb})
    out = sync(root, folder, "rerun")
    show("5a after normal rerun", root, folder, {"rerun_embedded": out["embedded_texts"]})

print("### 5b: art007 edited twice in quick succession (v1 then v2); W1 syncs snapshot v1,"
      " W2 (started 0.3 s later) syncs snapshot v2 where 10 more docs also changed")
root = os.path.join(common.WORK, "e5b"); shutil.rmtree(root, ignore_errors=True)
s0 = os.path.join(root, "s0"); common.write_corpus(s0, N)
sync(root, s0, "init")
s1 = os.path.join(root, "s1"); shutil.copytree(s0, s1); modify(s1, [7], version=1)
s2 = os.path.join(root, "s2"); shutil.copytree(s0, s2); modify(s2, [7], version=2)
modify(s2, range(10, 20), version=2)
a = start(root, s1, "W1", 0.1); time.sleep(0.3); b = start(root, s2, "W2", 0.1)
ra, rb = finish(a), finish(b)
show("5b after both writers (vs final folder s2)", root, s2, {"W1": ra, "W2": rb})
col = common.chroma_collection(root)
rows = col.get(where={"document_id": "art007.txt"}, include=["documents"])["documents"]
print(json.dumps({"art007_rows": len(rows), "rev1_rows": sum("rev 1" in t for t in rows),
                  "rev2_rows": sum("rev 2" in t for t in rows)}))
out = sync(root, s2, "rerun")
show("5b after normal rerun on s2", root, s2, {"rerun_embedded": out["embedded_texts"]})

print("### 5c: lost update: W1 (slow, snapshot s1: art000-009 changed) and W2 (fast, started 0.3 s later,"
      " snapshot s2 = s1 + art015 changed); W1 persists last")
root = os.path.join(common.WORK, "e5c"); shutil.rmtree(root, ignore_errors=True)
s0 = os.path.join(root, "s0"); common.write_corpus(s0, N)
sync(root, s0, "init")
s1 = os.path.join(root, "s1"); shutil.copytree(s0, s1); modify(s1, range(10), version=1)
s2 = os.path.join(root, "s2"); shutil.copytree(s1, s2); modify(s2, [15], version=1)
a = start(root, s1, "W1", 0.2); time.sleep(0.3); b = start(root, s2, "W2", 0.0)
ra, rb = finish(a), finish(b)
show("5c after both writers (vs final folder s2)", root, s2, {"W1": ra, "W2": rb})
out = sync(root, s2, "rerun")
show("5c after normal rerun on s2", root, s2, {"rerun_embedded": out["embedded_texts"]})
