"""SMS text: plain, GSM-friendly, numbered options, pages of at most 320 characters."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms_format import (
    SMS_PAGE_CHARS,
    Segments,
    choice_for_reply,
    compose_reply,
    gsm_safe,
    is_gsm7,
    paginate,
    segments,
    to_sms_text,
)

BUTTONS = [
    {"title": "Delete my data", "payload": "I want to delete my data"},
    {"title": "Check a request", "payload": "check the status of my request"},
]


@pytest.mark.parametrize(
    "text,encoding,units,count",
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # an escape pair is never split across parts
        ("é" * 160, "GSM-7", 160, 1),  # é is in the GSM alphabet
        ("ç" * 70, "UCS-2", 70, 1),  # ç (lower case) is not
        ("ç" * 71, "UCS-2", 71, 2),
        ("😀" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 72, 2),
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),  # nor is a surrogate pair
    ],
)
def test_segments_count_like_a_carrier(text: str, encoding: str, units: int, count: int) -> None:
    assert segments(text) == Segments(encoding, units, count)


def test_typographic_characters_become_gsm_so_a_reply_stays_in_160_character_segments() -> None:
    text = "We\u2019ll reply \u201csoon\u201d \u2014 within 45 days\u2026 \u2022 promised"
    assert not is_gsm7(text)
    safe = gsm_safe(text)
    assert is_gsm7(safe) and safe == 'We\'ll reply "soon" - within 45 days... - promised'


def test_markdown_and_html_are_removed_but_links_kept() -> None:
    text = "**Deletion**: see the [policy](https://example.com/p) <b>section</b> `Your rights`.<br>- one\n* two\n### Heading"
    assert (
        to_sms_text(text)
        == "Deletion: see the policy (https://example.com/p) section Your rights.\n- one\n- two\nHeading"
    )


def test_names_in_other_scripts_survive() -> None:
    assert to_sms_text("Merci, Zoë Łukasiewicz 李雷") == "Merci, Zoë Łukasiewicz 李雷"


@pytest.mark.parametrize(
    "text",
    ['To leave, reply "cancel".', "Type CANCEL to stop the form", "say stop to go back", "Reply QUIT to end"],
)
def test_never_tells_a_user_to_reply_cancel_or_stop(text: str) -> None:
    out = to_sms_text(text).lower()
    assert not re.search(r"\b(reply|say|type)\s+\W?(cancel|stop|quit)\b", out)
    assert "never mind" in out


def test_the_standard_stop_to_opt_out_line_is_kept() -> None:
    assert to_sms_text("Reply STOP to opt out.") == "Reply STOP to opt out."


def test_buttons_become_numbered_options_and_a_number_maps_back() -> None:
    pages, options = compose_reply([{"text": "What would you like?", "buttons": BUTTONS}])
    assert pages == ["What would you like?\n\nReply with a number:\n1) Delete my data\n2) Check a request"]
    assert choice_for_reply("2", options) == "check the status of my request"
    assert choice_for_reply(" 1. ", options) == "I want to delete my data"
    assert choice_for_reply("3", options) is None
    assert choice_for_reply("12", options) is None
    assert choice_for_reply("123456", options) is None  # a one-time code is not an option
    assert choice_for_reply("1", []) is None


@given(st.text(min_size=0, max_size=3000))
def test_pages_are_at_most_320_characters_and_lose_no_words(text: str) -> None:
    pages = paginate(text)
    assert all(len(page) <= SMS_PAGE_CHARS for page in pages)
    assert all(page.endswith("(reply MORE)") for page in pages[:-1])
    rebuilt = " ".join(page.removesuffix(" ... (reply MORE)") for page in pages)
    assert rebuilt.split() == text.split()


def test_a_long_answer_is_cut_at_a_sentence_boundary() -> None:
    text = " ".join(f"This is sentence {i} of a long policy answer." for i in range(20))
    first = paginate(text)[0]
    assert first.endswith(". ... (reply MORE)")
    assert len(first) <= 320
