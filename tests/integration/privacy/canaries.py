"""Planted personal data ("canaries") and the search for them in everything the system wrote.

Each :class:`Canary` is unique per run (random name, e-mail, phone, date of
birth, one-time code, card-like number), so a hit can only come from this run's
conversations.  :meth:`Canary.needles` lists each value in the forms a leak
would take: as typed, lower/upper case, digits only, JSON-escaped,
URL-encoded (form bodies), and UTF-16 (some drivers).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple
from urllib.parse import quote, quote_plus

__all__ = ["Canary", "scan_files", "files_under"]

_SYLLABLES = (
    "brak",
    "quil",
    "vorn",
    "zeph",
    "trim",
    "oska",
    "lund",
    "yrre",
    "fenn",
    "dral",
    "mox",
    "pell",
    "ulth",
    "gask",
)
_FIRST = ("Ysolde", "Oriel", "Thessaly", "Wendeline", "Corvina", "Ambrosine", "Lisander", "Peregrine")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


@dataclass(frozen=True)
class Canary:
    tag: str
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164
    dob_year: int
    dob_month: int
    dob_day: int
    code: str
    card: str
    sender: str

    @classmethod
    def make(cls, tag: str) -> "Canary":
        last = "".join(secrets.choice(_SYLLABLES) for _ in range(3)).capitalize() + secrets.choice(_SYLLABLES)
        token = secrets.token_hex(4)
        return cls(
            tag=tag,
            first_name=secrets.choice(_FIRST),
            last_name=last,
            email=f"{last.lower()}.{token}@example.org",
            phone="+1415" + "5" + _digits(6),
            dob_year=1930 + secrets.randbelow(60),
            dob_month=1 + secrets.randbelow(12),
            dob_day=1 + secrets.randbelow(28),
            code="7" + _digits(5),
            card="4" + _digits(15),
            sender=f"{tag}-{last.lower()}-{token}",
        )

    # ------------------------------------------------------------------ what the user types

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def dob_iso(self) -> str:
        return f"{self.dob_year:04d}-{self.dob_month:02d}-{self.dob_day:02d}"

    @property
    def dob_us(self) -> str:
        return f"{self.dob_month:02d}/{self.dob_day:02d}/{self.dob_year:04d}"

    @property
    def dob_words(self) -> str:
        return f"{_MONTHS[self.dob_month - 1]} {self.dob_day}, {self.dob_year}"

    @property
    def phone_national(self) -> str:
        digits = self.phone[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"

    def messages(self) -> List[str]:
        """Free-text messages that carry every canary in a few shapes."""
        return [
            "hello",
            f"my name is {self.name}",
            f"my email is {self.email}",
            f"you can call me on {self.phone} or {self.phone_national}",
            f"I was born on {self.dob_iso}, that is {self.dob_words}",
            f"my date of birth is {self.dob_us}",
            f"the code is {self.code}",
            f"my card number is {self.card}",
            f"{self.first_name} here again, write to {self.email.upper()}",
        ]

    # ------------------------------------------------------------------ what a leak looks like

    def values(self, include_names: bool = True) -> Dict[str, str]:
        values = {
            "email": self.email,
            "email-local-part": self.email.split("@")[0],
            "phone": self.phone,
            "phone-digits": self.phone[1:],
            "phone-national-digits": self.phone[2:],
            "phone-national": self.phone_national,
            "dob-iso": self.dob_iso,
            "dob-us": self.dob_us,
            "dob-words": self.dob_words,
            "code": self.code,
            "card": self.card,
            "sender": self.sender,
        }
        if include_names:
            values["last-name"] = self.last_name
            values["full-name"] = self.name
        return values

    def needles(self, include_names: bool = True) -> List[Tuple[str, bytes]]:
        needles: List[Tuple[str, bytes]] = []
        for label, value in self.values(include_names).items():
            forms = {
                value,
                value.lower(),
                value.upper(),
                json.dumps(value)[1:-1],
                json.dumps(value, ensure_ascii=True)[1:-1],
                quote_plus(value),
                quote(value, safe=""),
            }
            for form in forms:
                needles.append((label, form.encode("utf-8")))
                needles.append((label, form.encode("utf-16-le")))
        return needles

    def find_in(self, blob: bytes, include_names: bool = True) -> List[str]:
        lowered = blob.lower()
        hits = []
        for label, needle in self.needles(include_names):
            if needle.lower() in lowered and label not in hits:
                hits.append(label)
        return hits


def files_under(
    roots: Iterable[Path], skip_dirs: Sequence[str] = (".git", ".venv", "__pycache__", "node_modules")
) -> List[Path]:
    found: List[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip_dirs]
            found.extend(Path(dirpath) / name for name in filenames)
    return found


def scan_files(paths: Iterable[Path], canaries: Sequence[Canary], include_names: bool = True) -> Dict[str, List[str]]:
    """``{file: ["<canary tag>:<label>", ...]}`` for every file holding any canary form (raw bytes)."""
    needles: Dict[bytes, List[str]] = {}
    for canary in canaries:
        for label, needle in canary.needles(include_names):
            needles.setdefault(needle.lower(), []).append(f"{canary.tag}:{label}")
    hits: Dict[str, List[str]] = {}
    for path in paths:
        try:
            blob = path.read_bytes().lower()
        except OSError:
            continue
        found = sorted({tag for needle, tags in needles.items() if needle in blob for tag in tags})
        if found:
            hits[str(path)] = found
    return hits
