"""The numpy MiniLM encoder keeps giving the vectors it gave before it was optimised.

``data/minilm_reference.npy`` holds the vectors the straightforward (tokens x features,
per-layer) forward pass produced for ``data/minilm_reference_texts.json``: short questions,
SMS shorthand, an empty text, one character, a text past the 256-token limit and a non-English
one.  The knowledge base's stored passage vectors were built with that pass, so a faster encoder
must land within float rounding of it or retrieval scores would drift.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from policy_kb.embed import MiniLMEncoder

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


def test_encoder_matches_reference_vectors_within_float_rounding(encoder: MiniLMEncoder) -> None:
    texts = json.loads((DATA / "minilm_reference_texts.json").read_text(encoding="utf-8"))
    reference = np.load(DATA / "minilm_reference.npy")
    vectors = encoder.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == reference.shape
    assert np.abs(vectors - reference).max() < 1e-5


def test_encoding_a_text_alone_or_in_a_batch_gives_the_same_unit_vector(encoder: MiniLMEncoder) -> None:
    texts = json.loads((DATA / "minilm_reference_texts.json").read_text(encoding="utf-8"))
    batch = encoder.encode(texts)
    alone = encoder.encode([texts[1]])[0]
    assert np.abs(batch[1] - alone).max() < 1e-6
    assert abs(float(np.linalg.norm(alone)) - 1.0) < 1e-5
