"""Who the requester is and how to reach them: a full name, an e-mail address, a phone number."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.requests.parsing.result import NAME_LIMIT, Parsed
from bot.requests.sentences import clean_text as _clean
from bot.requests.sentences import find_email, find_phone

# --------------------------------------------------------------------------- names

_NAME_PREFIX = re.compile(
    r"^(?:(?:my|his|her|their|the child'?s?|child'?s)\s+(?:full\s+)?name\s+is|name\s*[:=]|it'?s|it\s+is|this\s+is|i\s+am|i'?m|call\s+me)\s+",
    re.IGNORECASE,
)
_NAME_PUNCT = {"'", "-", ".", " ", "’", "‘", "ʼ"}
#: Words that make a message a sentence rather than a name ("I want to delete my data").
_SENTENCE_WORDS = frozenset(
    "i my me you your want wanna would like please delete data information request help what why how when "
    "can could is are do does don't not stop cancel never mind talk person agent question policy".split()
)


def parse_name(text: object) -> Parsed[str]:
    """A person's full name in any script: letters, combining marks, spaces and ``'-.``; 1-100 characters."""
    cleaned = _clean(text)
    cleaned = _NAME_PREFIX.sub("", cleaned).strip().rstrip(".").strip() if len(cleaned) < 300 else cleaned
    if not cleaned:
        return Parsed.bad('I didn\'t catch a name. Please type your full name, for example "Jane Doe".')
    if len(cleaned) > NAME_LIMIT:
        return Parsed.bad(
            f"That's longer than a name can be here ({NAME_LIMIT} characters at most). Please type just your full name."
        )
    letters = 0
    for ch in cleaned:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
        elif category.startswith("M") or ch in _NAME_PUNCT:
            continue
        elif ch.isdigit():
            return Parsed.bad('Names can\'t contain digits. Please type your full name, for example "Jane Doe".')
        else:
            return Parsed.bad(
                "A name can only contain letters, spaces, apostrophes, hyphens and full stops. Please type your full name."
            )
    if letters == 0:
        return Parsed.bad('That doesn\'t look like a name. Please type your full name, for example "Jane Doe".')
    words = cleaned.lower().replace("’", "'").split()
    if (
        len(words) > 8
        or sum(w in _SENTENCE_WORDS for w in words) >= 2
        or (len(words) > 2 and words[0] in _SENTENCE_WORDS)
    ):
        return Parsed.bad(
            'That looks like a sentence rather than a name. Please type just your full name, for example "Jane Doe".'
        )
    return Parsed.good(cleaned.replace("’", "'"))


# --------------------------------------------------------------------------- e-mail

_EMAIL_PREFIX = re.compile(r"^(?:(?:my\s+)?e-?mail(?:\s+address)?(?:\s+is)?\s*[:=]?|it'?s|it\s+is)\s+", re.IGNORECASE)


def parse_email(text: object) -> Parsed[str]:
    """An e-mail address, syntax and domain form checked (no DNS), normalised."""
    cleaned = _clean(text)
    cleaned = _EMAIL_PREFIX.sub("", cleaned).strip().strip("<>.,;").strip()
    if not cleaned:
        return Parsed.bad("I didn't catch an e-mail address. Please type it like name@example.com.")
    if len(cleaned) > 254:
        return Parsed.bad("That's too long for an e-mail address. Please type it like name@example.com.")
    if "@" not in cleaned:
        return Parsed.bad("An e-mail address needs an @ sign, like name@example.com. Please type it again.")
    if " " in cleaned:
        found = find_email(cleaned)
        if found:
            return Parsed.good(found)
        return Parsed.bad(
            "An e-mail address can't contain spaces. Please type just the address, like name@example.com."
        )
    try:
        result = validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError:
        local, _, domain = cleaned.rpartition("@")
        if not local:
            return Parsed.bad(
                "Something is missing before the @. Please type the whole address, like name@example.com."
            )
        if "." not in domain:
            return Parsed.bad(
                "The part after the @ needs a domain such as example.com. Please check the address and type it again."
            )
        return Parsed.bad(
            "That e-mail address doesn't look right. Please check it and type it again, like name@example.com."
        )
    return Parsed.good(result.normalized)


# --------------------------------------------------------------------------- phone

_PHONE_PREFIX = re.compile(
    r"^(?:(?:my\s+)?(?:phone|mobile|cell|number)(?:\s+number)?(?:\s+is)?\s*[:=]?|it'?s|it\s+is)\s+", re.IGNORECASE
)


def parse_phone(text: object, default_region: str = "US") -> Parsed[str]:
    """A phone number in E.164 (``+12125550123``); national numbers use ``default_region``."""
    cleaned = _PHONE_PREFIX.sub("", _clean(text)).strip()
    if re.search(r"[A-Za-z]{3,}", cleaned):  # a sentence around the number ("you can reach me on 212 555 0123")
        found = find_phone(cleaned, default_region)
        if found:
            return Parsed.good(found)
    if not cleaned or not any(ch.isdigit() for ch in cleaned):
        return Parsed.bad(
            "I didn't catch a phone number. Please type it with the area code, for example 212 555 0123, or +44 20 7946 0000."
        )
    if len(cleaned) > 40:
        return Parsed.bad("That's too long for a phone number. Please type just the number, with the area code.")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException:
        return Parsed.bad(
            "That doesn't look like a phone number. Please type it with the area code, for example 212 555 0123."
        )
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return Parsed.bad(
            "That number doesn't look complete or valid. Please include the area code, and the country code if it isn't a US number (for example +44 20 7946 0000)."
        )
    return Parsed.good(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_contact(text: object, default_region: str = "US") -> Parsed[str]:
    """An e-mail address or a phone number; ``kind`` says which (``"email"`` / ``"phone"``)."""
    cleaned = _clean(text)
    if "@" in cleaned:
        result = parse_email(cleaned)
        return Parsed.good(result.value, kind="email") if result.ok else result  # type: ignore[arg-type]
    result = parse_phone(cleaned, default_region)
    if result.ok:
        return Parsed.good(result.value, kind="phone")  # type: ignore[arg-type]
    return Parsed.bad("Please give an e-mail address (like name@example.com) or a phone number with its area code.")
