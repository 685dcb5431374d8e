"""Embedding articles: sentence-transformers on torch against the ONNX Runtime export of the same
model, in fp32 and with int8 weights (dynamic quantisation).

Embeds the first N distinct FacQA passages three ways (two timed rounds each, the three
alternating), and compares each set of vectors with sentence-transformers' (cosine) and by dense
retrieval: for a fixed sample of FacQA questions about those passages (query vectors from the
product's embedder), how often the question's own passage is the nearest. Prints one JSON object.
The int8 graph is written to a temporary folder that is deleted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/onnx_documents/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--facqa", type=Path, default=REPO.parent / "shared" / "data" / "facqa" / "train.jsonl")
    parser.add_argument("--passages", type=int, default=400, help="distinct FacQA passages embedded")
    parser.add_argument("--questions", type=int, default=300, help="FacQA questions about them (seed 13)")
    args = parser.parse_args(argv)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from bench.corpus import load_facqa
    from index.embedder import load_embedder, packaged_model_path
    from index.ort import Encoder, graph_path, tokens_for, word_table

    items = load_facqa(args.facqa)
    passages = list(dict.fromkeys(i.passage for i in items))[: args.passages]
    index = {p: i for i, p in enumerate(passages)}
    asked = [i for i in items if i.passage in index]
    asked = random.Random(13).sample(asked, min(args.questions, len(asked)))
    embedder = load_embedder()  # the packaged model offline; its query encoder exports the graph
    folder = packaged_model_path()
    graph = graph_path("embedding", [folder / "model.safetensors", folder / "config.json"])
    tokens, words = tokens_for(folder / "tokenizer.json"), word_table(folder / "model.safetensors")

    def on_onnx(encoder: Encoder, texts: list[str]) -> np.ndarray:
        ids = tokens.single(["passage: " + t for t in texts], 512)
        vectors = np.stack([hidden.mean(axis=0) for (hidden,) in encoder.run(ids)])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    with tempfile.TemporaryDirectory(prefix="onnx-documents-") as work:
        int8_graph = Path(work) / "embedding-int8.onnx"
        quantize_dynamic(str(graph), str(int8_graph), weight_type=QuantType.QInt8)
        fp32, int8 = Encoder(graph, words, tokens.pad_id), Encoder(int8_graph, words, tokens.pad_id)
        ways = {
            "sentence-transformers (torch)": lambda t: embedder.model.encode_document(
                t, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False),
            "onnx fp32": lambda t: on_onnx(fp32, t),
            "onnx int8": lambda t: on_onnx(int8, t),
        }
        for embed in ways.values():
            embed(passages[:8])  # warm-up
        seconds: dict[str, list[float]] = {k: [] for k in ways}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(2):
            for name, embed in ways.items():
                started = time.perf_counter()
                vectors[name] = embed(passages)
                seconds[name].append(time.perf_counter() - started)
    queries = embedder.encode_query([q.question for q in asked])
    reference = vectors["sentence-transformers (torch)"]
    out: dict[str, object] = {"passages": len(passages), "questions": len(asked)}
    for name, v in vectors.items():
        cosine = (v * reference).sum(axis=1)
        nearest = (queries @ v.T).argmax(axis=1)
        out[name] = {
            "passages_per_s": round(len(passages) / statistics.median(seconds[name]), 1),
            "cosine_to_torch_min": round(float(cosine.min()), 5),
            "cosine_to_torch_mean": round(float(cosine.mean()), 5),
            "own_passage_nearest": round(float(np.mean([nearest[j] == index[q.passage] for j, q in enumerate(asked)])), 4),
        }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
