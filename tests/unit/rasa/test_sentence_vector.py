"""A message's MiniLM vector survives the trip in the parse data (float16), and bad payloads are ignored."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from bot.rasa.sentence_vector import DIMENSION, PARSE_DATA_KEY, pack, unpack


def _unit_vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIMENSION).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_a_packed_vector_comes_back_within_float16_precision_after_json():
    vector = _unit_vector(1)
    parse_data = json.loads(json.dumps({"text": "hi", PARSE_DATA_KEY: pack(vector, 7)}))
    carried = unpack(parse_data)
    assert carried is not None
    assert carried.tokens == 7
    assert carried.vector.dtype == np.float32
    np.testing.assert_allclose(carried.vector, vector, atol=1e-3)
    assert len(parse_data[PARSE_DATA_KEY]["f16"]) <= 1100  # compact: ~1 KB per message


@pytest.mark.parametrize(
    "packed",
    [
        None,
        "not a mapping",
        {"f16": "!!!not base64!!!", "tokens": 3},
        {"f16": base64.b64encode(b"\x00" * 10).decode(), "tokens": 3},  # wrong size
        {"f16": base64.b64encode(np.full(DIMENSION, np.inf, "<f2").tobytes()).decode(), "tokens": 3},
        {"f16": base64.b64encode(np.zeros(DIMENSION, "<f2").tobytes()).decode(), "tokens": 0},
        {"f16": base64.b64encode(np.zeros(DIMENSION, "<f2").tobytes()).decode(), "tokens": True},
        {"tokens": 3},
    ],
)
def test_a_missing_or_malformed_vector_is_ignored(packed):
    assert unpack({PARSE_DATA_KEY: packed}) is None


def test_parse_data_without_a_vector_gives_none():
    assert unpack({"text": "hello"}) is None
    assert unpack(None) is None
