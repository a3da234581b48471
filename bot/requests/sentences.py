"""Values inside a sentence: pure functions, no Rasa, no I/O.

People put the value in a sentence ("my email is wrong, it's a@b.com", "any news on
pd ym24 hrxt?", "my son, he is 11, made an account").  Each ``find_*`` returns the
value in the form its ``parse_*`` validator in :mod:`bot.requests.parsing` accepts, or
``None``; the validators still have the last word.  The cue readers
(:func:`looks_like_question`, :func:`says_instead`, :func:`new_value_after_cue`) let the
forms tell a question, a change of mind or a correction from an answer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, Optional

import phonenumbers
from email_validator import EmailNotValidError, validate_email

__all__ = [
    "MONTHS",
    "WORD_NUMBERS",
    "clean_text",
    "REFERENCE_IN_TEXT",
    "find_reference",
    "spoken_runs",
    "find_email",
    "find_phone",
    "find_date",
    "find_child_age",
    "find_relationship",
    "looks_like_question",
    "says_instead",
    "new_value_after_cue",
    "read_access_scope",
    "read_stop_scope",
]


def clean_text(text: object) -> str:
    """NFKC-normalised text with runs of white space made one space (``""`` for a non-string)."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "febuary": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}

WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
}


#: A request reference inside a sentence, in any case, with spaces, dashes or nothing between its parts.
REFERENCE_IN_TEXT = re.compile(r"\bPD[\s\-_.:#]*([0-9A-Z]{4})[\s\-_.]*([0-9A-Z]{4})\b", re.IGNORECASE)
_REFERENCE_PREFIX = re.compile(
    r"^(?:(?:my|the|our)\s+)?(?:(?:request\s+)?(?:reference|ref)(?:\s+(?:number|no\.?|code))?|it'?s|it\s+is)(?:\s+is)?\s*[:=#]?\s*",
    re.IGNORECASE,
)


_SPOKEN_SYMBOL = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "dash": "-",
    "hyphen": "-",
}


def spoken_runs(text: str) -> List[str]:
    """Each run of four or more spoken symbols in ``text``, joined: "p d seven seven one two dash four four" → "pd7712-44".

    Why: a phone line's speech recogniser writes a reference read aloud as single letters, digit words
    and "dash". Only runs of four or more symbols count, so "a" or "i" in a sentence stays a word.
    """
    words = [w.lower().strip(",.") for w in text.split(" ")]
    symbols = [_SPOKEN_SYMBOL.get(w, w if len(w) == 1 and w.isalnum() else "") for w in words] + [""]
    runs: List[str] = []
    start = 0
    for i, symbol in enumerate(symbols):
        if not symbol:
            if i - start >= 4:
                runs.append("".join(symbols[start:i]))
            start = i + 1
    return runs


#: a reference inside a joined run of spoken symbols, wherever it starts ("oh p d seven …" joins to "0pd7…")
_REFERENCE_IN_RUN = re.compile(r"PD-?([0-9A-Z]{4})-?([0-9A-Z]{4})", re.IGNORECASE)


_REFERENCE_CUE = re.compile(r"^(?:(?:my|the|our)\s+)?(?:request\s+)?(?:reference|ref)\b", re.IGNORECASE)


def find_reference(text: object, *, asked: bool = True) -> Optional[str]:
    """A request reference anywhere in ``text`` (``PD-7K3D-9QXM``, ``pd 7k3d 9qxm``, ``PD7K3D9QXM``, or read
    aloud: "p d seven k three d dash nine q x m"), canonical.

    Without the ``PD`` prefix only a message that is nothing but the reference counts
    ("7K3D9QXM", "my reference is 7K3D-9QXM"), so numbers in sentences are not misread;
    and, when no reference was ``asked`` for, only if it says it is one ("my reference is
    7K3D9QXM"): eight letters typed out of the blue are not a reference.
    """
    from bot.tickets.references import normalise_reference  # pure module; imported late to keep this one light

    cleaned = clean_text(text)[:300]
    if not cleaned:
        return None
    typed = REFERENCE_IN_TEXT.finditer(cleaned)
    spoken = (m for run in spoken_runs(cleaned) for m in _REFERENCE_IN_RUN.finditer(run))
    for match in (*typed, *spoken):
        found = normalise_reference(match.group(1) + match.group(2))
        if found:
            return found
    if not asked and not _REFERENCE_CUE.match(cleaned):
        return None
    bare = _REFERENCE_PREFIX.sub("", cleaned).strip(" .!?")
    return normalise_reference(bare) if len(bare) <= 20 else None


