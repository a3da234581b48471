"""Parse and check TwiML answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import List
from urllib.parse import parse_qs, urlparse


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> List[str]:
    """Every <Say> text, in order (inside Gathers too)."""
    return [say.text or "" for say in root.iter("Say")]


def all_speech(root: ET.Element) -> str:
    return " ".join(spoken(root))


def ends_the_turn(root: ET.Element) -> bool:
    """No dead air: the answer listens (Gather, optionally followed by the fallback Redirect),
    hangs up, dials, or redirects to collect a pending answer."""
    verbs = [child.tag for child in root]
    if not verbs:
        return False
    if verbs[-1] in {"Hangup", "Dial"}:
        return True
    if verbs[-1] == "Gather" or verbs[-2:] == ["Gather", "Redirect"]:
        return True
    return verbs[-1] == "Redirect"


def gather(root: ET.Element) -> ET.Element:
    found = root.find("Gather")
    assert found is not None, ET.tostring(root)
    return found


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
