"""Whitespace tokens in which each value a customer types counts as its kind.

Why: people put values in their first message ("pls delete my acct, it's
k.patel@example.com", "any news on pd 7k3d 9qxm", "call me on 555 013 2288"). To the
word and character n-gram featurizers such a value is a handful of random tokens, and a
random string can tip a message from one intent to another: "hello, you can reach me at
zqxw… at example dot net" went to a different flow depending on the letters of the
address. Here every value becomes one token whose lemma names its kind
(``__email__``, ``__phone__``, ``__reference__`` ...), so all e-mail addresses weigh the
same and the classifier learns what "a message with an e-mail in it" means instead.

The token keeps its original text and offsets (only the lemma, which the CountVectors
featurizers count by default, is replaced); the message text itself is untouched, so the
MiniLM featurizer and the actions read what the customer wrote. (The MiniLM featurizer can read
the values as their kinds too: its ``values_as_kinds`` option, :func:`with_value_kinds`.) The shapes are the ones the
log and transcript masking recognises (:func:`bot.privacy.masking.value_spans`), plus
request references (:data:`bot.requests.sentences.REFERENCE_IN_TEXT`).

Use in ``config.yml`` in place of ``WhitespaceTokenizer``::

    - name: bot.rasa.value_tokenizer.ValueTokenizer
"""

from __future__ import annotations

from typing import List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.privacy.masking import value_spans
from bot.requests.sentences import REFERENCE_IN_TEXT

__all__ = ["ValueTokenizer", "typed_value_spans", "lemma_of", "with_value_kinds"]

# request references are not personal data (masking leaves them), but they are values all the same
_REFERENCES = (("[reference]", REFERENCE_IN_TEXT),)


def lemma_of(placeholder: str) -> str:
    """``"[email]"`` → ``"__email__"``: one word to the featurizers' ``\\w+`` token pattern."""
    return f"__{placeholder.strip('[]')}__"


def typed_value_spans(text: str) -> List[Tuple[int, int, str]]:
    """``(start, end, lemma)`` of each value in ``text``: request references, then the masked shapes."""
    return [(start, end, lemma_of(kind)) for start, end, kind in value_spans(text, first=_REFERENCES)]


def with_value_kinds(text: str) -> str:
    """``text`` with each value replaced by its kind in brackets: "it's [email]", "any news on [reference]".

    What the MiniLM featurizer reads when ``values_as_kinds`` is on: a sentence encoder, too,
    moves a message about when the letters of an address change.
    """
    spans = typed_value_spans(text)
    for start, end, lemma in reversed(spans):
        text = f"{text[:start]}[{lemma.strip('_')}]{text[end:]}"
    return text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ValueTokenizer(WhitespaceTokenizer):
    """:class:`WhitespaceTokenizer` whose tokens inside a value merge into one token lemmatised as its kind."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        text = message.get(attribute)
        if attribute != TEXT or not isinstance(text, str):
            return tokens
        spans = typed_value_spans(text)
        if not spans:
            return tokens
        merged: List[Token] = []
        merged_span: List[int] = []  # index into ``spans`` of each merged token, -1 outside values
        for token in tokens:
            index = next((i for i, (start, end, _) in enumerate(spans) if token.start < end and start < token.end), -1)
            if index < 0:
                merged.append(token)
            elif merged_span and merged_span[-1] == index:
                previous = merged[-1]
                merged[-1] = Token(text[previous.start : token.end], previous.start, token.end, lemma=spans[index][2])
                continue
            else:
                merged.append(Token(token.text, token.start, token.end, lemma=spans[index][2]))
            merged_span.append(index)
        return merged
