"""ONNX Runtime for questions: the same tokens, vectors and spans as torch, and a process that
answers without importing torch, transformers or sentence-transformers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ANSWER, ASK, ROOT, SEEDS

LONG = " ".join(open(next(SEEDS.glob("*.txt")), encoding="utf-8").read().split())
TEXTS = [
    "Siapa asisten pemerintah Rusia?", "How long was the call?", "  spasi   ganda\tdan tab ",
    "Xi Jinping dan Vladimir Putin — panggilan “video” (5/2/2026).", "é à ü ß 北京 Москва", LONG,
]


def _hf_windows(tokenizer, questions, contexts, max_length, stride):  # type: ignore[no-untyped-def]
    from qa.reading.reader import encode

    f = encode(tokenizer, questions, contexts, max_length, stride)
    return (f["input_ids"], [list(map(tuple, o)) for o in f["offset_mapping"]], list(f["overflow_to_sample_mapping"]),
            [f.sequence_ids(w) for w in range(len(f["input_ids"]))])


@pytest.mark.parametrize("which", ["packaged", "tiny"])
def test_tokens_are_transformers_tokens(which: str, embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    from index.embedder import packaged_model_path
    from index.ort import Tokens

    folder = packaged_model_path() if which == "packaged" else tiny_model_dir
    hf, ours = AutoTokenizer.from_pretrained(str(folder)), Tokens(folder / "tokenizer.json")
    assert ours.pad_id == hf.pad_token_id
    assert ours.single(TEXTS, 64) == [hf(t, truncation=True, max_length=64)["input_ids"] for t in TEXTS]
    questions = [TEXTS[0], TEXTS[1], TEXTS[3]]
    contexts = [LONG, "Jembatan itu panjang.", LONG[:700]]
    windows = ours.pairs(questions, contexts, 96, 24)
    mine = (windows["input_ids"], [list(map(tuple, o)) for o in windows["offset_mapping"]],
            windows["overflow_to_sample_mapping"], [windows.sequence_ids(w) for w in range(len(windows["input_ids"]))])
    assert mine == _hf_windows(hf, questions, contexts, 96, 24)
    assert len(windows["input_ids"]) > 5  # the long context was cut into overlapping windows


@pytest.mark.parametrize("which", ["packaged", "tiny"])
def test_query_vectors_are_sentence_transformers_vectors(which: str, embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from index.embedder import load_embedder

    fast = embedder if which == "packaged" else load_embedder(str(tiny_model_dir))
    assert fast.fast is not None
    questions = TEXTS[:5]
    mine = fast.encode_query(questions)
    theirs = fast.model.encode_query(questions, normalize_embeddings=True, convert_to_numpy=True)
    assert mine.shape == theirs.shape == (5, fast.dim)
    assert np.abs(mine - theirs).max() < 1e-4
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)


def test_the_sentence_transformer_loads_only_to_embed_documents(tiny_model_dir: Path, tmp_path: Path) -> None:
    from index.embedder import load_embedder
    from index.store import Store

    tiny = load_embedder(str(tiny_model_dir))
    assert tiny.fast is not None and tiny._model is None and tiny.dim == 32
    tiny.encode_query(["Siapa wali kota?"])
    assert tiny._model is None
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Wali kota Port Halvern adalah Elena Varga.\n", encoding="utf-8")
    Store(tmp_path / "index").sync(folder, tiny)
    assert tiny._model is not None


def test_qa_runtime_torch_keeps_everything_on_torch(monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path) -> None:
    from index.embedder import load_embedder
    from qa.reading import Reader

    monkeypatch.setenv("QA_RUNTIME", "torch")
    assert load_embedder(str(tiny_model_dir)).fast is None
    reader = Reader()
    reader.warm_up()
    assert type(reader._loaded[1]).__name__ == "BertForQuestionAnswering"


def test_without_the_onnx_package_the_reader_says_so_and_runs_on_torch(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import index.ort as ort
    from qa.reading import Reader

    real = ort.find_spec
    monkeypatch.setattr(ort, "find_spec", lambda name: None if name == "onnx" else real(name))
    monkeypatch.setattr(ort, "graph_path", lambda kind, sources: tmp_path / f"{kind}.onnx")  # nothing exported
    with caplog.at_level(logging.WARNING):
        reader = Reader()
        spans = reader.read(ASK, ["Asisten pemerintah Rusia, Yuri Ushakov, berkata."])
    assert type(reader._loaded[1]).__name__ == "BertForQuestionAnswering" and spans
    assert any("reader runs on torch" in r.message and "onnx" in r.message for r in caplog.records)


def test_the_shipped_reader_reads_the_same_on_onnx_runtime_and_torch(monkeypatch: pytest.MonkeyPatch, embedder) -> None:  # type: ignore[no-untyped-def]
    from index.ort import Encoder
    from qa.reading import Reader

    passages = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    fast = Reader()
    fast.warm_up()
    assert isinstance(fast._loaded[1], Encoder)
    monkeypatch.setenv("QA_RUNTIME", "torch")
    slow = Reader()
    for question in (ASK, "How long was the call?", "Berapa lama panggilan video itu?"):
        a, b = fast.read(question, passages), slow.read(question, passages)
        assert [(s.passage, s.start, s.end, s.text) for s in a] == [(s.passage, s.start, s.end, s.text) for s in b]
        assert max(abs(x.score - y.score) + abs(x.null - y.null) for x, y in zip(a, b)) < 1e-3


def test_asking_from_the_command_line_imports_neither_torch_nor_sentence_transformers(seeds_bot, embedder) -> None:  # type: ignore[no-untyped-def]
    from qa.reading import Reader

    Reader().warm_up()  # both graphs are exported to the shared cache by now
    code = ("import sys; from qa.__main__ import main; main(['ask', '--json', sys.argv[1]]); "
            "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'sklearn') "
            "if m in sys.modules)))")
    env = {**os.environ, "QA_PERSIST_DIR": str(seeds_bot.store.persist_dir)}
    out = subprocess.run([sys.executable, "-c", "import json; " + code, ASK], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    *answer, imported = out.stdout.strip().splitlines()
    assert json.loads(imported) == []
    assert ANSWER in json.loads("\n".join(answer))["text"]


def test_only_mean_pooled_bert_folders_run_on_onnx_runtime(tiny_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    from index.embedder import QueryEncoder

    legacy = tmp_path / "legacy-cls"
    shutil.copytree(tiny_model_dir, legacy)
    (legacy / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 32, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    assert QueryEncoder.for_folder(legacy) is None  # CLS pooling: sentence-transformers embeds its questions
    (legacy / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True}))
    assert QueryEncoder.for_folder(legacy) is not None
    (legacy / "tokenizer.json").write_text("{not json")
    assert QueryEncoder.for_folder(legacy) is None  # a broken tokenizer: one log line, then torch


def test_a_damaged_graph_is_exported_again_and_a_failed_export_is_not_retried(
        tiny_model_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    import index.ort as ort
    from index.embedder import QueryEncoder

    fast = QueryEncoder.for_folder(tiny_model_dir)
    graph = ort.graph_path("embedding", [tiny_model_dir / "model.safetensors", tiny_model_dir / "config.json"])
    assert fast is not None and graph.is_file()
    expected = fast.encode(["Siapa wali kota?"])
    graph.write_bytes(b"not a graph")
    with caplog.at_level(logging.WARNING):
        again = QueryEncoder.for_folder(tiny_model_dir)
    assert again is not None and np.allclose(again.encode(["Siapa wali kota?"]), expected, atol=1e-6)
    assert "cannot be loaded" in caplog.text and "exporting it again" in caplog.text

    calls = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("no exporter for this model")

    words = np.zeros((4, 8), dtype=np.float32)
    sources = [tiny_model_dir / "config.json"]
    for _ in range(2):
        with pytest.raises(ort.RuntimeUnavailable, match="no exporter for this model"):
            ort.load_or_export("test-broken", sources, words, 0, broken, ("out",))
    assert calls == [1]  # the second call read the kept reason instead of exporting again
