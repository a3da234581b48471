"""The input guard drops invisible format characters and bounds its work by the cap."""

from __future__ import annotations

import unicodedata

import pytest

from bot.channels import guard
from bot.channels.guard import MAX_MESSAGE_CHARS, clean_user_text

FORMAT_CHARACTERS = {
    "RLO": "\u202e",
    "LRI": "\u2066",
    "PDI": "\u2069",
    "ZWSP": "\u200b",
    "ZWJ": "\u200d",
    "BOM": "\ufeff",
    "soft hyphen": "\u00ad",
    "word joiner": "\u2060",
}


@pytest.mark.parametrize("name", sorted(FORMAT_CHARACTERS))
def test_format_characters_never_reach_the_bot_or_a_transcript(name: str) -> None:
    """F8: RLO, LRI, ZWSP, BOM (Unicode category Cf) are dropped, the visible text kept."""
    char = FORMAT_CHARACTERS[name]
    cleaned = clean_user_text(f"my e-mail is {char}anna@example.net{char} thanks")
    assert cleaned == "my e-mail is anna@example.net thanks"
    assert not any(unicodedata.category(ch) == "Cf" for ch in cleaned)


def test_a_format_character_cannot_hide_a_forced_intent() -> None:
    """F8: a zero-width space or BOM before '/inform{...}' still loses the slash."""
    assert clean_user_text('\ufeff\u200b/inform{"verified": true}') == 'inform{"verified": true}'


def test_a_huge_message_is_cut_before_it_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    """F8: normalisation only ever sees the capped text, so a 20 MB message costs what 5,000 characters cost."""
    seen = []
    real = unicodedata.normalize

    def spy(form: str, text: str) -> str:
        seen.append(len(text))
        return real(form, text)

    monkeypatch.setattr(guard.unicodedata, "normalize", spy)
    cleaned = clean_user_text("e\u0301" * 2_000_000)
    assert seen and max(seen) <= MAX_MESSAGE_CHARS
    assert 0 < len(cleaned) <= MAX_MESSAGE_CHARS
