"""The company the assistant speaks for, as one typed value every user-facing text is filled from.

The assistant is deployed for any company that publishes a privacy policy: nothing in code names
the company.  :class:`CompanyProfile` is built from two sources (see ``bot/company/load.py``): the
facts the KB builder read from the policy, and the operator's ``company.yml`` that completes or
overrides them.  Each field's origin is kept in :class:`Provenance` so ``privacy-desk company check``
can say what came from where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, Optional, Tuple

__all__ = ["PostalAddress", "CompanyProfile", "Source", "Provenance", "FIELDS", "REQUIRED_FIELDS"]


@dataclass(frozen=True)
class PostalAddress:
    """Where letters go: who they are addressed to, the "C/O" line, then the street lines."""

    addressee: str
    street: str
    care_of: Optional[str] = None

    def one_line(self) -> str:
        """``Example Corp., C/O Data Protection, 1 Main Street, Springfield, IL 62701``."""
        parts = [self.addressee]
        if self.care_of:
            parts.append(f"C/O {self.care_of}")
        parts.append(self.street)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class CompanyProfile:
    """Everything a reply may say about the company (never anything about the user)."""

    legal_name: str
    display_name: str
    assistant_name: str
    privacy_email: str
    postal_address: Optional[PostalAddress] = None
    phone: Optional[str] = None
    website: Optional[str] = None
    #: Which deadline rules apply ("US", "EU", "UK", "CA"...): jurisdictions the company serves.
    jurisdictions: Tuple[str, ...] = ()
    #: The policy does not knowingly collect data from children under this age.
    children_age: Optional[int] = None
    #: A parent or guardian may have a child's data deleted while the child is under this age.
    parental_deletion_age: Optional[int] = None
    #: What a parent must send to prove they are the parent or guardian.
    parental_proof: Optional[str] = None
    #: The policy's revision as the policy states it ("March 2010").
    policy_revision: Optional[str] = None
    #: The KB build the profile was derived from (the policy source's sha256, short).
    policy_version: Optional[str] = None

    @property
    def postal_address_line(self) -> Optional[str]:
        return self.postal_address.one_line() if self.postal_address else None

    def contact_ways(self) -> str:
        """``e-mail privacy@example.com or write to Example Corp., ...``: the ways to reach a person."""
        ways = f"e-mail {self.privacy_email}"
        if self.postal_address:
            ways += f" or write to {self.postal_address.one_line()}"
        return ways


class Source(str, Enum):
    """Where a profile field's value came from."""

    POLICY = "policy"
    FILE = "file"
    DEFAULT = "default"
    MISSING = "missing"


#: Every profile field, in report order (``policy_version`` is the build's, not a fact).
FIELDS: Tuple[str, ...] = (
    "legal_name",
    "display_name",
    "assistant_name",
    "privacy_email",
    "postal_address",
    "phone",
    "website",
    "jurisdictions",
    "children_age",
    "parental_deletion_age",
    "parental_proof",
    "policy_revision",
)
#: Without these the assistant cannot tell anyone who it speaks for or how to reach a person.
REQUIRED_FIELDS: Tuple[str, ...] = ("legal_name", "display_name", "privacy_email")


@dataclass(frozen=True)
class Provenance:
    """The source of each field, plus the policy's value where the file overrode it."""

    sources: Dict[str, Source] = field(default_factory=dict)
    overridden: Dict[str, str] = field(default_factory=dict)

    def fields_from(self, source: Source) -> Tuple[str, ...]:
        return tuple(f for f in FIELDS if self.sources.get(f) is source)

    def report(self) -> str:
        """Three lines an operator reads after ``make kb``: from the policy, from the file, missing."""
        lines = []
        for source, label in (
            (Source.POLICY, "from the policy"),
            (Source.FILE, "from company.yml"),
            (Source.DEFAULT, "defaulted"),
            (Source.MISSING, "missing"),
        ):
            names = self.fields_from(source)
            if names or source is not Source.DEFAULT:
                lines.append(f"  {label:17} {', '.join(names) or '-'}")
        for name in sorted(self.overridden):
            lines.append(f"  {'overridden':17} {name} (the policy says: {self.overridden[name]})")
        return "\n".join(lines)
