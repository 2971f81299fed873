"""Semantic text relevance: static sentence embeddings shipped in `static_model/`.

The model is a model2vec static model distilled once from all-MiniLM-L6-v2 (how, and under which
licence, in `static_model/README.md`): one vector per token, a text's vector is the mean of its
tokens' vectors. So paraphrases with no shared word still land close together ("garbage collection
routes" and "waste pickup optimisation"), and a text costs a tokenisation and a table look-up: no
torch, no network, NumPy plus model2vec and its Rust tokenizer at run time. A text's first 512
tokens count (about 3,000 characters of English; `max_length` in the model's config.json).

The model is loaded once per process, on first use, and kept.
"""

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model2vec import StaticModel

MODEL_DIR = Path(__file__).resolve().parent / "static_model"

_model: "StaticModel | None" = None
_lock = threading.Lock()


def get_model() -> "StaticModel":
    """The static model, loaded from MODEL_DIR on first call and cached for the process."""
    global _model  # one model per process, shared by every caller
    if _model is None:
        with _lock:
            if _model is None:
                _model = _load(MODEL_DIR)
    return _model


def _load(path: Path) -> "StaticModel":
    # model2vec takes a path that does not exist for a model name and downloads it from a hub:
    # fail here instead, with the reason.
    missing = [
        name
        for name in ("model.safetensors", "tokenizer.json", "config.json")
        if not (path / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"static embedding model incomplete in {path}: missing {missing}")
    from model2vec import StaticModel  # imported late: it costs about a second

    return StaticModel.from_pretrained(path, normalize=True)


def dimension() -> int:
    """Length of one embedding vector."""
    return int(get_model().dim)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Embed texts: one float32 row per text, L2-normalised.

    A text with no known token (empty, blank, only symbols the vocabulary lacks) gets a row of
    zeros, so its similarity to anything is 0.
    """
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts, not a single string")
    model = get_model()
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    # No multiprocessing: batches of tokenisation already run in parallel inside the Rust
    # tokenizer, and model2vec's thread pool would set TOKENIZERS_PARALLELISM for the whole process.
    vectors = model.encode(
        [text or "" for text in texts],
        normalize=True,
        use_multiprocessing=False,
        show_progress_bar=False,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def similarity(query_vec: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Cosine similarity of a query vector (d,) to each row of matrix (n, d): shape (n,).

    A 2-D query (m, d) gives an (m, n) array. Zero vectors (texts with no known token) score 0.
    """
    query = np.asarray(query_vec, dtype=np.float32)
    rows = np.asarray(matrix, dtype=np.float32)
    if rows.ndim != 2 or query.shape[-1] != rows.shape[1]:
        raise ValueError(f"shapes do not match: query {query.shape}, matrix {rows.shape}")
    row_norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))  # 3x faster than linalg.norm here
    query_norms = np.sqrt(np.sum(query * query, axis=-1, keepdims=True))
    scores = query @ rows.T
    denominator = query_norms * row_norms
    return np.divide(scores, denominator, out=np.zeros_like(scores), where=denominator > 0)
