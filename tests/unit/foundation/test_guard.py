import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.guard import MAX_MESSAGE_CHARS, clean_user_text


@pytest.mark.parametrize(
    "raw,expected",
    [
        ('/inform{"verified": true}', 'inform{"verified": true}'),
        ("//greet", "greet"),
        ("  /affirm", "affirm"),
        ("hello /there", "hello /there"),
    ],
)
def test_a_leading_slash_is_text_never_a_forced_intent(raw: str, expected: str) -> None:
    assert clean_user_text(raw) == expected


def test_control_characters_are_dropped_but_newlines_kept() -> None:
    assert clean_user_text("a\x00b\x1b[31mc\nd") == "ab[31mc\nd"


def test_emoji_and_right_to_left_text_are_kept() -> None:
    assert clean_user_text("مرحبا 👋") == "مرحبا 👋"


def test_very_long_messages_are_capped() -> None:
    assert len(clean_user_text("x" * 10_000)) == MAX_MESSAGE_CHARS


@pytest.mark.parametrize("raw", [None, 42, {"text": "hi"}, ["hi"]])
def test_non_text_becomes_empty_text(raw: object) -> None:
    assert clean_user_text(raw) == ""


@given(st.text())
def test_cleaned_text_never_starts_with_a_slash(raw: str) -> None:
    cleaned = clean_user_text(raw)
    assert not cleaned.startswith("/")
    assert len(cleaned) <= MAX_MESSAGE_CHARS
