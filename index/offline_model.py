"""Build the offline embedding model: a sentence-transformers StaticEmbedding over a fixed
subword vocabulary with seeded random vectors.

Why hand-built: with no model hub there are no trained weights to load, yet the product must
still embed through the same sentence-transformers code path. A bag of random subword vectors
is a hashing-trick embedding: cosine similarity tracks shared word pieces, which suits
Indonesian affixed words, and it is fully reproducible from this file alone."""

from __future__ import annotations

import itertools
import shutil
import string
from pathlib import Path

import numpy as np

DIM = 96
SEED = 20260204
_ALPHABET = string.ascii_lowercase + string.digits


def _vocabulary() -> dict[str, int]:
    """[UNK], then every 1-3 character piece of [a-z0-9], as word starts and as '##' continuations."""
    pieces = ["".join(p) for n in (1, 2, 3) for p in itertools.product(_ALPHABET, repeat=n)]
    vocab = ["[UNK]", *pieces, *("##" + p for p in pieces)]
    return {token: i for i, token in enumerate(vocab)}


def build_offline_model(path: Path) -> Path:
    """Write the model to `path` (loadable with SentenceTransformer(path)) and return it."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    vocab = _vocabulary()
    tokenizer = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=64))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    rng = np.random.default_rng(SEED)
    weights = rng.standard_normal((len(vocab), DIM)).astype(np.float32)
    weights /= np.linalg.norm(weights, axis=1, keepdims=True)
    weights[0] = 0.0  # unknown pieces carry no signal
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)])
    tmp = path.with_name(path.name + ".tmp")
    model.save(str(tmp))
    if path.exists():  # another process finished first; its copy is identical
        shutil.rmtree(tmp)
    else:
        tmp.rename(path)
    return path