_EMAIL_IN_TEXT = re.compile(r"[^\s@<>(),;:\"'\[\]]+@[^\s@<>(),;:\"'\[\]]+")


def _email_ok(candidate: str) -> Optional[str]:
    try:
        return validate_email(candidate, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def find_email(text: object) -> Optional[str]:
    """The one e-mail address in a sentence, normalised (``None`` when there is none, or several)."""
    cleaned = clean_text(text)[:1000]
    found = set()
    for match in _EMAIL_IN_TEXT.finditer(cleaned):
        before = cleaned[: match.start()]
        words = before.split()
        if words and not re.search(
            r"(?:\b(?:is|it'?s|its|at|to|use|email|e-mail|mail|address|be|on|try|instead|new|now|me|of|was|and|or)|[,;:(<\-])$",
            words[-1],
            re.IGNORECASE,
        ):
            continue  # "jane doe@example.com": not an address inside a sentence
        address = _email_ok(match.group(0).strip(".,;!?"))
        if address:
            found.add(address)
    return found.pop() if len(found) == 1 else None


def find_phone(text: object, default_region: str = "US") -> Optional[str]:
    """The one valid phone number in ``text`` in E.164 (``None`` when there is none, or several)."""
    cleaned = clean_text(text)[:500]
    if sum(ch.isdigit() for ch in cleaned) < 7:
        return None
    found = {
        phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        for match in phonenumbers.PhoneNumberMatcher(cleaned, default_region, leniency=phonenumbers.Leniency.VALID)
    }
    return found.pop() if len(found) == 1 else None


_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_IN_TEXT = (
    re.compile(r"\b\d{4}\s*-\s*\d{1,2}\s*-\s*\d{1,2}\b"),
    re.compile(r"\b\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}\b"),
    re.compile(rf"\b(?:{_MONTH_WORDS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b", re.IGNORECASE),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_WORDS})\.?,?\s+\d{{2,4}}\b", re.IGNORECASE),
)


def find_date(text: object) -> Optional[str]:
    """The written date inside a sentence ("I was born on 4 March 1990, thanks"), as written; ``None`` if none."""
    cleaned = clean_text(text)[:300]
    for pattern in _DATE_IN_TEXT:
        match = pattern.search(cleaned)
        if match:
            return match.group(0)
    return None


_AGE_NUMBER = r"(\d{1,2}|" + "|".join(WORD_NUMBERS) + r")"
_CHILD_AGE_IN_TEXT = (
    re.compile(_AGE_NUMBER + r"\s*(?:-\s*)?(?:years?|yrs?|yr)(?:\s*-\s*|\s+)old\b", re.IGNORECASE),
    re.compile(_AGE_NUMBER + r"\s*(?:yo|y/o|y\.o\.)\b", re.IGNORECASE),
    re.compile(r"\b(?:aged?|age\s+is|age\s*:)\s*" + _AGE_NUMBER + r"\b", re.IGNORECASE),
    re.compile(
        r"\b(?:he|she|they|son|daughter|child|kid|boy|girl)\s*(?:'s|’s|\s+is|\s+are|\s+was|\s+just\s+turned|\s+turned|s)\s+"
        r"(?:only\s+|just\s+)?" + _AGE_NUMBER + r"\b(?!\s*(?:%|percent|minutes|hours|dollars|\$|times|th\b))",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:my|our)\s+" + _AGE_NUMBER + r"\s*(?:-\s*)?(?:year\s*-?\s*old|yr\s*-?\s*old|yo)\b", re.IGNORECASE),
    # "my son (10)", "my son who is 11", "my daughter, 12, made an account"
    re.compile(
        r"\b(?:son|daughter|child|kid|boy|girl)\s*(?:\(\s*|,\s*|\s+who\s+is\s+|\s+who'?s\s+)"
        + _AGE_NUMBER
        + r"\s*(?:\)|,|\b)(?!\s*(?:%|percent|minutes|hours|dollars|\$|times|accounts?|orders?))",
        re.IGNORECASE,
    ),
)


def find_child_age(text: object) -> Optional[int]:
    """A child's age stated in a sentence ("my son, he is 11", "my 9 year old", "aged 7"), 0-17, or ``None``."""
    cleaned = clean_text(text)[:500]
    for pattern in _CHILD_AGE_IN_TEXT:
        match = pattern.search(cleaned)
        if match:
            token = match.group(1).lower()
            age = int(token) if token.isdigit() else WORD_NUMBERS[token]
            return age if 0 <= age <= 17 else None
    return None


