"""The KB answers a policy question from the NLU's vector of it, instead of encoding the question again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

import numpy as np
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names, policy, routing
from actions.kb_holder import ReusingEncoder, load_reusing_encoder, question_vector_from
from bot.rasa.sentence_vector import PARSE_DATA_KEY, pack
from policy_kb import KnowledgeBase, build

ROOT = Path(__file__).resolve().parents[3]
QUESTION = "do you record my calls?"


class CountingEncoder:
    """An encoder that records what it was asked to encode (wrapping a real one, or giving zeros)."""

    def __init__(self, inner: Optional[object] = None) -> None:
        self.inner = inner
        self.dim = 384
        self.calls: List[List[str]] = []

    def encode(self, texts: Sequence[str], max_tokens: int = 256) -> np.ndarray:
        self.calls.append(list(texts))
        if self.inner is not None:
            return self.inner.encode(texts, max_tokens=max_tokens)  # type: ignore[attr-defined]
        return np.zeros((len(texts), self.dim), dtype=np.float32)


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kb_vector")
    build(ROOT / "policy_kb" / "source" / "cartier-us-privacy-policy-2010.md", out)
    return out


@pytest.fixture
def kb(kb_dir) -> Iterator[KnowledgeBase]:
    loaded = load_reusing_encoder(kb_dir)
    assert isinstance(loaded.encoder, ReusingEncoder)
    counting = CountingEncoder(loaded.encoder.inner)
    loaded.encoder.inner = counting
    policy.set_knowledge_base(loaded)
    yield loaded
    policy.set_knowledge_base(None)


def _latest(text: str, vector: Optional[np.ndarray], tokens: int = 8) -> dict:
    latest = {"text": text, "intent": {"name": names.INTENT_ASK_POLICY}, "intent_ranking": []}
    if vector is not None:
        latest[PARSE_DATA_KEY] = pack(vector, tokens)
    return latest


def _tracker(latest: dict) -> Tracker:
    return Tracker("test", {}, latest, [], False, None, {}, "action_listen")


def test_the_offered_vector_is_used_for_exactly_its_text_within_the_block():
    inner = CountingEncoder()
    encoder = ReusingEncoder(inner)
    offered = np.full(384, 0.05, dtype=np.float32)
    with question_vector_from("my question", _latest("my question", offered)):
        np.testing.assert_allclose(encoder.encode(["my question"], max_tokens=64)[0], offered, atol=1e-3)
        encoder.encode(["another question"], max_tokens=64)
        encoder.encode(["my question", "two texts"], max_tokens=64)
    encoder.encode(["my question"], max_tokens=64)  # after the block
    assert inner.calls == [["another question"], ["my question", "two texts"], ["my question"]]
    assert encoder.reused == 1


def test_a_vector_read_from_more_tokens_than_the_caller_allows_is_not_reused():
    inner = CountingEncoder()
    encoder = ReusingEncoder(inner)
    with question_vector_from("long", _latest("long", np.ones(384, dtype=np.float32), tokens=100)):
        encoder.encode(["long"], max_tokens=64)
    assert inner.calls == [["long"]]


def test_the_policy_answer_from_the_carried_vector_is_the_answer_from_encoding(kb):
    encoded = kb.encoder.inner.inner.encode([QUESTION], max_tokens=64)[0]
    with_vector = CollectingDispatcher()
    asyncio.run(policy.ActionAnswerPolicyQuestion().run(with_vector, _tracker(_latest(QUESTION, encoded)), {}))
    assert kb.encoder.inner.calls == []  # not encoded again
    assert kb.encoder.reused == 1
    kb.hybrid.clear_query_cache()
    without = CollectingDispatcher()
    asyncio.run(policy.ActionAnswerPolicyQuestion().run(without, _tracker(_latest(QUESTION, None)), {}))
    assert kb.encoder.inner.calls == [[QUESTION]]
    assert with_vector.messages == without.messages
    assert with_vector.messages[0]["text"].startswith('From the policy, section "Telephone calls"')


def test_the_routing_action_uses_the_carried_vector_in_its_worker_thread(kb):
    text = "can you delete the recordings of my calls"
    encoded = kb.encoder.inner.inner.encode([text], max_tokens=64)[0]
    dispatcher = CollectingDispatcher()
    asyncio.run(routing.ActionRouteQuestionOrRequest().run(dispatcher, _tracker(_latest(text, encoded)), {}))
    assert kb.encoder.inner.calls == []
    assert kb.encoder.reused == 1
    assert dispatcher.messages
