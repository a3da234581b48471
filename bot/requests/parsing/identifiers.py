"""What identifies a customer record besides name and contact: a postal code or an order number."""

from __future__ import annotations

import re

from bot.requests.parsing.result import Parsed
from bot.requests.sentences import clean_text as _clean

# --------------------------------------------------------------------------- identifiers

_POSTAL_PATTERNS = (
    re.compile(r"^\d{5}(?:-\d{4})?$"),  # US ZIP / ZIP+4
    re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),  # UK
    re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"),  # Canada
    re.compile(r"^\d{4}(?: ?[A-Z]{2})?$"),  # NL / AU / CH ...
    re.compile(r"^\d{3}-?\d{4}$"),  # Japan
    re.compile(r"^\d{6}$"),  # IN / CN / RU / SG
    re.compile(r"^\d{2}-?\d{3}$"),  # PL
)
_POSTAL_PREFIX = re.compile(
    r"^(?:(?:my\s+)?(?:postal\s*code|post\s*code|postcode|zip(?:\s*code)?)(?:\s+is)?\s*[:=]?|it'?s)\s+", re.IGNORECASE
)
_ORDER_PREFIX = re.compile(r"^(?:(?:my\s+)?order(?:\s*(?:number|no\.?|#|num))?(?:\s+is)?\s*[:=#]?|#)\s*", re.IGNORECASE)
_ORDER = re.compile(r"^[A-Z0-9][A-Z0-9\-]{4,29}$")


def parse_postal_code(text: object) -> Parsed[str]:
    """A postal code in a common national form (US, UK, CA, EU, ...), upper-cased."""
    cleaned = _POSTAL_PREFIX.sub("", _clean(text)).strip().upper()
    if len(cleaned) <= 10 and any(p.match(cleaned) for p in _POSTAL_PATTERNS):
        return Parsed.good(cleaned, kind="postal_code")
    return Parsed.bad('That doesn\'t look like a postal code. Please type it like 10022 or SW1A 1AA, or say "skip".')


def parse_order_number(text: object) -> Parsed[str]:
    """An order number: 5-30 letters, digits or hyphens, with at least 4 digits."""
    cleaned = _ORDER_PREFIX.sub("", _clean(text)).strip().upper().replace(" ", "")
    if _ORDER.match(cleaned) and sum(ch.isdigit() for ch in cleaned) >= 4:
        return Parsed.good(cleaned, kind="order_number")
    return Parsed.bad(
        'That doesn\'t look like an order number. Please copy it from your order confirmation, or say "skip".'
    )


def parse_identifier(text: object) -> Parsed[str]:
    """A postal code or an order number; ``kind`` says which.  Text saying "order" means an order number."""
    cleaned = _clean(text)
    if re.search(r"\border\b|#", cleaned, re.IGNORECASE):
        return parse_order_number(cleaned)
    postal = parse_postal_code(cleaned)
    if postal.ok:
        return postal
    order = parse_order_number(cleaned)
    if order.ok:
        return order
    return Parsed.bad(
        'That doesn\'t look like a postal code or an order number. Please type your postal code (like 10022) or an order number from your confirmation, or say "skip".'
    )
