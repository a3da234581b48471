"""Dense sentence features for the intent classifier from the project's own MiniLM encoder.

Why: CountVectors only know the words of the training examples, so a message
phrased differently ("can u wipe my stuff") falls through. MiniLM sentence
embeddings put paraphrases close together; the classifier gets them as one dense
*sentence-level* feature vector next to the sparse sequence/sentence features,
the way Rasa's ``ConveRTFeaturizer`` and ``LanguageModelFeaturizer`` add theirs
(``Featurizer.add_features_to_message``).

The encoder is ``policy_kb.embed.MiniLMEncoder``: ONNX Runtime on one thread, weights
from an installed package, no torch and no download. It is loaded once per process and
shared by every pipeline that uses this component (cross-validation folds,
the served model). Training texts are encoded in one batch per attribute and
memoised for the life of the process, so the folds of ``rasa test nlu
--cross-validation`` encode each example once; texts seen at inference (user
messages, which may hold personal data) are never memoised.

A user message's vector is also added to its parse data (``sentence_vector.py``), so the
action server's knowledge base answers a policy question without encoding it again.

Use in ``config.yml`` after the tokenizer::

    - name: bot.rasa.sentence_featurizer.MiniLMSentenceFeaturizer
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.sentence_vector import PARSE_DATA_KEY, pack
from bot.rasa.value_tokenizer import with_value_kinds

__all__ = ["MiniLMSentenceFeaturizer", "encode_texts"]

logger = logging.getLogger(__name__)

# attributes of an incoming message that carry text (the others are labels)
_INFERENCE_ATTRIBUTES = (TEXT, ACTION_TEXT)
#: Size of a MiniLM sentence vector.
_DIMENSION = 384
# bound on memoised training texts (a few thousand examples in practice)
_TRAINING_CACHE_LIMIT = 50_000

_encoder_lock = threading.Lock()
_encoder: Optional[Any] = None
_training_cache: Dict[str, np.ndarray] = {}
_tokenizer: Optional[Any] = None
# the encoder's own cut (policy_kb.embed): a text is encoded from at most this many tokens
_ENCODER_MAX_TOKENS = 256


def _get_encoder() -> Any:
    """The process-wide MiniLM encoder (loaded on first use, ~0.2 s)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from policy_kb.embed import EmbeddingUnavailable, MiniLMEncoder

            try:
                _encoder = MiniLMEncoder()
            except EmbeddingUnavailable as exc:
                raise InvalidConfigException(
                    "MiniLMSentenceFeaturizer needs the MiniLM model package (see requirements.in)"
                ) from exc
        return _encoder


def token_count(text: str) -> int:
    """How many tokens (with [CLS] and [SEP], after the encoder's cut) the encoder reads of ``text``."""
    global _tokenizer
    with _encoder_lock:
        if _tokenizer is None:
            from tokenizers import Tokenizer

            from policy_kb.embed import find_model_dir

            tokenizer = Tokenizer.from_file(str(find_model_dir() / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=_ENCODER_MAX_TOKENS)
            tokenizer.no_padding()
            _tokenizer = tokenizer
    return len(_tokenizer.encode(text).ids)


def encode_texts(texts: Sequence[str], memoise: bool = False) -> np.ndarray:
    """L2-normalised sentence embeddings of ``texts``, shape ``(len(texts), dim)``, float32.

    With ``memoise`` (training data only) each distinct text is encoded once per process.
    """
    encoder = _get_encoder()
    if not memoise:
        return encoder.encode(list(texts))
    missing = sorted({t for t in texts if t not in _training_cache})
    if missing:
        vectors = encoder.encode(missing)
        if len(_training_cache) + len(missing) > _TRAINING_CACHE_LIMIT:
            _training_cache.clear()
        _training_cache.update(zip(missing, vectors))
        if any(t not in _training_cache for t in texts):  # evicted above: encode directly
            return encoder.encode(list(texts))
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for row, text in enumerate(texts):
        out[row] = _training_cache[text]
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one 384-d MiniLM sentence vector per text (no sequence features)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The base featurizer option (``alias``) and ``values_as_kinds``.

        ``values_as_kinds``: encode a message with each typed value (e-mail, phone,
        reference, date ...) replaced by its kind (:func:`bot.rasa.value_tokenizer.with_value_kinds`),
        so the letters of a random address cannot move the message to another intent.
        """
        return {**DenseFeaturizer.get_default_config(), "values_as_kinds": False}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """``values_as_kinds`` must be a boolean."""
        if not isinstance(config.get("values_as_kinds", False), bool):
            raise InvalidConfigException("MiniLMSentenceFeaturizer: values_as_kinds must be true or false")

    @staticmethod
    def required_packages() -> List[Text]:
        """The tokenizer and weight loader the numpy encoder needs."""
        return ["tokenizers", "safetensors"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """all-MiniLM-L6-v2 is an English model."""
        return ["en"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MiniLMSentenceFeaturizer":
        """A featurizer named after its graph node (the usual featurizer identifier)."""
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every example's text attributes, one encoder batch per attribute."""
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            examples = [m for m in training_data.training_examples if m.get(attribute)]
            if not examples:
                continue
            vectors = encode_texts([self._encoded_text(m.get(attribute)) for m in examples], memoise=True)
            for message, vector in zip(examples, vectors):
                self._set_features(message, vector, attribute)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurize incoming messages (their text, or an action's text in end-to-end stories).

        A user message with empty text still gets a (zero) sentence vector, so every message reaches
        the classifier with the same features and an empty message is answered, not a failed turn.
        """
        for message in messages:
            if message.get(TEXT) is not None and not message.get(TEXT):
                self._set_features(message, np.zeros(_DIMENSION, dtype=np.float32), TEXT)
        for attribute in _INFERENCE_ATTRIBUTES:
            with_text = [m for m in messages if m.get(attribute)]
            if not with_text:
                continue
            encoded = [self._encoded_text(m.get(attribute)) for m in with_text]
            vectors = encode_texts(encoded)
            for message, text, vector in zip(with_text, encoded, vectors):
                self._set_features(message, vector, attribute)
                # for the action server's KB (sentence_vector.py), which reuses it only for the very text
                # the user typed: a message whose values were replaced by their kinds is encoded there again
                if attribute == TEXT and text == message.get(TEXT):
                    message.set(PARSE_DATA_KEY, pack(vector, token_count(text)), add_to_output=True)
        return messages

    def _encoded_text(self, text: Text) -> Text:
        """What the encoder reads of ``text``: as typed, or with its values as their kinds."""
        return with_value_kinds(text) if self._config.get("values_as_kinds") else text

    def _set_features(self, message: Message, vector: np.ndarray, attribute: Text) -> None:
        self.add_features_to_message(
            sequence=None, sentence=vector.reshape(1, -1), attribute=attribute, message=message
        )
