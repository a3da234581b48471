"""The facts a policy states, as typed values: who the company is and how to reach it.

Built from the builder's fact extraction (``facts.py``, stored in ``kb.json``), for any policy: every
value keeps the section it was read from and the sentence that states it, so whatever is shown to a
user can quote the policy.  A value the policy does not state is ``None`` / empty, never guessed.

    from policy_kb import KnowledgeBase
    facts = KnowledgeBase.load(Path("var/kb")).policy_facts
    facts.contact_email            # "privacy@example.com" or None
    facts.postal_address.addressee # "Example Corp." (who the letter is addressed to), .care_of "Data Protection"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

__all__ = ["Stated", "PostalAddress", "Processor", "AgeThreshold", "PolicyFacts"]


@dataclass(frozen=True)
class Stated:
    """A value and where the policy states it."""

    value: str
    section: str
    sentence: str


@dataclass(frozen=True)
class PostalAddress:
    """A postal address; ``addressee`` is the part before the street line, ``care_of`` its "C/O" line."""

    address: str
    addressee: Optional[str]
    care_of: Optional[str]
    street: str
    section: str
    sentence: str


@dataclass(frozen=True)
class Processor:
    """A named organisation that processes data for the company, its role and what it receives."""

    name: str
    role: str
    receives: Tuple[str, ...]
    section: str


@dataclass(frozen=True)
class AgeThreshold:
    age: int
    section: str
    sentence: str


@dataclass(frozen=True)
class PolicyFacts:
    """Everything the builder read from one policy (see the module docstring)."""

    emails: Tuple[Stated, ...]
    postal_addresses: Tuple[PostalAddress, ...]
    telephones: Tuple[Stated, ...]
    organisations: Tuple[Stated, ...]  # names with a legal-entity suffix, in policy order
    processors: Tuple[Processor, ...]
    storage_countries: Tuple[str, ...]
    age_thresholds: Tuple[AgeThreshold, ...]
    last_revised: Optional[Stated]

    @property
    def contact_email(self) -> Optional[str]:
        return self.emails[0].value if self.emails else None

    @property
    def postal_address(self) -> Optional[PostalAddress]:
        """The address to write to (a "write to:" address before a headquarters mention)."""
        return self.postal_addresses[0] if self.postal_addresses else None

    @property
    def telephone(self) -> Optional[str]:
        return self.telephones[0].value if self.telephones else None

    @classmethod
    def from_facts(cls, facts: dict) -> "PolicyFacts":
        """From the ``facts`` object of ``kb.json`` (older builds lack some keys: those stay empty)."""
        emails = tuple(
            Stated(e["email"], (e.get("sections") or [""])[0], e.get("sentence", "")) for e in facts.get("emails", [])
        )
        revised = facts.get("last_revised")
        return cls(
            emails=emails,
            postal_addresses=tuple(_postal(a) for a in facts.get("postal_addresses", [])),
            telephones=tuple(Stated(t["number"], t["section"], t["sentence"]) for t in facts.get("telephones", [])),
            organisations=tuple(Stated(o["name"], o["section"], o["sentence"]) for o in facts.get("organisations", [])),
            processors=tuple(
                Processor(p["name"], p["role"], tuple(p["receives"]), p["section"]) for p in facts.get("processors", [])
            ),
            storage_countries=tuple(facts.get("storage_countries", [])),
            age_thresholds=tuple(
                AgeThreshold(a["age"], a["section"], a["sentence"]) for a in facts.get("age_thresholds", [])
            ),
            last_revised=Stated(revised["date"], revised["section"], revised["sentence"]) if revised else None,
        )


_STREET_START = re.compile(r"\b\d{1,6}\s+[A-Z]")
_CARE_OF = re.compile(r"\b(?:C/O|c/o|Attn:?|Attention:?)\s*", re.I)


def _postal(a: dict) -> PostalAddress:
    address = a["address"]
    m = _STREET_START.search(address)
    head, street = (address[: m.start()].strip(" ,"), address[m.start() :]) if m else ("", address)
    addressee, care_of = head or None, None
    c = _CARE_OF.search(head)
    if c:
        addressee = head[: c.start()].strip(" ,") or None
        care_of = head[c.end() :].strip(" ,") or None
    return PostalAddress(address, addressee, care_of, street, a["section"], a["sentence"])
