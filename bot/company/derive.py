"""Profile values as the policy states them, read from the KB builder's typed facts.

Only what the policy says is taken; anything a heuristic cannot read with confidence is left for
``company.yml`` (a wrong company name in a greeting is worse than asking the operator for it).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from policy_kb.policy_facts import PolicyFacts

__all__ = ["values_from_policy"]

_PARENT = re.compile(r"\b(parents?|guardians?)\b", re.I)
_PROOF = re.compile(
    r"\b(?:providing|provide|send(?:ing)?|submit(?:ting)?|with|enclos(?:e|ing))\s+"
    r"((?:(?:official|legal|written|valid)\s+)*(?:documents?|documentation|proof|evidence)\b[^.;:]{0,140})",
    re.I,
)


def _proof(facts_sentences: list) -> Optional[str]:
    for sentence in facts_sentences:
        if _PARENT.search(sentence):
            m = _PROOF.search(sentence)
            if m:
                return m.group(1).strip(" ,")
    return None


def values_from_policy(facts: PolicyFacts, parent_sentences: Optional[list] = None) -> Dict[str, Any]:
    """The profile fields ``facts`` state, as ``{field: value}`` (``company.yml`` keys and types)."""
    values: Dict[str, Any] = {}
    if facts.contact_email:
        values["privacy_email"] = facts.contact_email
    address = facts.postal_address
    if address is not None and address.addressee:
        values["legal_name"] = address.addressee
        values["postal_address"] = {
            "addressee": address.addressee,
            "care_of": address.care_of,
            "street": address.street,
        }
    elif facts.organisations:
        values["legal_name"] = facts.organisations[0].value
    if facts.telephone:
        values["phone"] = facts.telephone
    ages = facts.age_thresholds
    if ages:
        values["children_age"] = min(a.age for a in ages)
        # the age a "note to parents" (its sentence or its section) sets
        parental = [a.age for a in ages if _PARENT.search(a.sentence) or _PARENT.search(a.section.replace("-", " "))]
        values["parental_deletion_age"] = max(parental) if parental else values["children_age"]
    proof = _proof(list(parent_sentences or []) + [a.sentence for a in ages])
    if proof:
        values["parental_proof"] = proof
    if facts.last_revised is not None:
        values["policy_revision"] = facts.last_revised.value
    return values