_GUARDIAN = re.compile(r"\b(?:legal\s+)?guardian|custod|foster|ward\b", re.IGNORECASE)
_PARENT = re.compile(
    r"\b(?:my|our)\s+(?:\d{1,2}\s*(?:-\s*)?(?:year\s*-?\s*old|yr\s*-?\s*old|yo)\s+)?"
    r"(?:son|daughter|child|children|kid|kids|boy|girl|teen|teenager|toddler|baby|little\s+one|stepson|stepdaughter)\b"
    r"|\b(?:my|our)\s+\d{1,2}\s*(?:-\s*)?(?:year\s*-?\s*old|yr\s*-?\s*old|yo)\b"
    r"|\bi'?\s*a?m\s+(?:his|her|their|the)\s+(?:mother|father|mom|mum|dad|parent)\b"
    r"|\b(?:as\s+a|i'?\s*a?m\s+a|i\s+am\s+a)\s+(?:parent|mother|father|mom|mum|dad)\b"
    r"|\bas\s+(?:his|her|their|the)\s+(?:mother|father|mom|mum|dad|parent)\b",
    re.IGNORECASE,
)


def find_relationship(text: object) -> Optional[str]:
    """``"legal guardian"`` or ``"parent"`` when the sentence says so ("my son", "I'm her guardian"), else ``None``."""
    cleaned = clean_text(text)[:500]
    if _GUARDIAN.search(cleaned):
        return "legal guardian"
    if _PARENT.search(cleaned):
        return "parent"
    return None


_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|why|how|when|where|who|whom|whose|which|is|are|do|does|did|can|could|will|would|"
    r"should|shall|may|might|have|has|am|was|were)\b",
    re.IGNORECASE,
)


def looks_like_question(text: object) -> bool:
    """Is ``text`` phrased as a question (a "?" or a question word first)?"""
    cleaned = clean_text(text)
    return "?" in cleaned or bool(_QUESTION_START.match(cleaned))


_INSTEAD = re.compile(
    r"\b(?:instead|rather|changed?\s+my\s+mind|change\s+of\s+plan|on\s+second\s+thought|scratch\s+that|"
    r"actually|forget\s+(?:that|it|about\s+that)|not\s+that\s+(?:request|one))\b",
    re.IGNORECASE,
)


def says_instead(text: object) -> bool:
    """Does the user signal a change of mind ("actually", "I'd rather", "instead", "changed my mind")?"""
    return bool(_INSTEAD.search(clean_text(text)[:500]))


_NEW_VALUE_CUE = re.compile(
    r"(?:\bit'?s|\bit\s+is|\bshould\s+(?:be|read|say)|\bthe\s+(?:right|correct|new)\s+one\s+is|\bcorrect\s+(?:one|value)\s+is|"
    r"\bactually\s+(?:it'?s|is)|\bnot\s+\S+\s+but|\bmeant)\s*[:=]?\s*",
    re.IGNORECASE,
)


def new_value_after_cue(text: object) -> Optional[str]:
    """The replacement in "my name is wrong, it's Ana Lima" (the text after the last "it's"/"should be"), or ``None``."""
    cleaned = clean_text(text)[:500]
    matches = list(_NEW_VALUE_CUE.finditer(cleaned))
    if not matches:
        return None
    rest = cleaned[matches[-1].end() :].strip(" .!\"'")
    return rest or None


# --------------------------------------------------------------------------- choices in the user's words

_SPECIFIC = re.compile(r"specific|copy|pieces|actual|all (?:of )?(?:my|the) data|everything|full", re.IGNORECASE)
_CATEGORIES = re.compile(r"categor|kinds?|types?|what (?:data|information)|overview|summary|list", re.IGNORECASE)
_MARKETING = re.compile(r"market|newsletter|promo|advert|e-?mails? only|offers", re.IGNORECASE)
_ALL_USE = re.compile(r"\ball\b|everything|\bany|completely|entirely|altogether", re.IGNORECASE)


def read_access_scope(text: object) -> Optional[str]:
    """``"specific"`` (a copy of the pieces) or ``"categories"`` (what kinds we hold), from the user's words."""
    cleaned = clean_text(text)[:500]
    if cleaned in ("categories", "specific"):
        return cleaned
    if _SPECIFIC.search(cleaned):
        return "specific"
    return "categories" if _CATEGORIES.search(cleaned) else None


def read_stop_scope(text: object) -> Optional[str]:
    """``"marketing"`` or ``"all"`` (stop every use), from the user's words."""
    cleaned = clean_text(text)[:500]
    if cleaned in ("marketing", "all"):
        return cleaned
    if _MARKETING.search(cleaned):
        return "marketing"
    return "all" if _ALL_USE.search(cleaned) else None
