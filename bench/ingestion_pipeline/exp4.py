"""Guarantee 4: SIGKILL mid-run, inspect Chroma vs persisted docstore, then re-run."""
import json, os, shutil, signal, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
PY = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ["chroma_rows", "expected_rows", "duplicate_rows", "stale_rows", "missing_rows",
        "dup_docs", "stale_docs", "missing_docs", "n_docstore_hash_mismatch", "docstore_extra",
        "docstore", "correct"]

def show(label, root, folder, extra=None):
    st = common.inspect(root, folder)
    print(json.dumps({"state": label, **(extra or {}), **{k: st[k] for k in KEYS}}), flush=True)

def sync(root, folder, tag, sleep=0.0):
    r = subprocess.run([PY, os.path.join(HERE, "sync.py"), root, folder, "--tag", tag,
                        "--sleep", str(sleep)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])

def killed_sync(root, folder, tag, when, pause=0.0, sleep=0.05):
    """when: ('embedded', n) -> kill after n texts embedded; ('added',) -> kill after Chroma add."""
    prog = os.path.join(root, "progress.txt")
    if os.path.exists(prog): os.remove(prog)
    env = dict(os.environ, PROGRESS_FILE=prog)
    cmd = [PY, os.path.join(HERE, "sync.py"), root, folder, "--tag", tag, "--sleep", str(sleep),
           "--pause-before-persist", str(pause)]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    while p.poll() is None:
        try:
            seen = open(prog).read().strip()
        except (FileNotFoundError, OSError):
            seen = ""
        if when[0] == "embedded" and seen.startswith("embedded") and int(seen.split()[1]) >= when[1]:
            break
        if when[0] == "added" and seen.startswith("added_to_chroma"):
            break
        time.sleep(0.01)
    rc_before = p.poll()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    return {"killed_at_progress": seen, "exited_before_kill": rc_before is not None}

def fresh(name, n):
    root = os.path.join(common.WORK, name); folder = os.path.join(root, "folder")
    shutil.rmtree(root, ignore_errors=True)
    common.write_corpus(folder, n)
    return root, folder

def modify(folder, ids, version=1):
    for i in ids:
        with open(os.path.join(folder, f"art{i:03d}.txt"), "w") as f:
            f.write(common.article_text(i, version))

if __name__ == "__main__":
    N = 40
    print("### A: fresh store, 40 docs (80 chunks), SIGKILL after 40 of 80 embeddings")
    root, folder = fresh("e4A", N)
    info = killed_sync(root, folder, "A-killed", ("embedded", 40))
    show("A after kill", root, folder, info)
    out = sync(root, folder, "A-rerun")
    show("A after normal rerun", root, folder, {"rerun_embedded": out["embedded_texts"]})

    print("### B: fresh store, SIGKILL after vector_store.add() returned but before pipeline.persist()")
    root, folder = fresh("e4B", N)
    info = killed_sync(root, folder, "B-killed", ("added",), pause=5)
    show("B after kill", root, folder, info)
    out = sync(root, folder, "B-rerun")
    show("B after normal rerun", root, folder, {"rerun_embedded": out["embedded_texts"]})
    out = sync(root, folder, "B-rerun2")
    show("B after 2nd normal rerun", root, folder, {"rerun_embedded": out["embedded_texts"]})

    print("### C: synced store; change art000-019, delete art038-039; SIGKILL after 20 of 40 embeddings")
    root, folder = fresh("e4C", N)
    sync(root, folder, "C-initial")
    modify(folder, range(20))
    for i in (38, 39): os.remove(os.path.join(folder, f"art{i:03d}.txt"))
    info = killed_sync(root, folder, "C-killed", ("embedded", 20))
    show("C after kill", root, folder, info)
    out = sync(root, folder, "C-rerun")
    show("C after normal rerun", root, folder, {"rerun_embedded": out["embedded_texts"]})

    print("### D: synced store; change art000-019; SIGKILL after Chroma add, before persist")
    root, folder = fresh("e4D", N)
    sync(root, folder, "D-initial")
    modify(folder, range(20))
    info = killed_sync(root, folder, "D-killed", ("added",), pause=5)
    show("D after kill", root, folder, info)
    out = sync(root, folder, "D-rerun")
    show("D after normal rerun", root, folder, {"rerun_embedded": out["embedded_texts"]})
