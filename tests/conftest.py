"""Shared fixtures: an isolated, network-free environment, the seed bot, and a tiny real model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FACQA = ROOT.parent / "shared" / "data" / "facqa" / "train.jsonl"
# A question the shipped reader answers, for tests of the plumbing around it (API, CLI, app,
# stores); how often it answers right is measured by tests/test_answers.py and the benchmark.
ASK = "Siapa asisten pemerintah Rusia?"
ANSWER = "Yuri Ushakov"
ANSWER_ARTICLE = "000_23b6403ff7373a43.txt"


@pytest.fixture(scope="session", autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No hub, an empty model cache, and the project's cache in a temp folder."""
    base = tmp_path_factory.mktemp("env")
    saved = dict(os.environ)
    os.environ.update(
        QA_CACHE_DIR=str(base / "cache"),
        HF_HOME=str(base / "hf"),
        HF_ENDPOINT="http://127.0.0.1:9",  # closed port: the hub is unreachable at once
        QA_EMBED_MODEL="intfloat/multilingual-e5-small",
        QA_PERSIST_DIR=str(base / "default-index"),
    )
    for name in ("QA_CHROMA_URL", "QA_LLM_URL", "QA_LLM_MODEL", "QA_LLM_KEY", "QA_LLM_TIMEOUT"):
        os.environ.pop(name, None)
    yield base
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def embedder(isolated_env: Path):  # type: ignore[no-untyped-def]
    """The offline embedder (multilingual-e5-small rebuilt from the installed packages), loaded
    once: the configured hub model is not available here."""
    from index.embedder import load_embedder

    return load_embedder()


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """A fresh copy of seeds/ that a test may change."""
    out = tmp_path / "articles"
    out.mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, out / path.name)
    return out


@pytest.fixture(scope="session")
def seeds_bot(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """A bot over a copy of seeds/, indexed once for the session."""
    from qa import Bot

    folder = tmp_path_factory.mktemp("seeds")
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return Bot.from_articles(folder, persist_dir=tmp_path_factory.mktemp("index"), embedder=embedder)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small BERT sentence-transformer with a WordPiece tokenizer trained on the seeds,
    saved to disk so it loads through the same path as a downloaded model."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    work = tmp_path_factory.mktemp("tiny")
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=600, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    )
    tokenizer.train([str(p) for p in SEEDS.glob("*.txt")], trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
    )
    base = work / "base"
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=256,
    )
    BertModel(config).save_pretrained(base)
    fast.save_pretrained(base)
    transformer = Transformer(str(base), max_seq_length=256)
    model = SentenceTransformer(modules=[transformer, Pooling(32, "mean")])
    out = work / "tiny-model"
    model.save(str(out))
    return out
