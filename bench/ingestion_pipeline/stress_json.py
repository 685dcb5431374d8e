"""docstore.json persistence: torn reads under concurrent persist, and SIGKILL during persist."""
import common, json, os, random, signal, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_index.core import Document
from llama_index.core.storage.docstore import SimpleDocumentStore
HERE = os.path.dirname(os.path.abspath(__file__))
D = os.path.join(common.WORK, "ejson"); os.makedirs(D, exist_ok=True)
PATH = os.path.join(D, "docstore.json")

def build(n, tag):
    ds = SimpleDocumentStore()
    docs = [Document(text=f"{tag} article {i} " + "lorem ipsum " * 40, id_=f"art{i:04d}.txt") for i in range(n)]
    ds.set_document_hashes({d.id_: d.hash for d in docs}); ds.add_documents(docs)
    return ds

if len(sys.argv) > 1 and sys.argv[1] == "writer":  # loop persisting
    ds = build(int(sys.argv[2]), sys.argv[3])
    open(os.path.join(D, f"ready_{sys.argv[3]}"), "w").close()
    for _ in range(int(sys.argv[4])):
        ds.persist(PATH)
    sys.exit(0)

PY = sys.executable
build(1500, "seed").persist(PATH)
print("docstore.json size bytes:", os.path.getsize(PATH))
# (1) two writers persisting 150x each while this process reads 
for f in os.listdir(D):
    if f.startswith("ready_"): os.remove(os.path.join(D, f))
ws = [subprocess.Popen([PY, __file__, "writer", "1500", t, "150"]) for t in ("A", "B")]
while not all(os.path.exists(os.path.join(D, f"ready_{t}")) for t in ("A", "B")):
    time.sleep(0.01)
reads = errs = 0
while any(w.poll() is None for w in ws):
    try:
        SimpleDocumentStore.from_persist_path(PATH); reads += 1
    except Exception as e:
        errs += 1; last = type(e).__name__
print(json.dumps({"concurrent_persist_reader": {"reads_ok": reads, "read_errors": errs,
      "error_type": last if errs else None}}))
try:
    SimpleDocumentStore.from_persist_path(PATH); final_ok = True
except Exception: final_ok = False
print(json.dumps({"final_file_valid_after_concurrent_writers": final_ok}))
# (2) SIGKILL a looping writer at random times; is the file left valid?
random.seed(0); bad = 0; trials = 15
for t in range(trials):
    r = os.path.join(D, "ready_K")
    if os.path.exists(r): os.remove(r)
    w = subprocess.Popen([PY, __file__, "writer", "1500", "K", "100000"])
    while not os.path.exists(r): time.sleep(0.01)
    time.sleep(random.uniform(0.05, 0.5)); os.kill(w.pid, signal.SIGKILL); w.wait()
    try:
        SimpleDocumentStore.from_persist_path(PATH)
    except Exception:
        bad += 1; size = os.path.getsize(PATH)
    build(10, "fix").persist(PATH)
print(json.dumps({"sigkill_during_persist_loop": {"trials": trials, "file_left_invalid": bad}}))
