"""Values typed into a message count as their kind: the letters of an address cannot move a message."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.value_tokenizer import ValueTokenizer, with_value_kinds


@pytest.fixture(scope="module")
def tokenizer() -> ValueTokenizer:
    return ValueTokenizer(ValueTokenizer.get_default_config())


def tokens(tokenizer: ValueTokenizer, text: str) -> List[Tuple[str, str]]:
    return [(token.text, token.lemma) for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_an_email_spelled_out_in_words_is_one_token_counted_as_an_email(tokenizer):
    assert tokens(tokenizer, "reach me at zqxw at example dot net") == [
        ("reach", "reach"),
        ("me", "me"),
        ("at", "at"),
        ("zqxw at example dot net", "__email__"),
    ]


def test_a_reference_typed_with_spaces_and_a_phone_number_keep_their_text_and_offsets(tokenizer):
    text = "any news on pd 7k3d 9qxm? call 555 013 2288"
    found = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    values = [(token.lemma, text[token.start : token.end]) for token in found if token.lemma.startswith("__")]
    assert values == [("__reference__", "pd 7k3d 9qxm"), ("__phone__", "555 013 2288")]


def test_words_and_small_numbers_outside_values_stay_whitespace_tokens(tokenizer):
    assert tokens(tokenizer, "my son is 11 delete his account") == [
        (word, word) for word in "my son is 11 delete his account".split()
    ]


@pytest.mark.parametrize(
    "first, second",
    [
        ("pls delete my acct its k.patel@example.com", "pls delete my acct its zz.qx@example.net"),
        ("status of PD-7K3D-9QXM?", "status of pd4hq28mzt?"),
        ("new phone 555-0148 please update", "new phone 555 019 9123 please update"),
    ],
)
def test_messages_differing_only_in_a_value_read_the_same(tokenizer, first, second):
    assert [lemma for _, lemma in tokens(tokenizer, first)] == [lemma for _, lemma in tokens(tokenizer, second)]
    assert with_value_kinds(first) == with_value_kinds(second)


def test_with_value_kinds_names_each_value_in_brackets():
    assert with_value_kinds("it's a@example.com, ref PD-7K3D-9QXM") == "it's [email], ref [reference]"
    assert with_value_kinds("nothing to replace here") == "nothing to replace here"
