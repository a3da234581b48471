"""Structured facts a policy states: contact, ages, storage countries, processors, rights, revision date.

Each fact keeps the id of the section it was read from and the sentence that
states it, so an answer built from a fact can always quote the policy.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Dict, List, Mapping, Sequence, Tuple

__all__ = ["extract_facts", "REQUEST_KINDS", "COUNTRIES", "EMAIL_RE", "PHONE_RE"]

REQUEST_KINDS = ("access", "correction", "deletion", "stop_using", "parental_deletion")

COUNTRIES = (
    "United States",
    "USA",
    "U.S.",
    "Canada",
    "Mexico",
    "Brazil",
    "United Kingdom",
    "UK",
    "Ireland",
    "France",
    "Germany",
    "Switzerland",
    "Italy",
    "Spain",
    "Portugal",
    "Netherlands",
    "Belgium",
    "Luxembourg",
    "Austria",
    "Denmark",
    "Sweden",
    "Norway",
    "Finland",
    "Poland",
    "Czech Republic",
    "Hungary",
    "Romania",
    "Greece",
    "India",
    "China",
    "Hong Kong",
    "Japan",
    "Singapore",
    "South Korea",
    "Korea",
    "Australia",
    "New Zealand",
    "Israel",
    "United Arab Emirates",
    "South Africa",
    "Philippines",
    "Malaysia",
    "Taiwan",
    "Iceland",
    "European Union",
    "European Economic Area",
    "EEA",
)
_COUNTRY_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True)) + r")(?![\w])"
)
_STORE_RE = re.compile(
    r"\b(stor(?:e|ed|age|ing)|process(?:ed|ing)?|host(?:ed|ing)?|transferr?(?:ed|ing)?|kept|located|servers?|data cent(?:er|re)s?)\b",
    re.I,
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_AGE_RE = re.compile(
    r"\b(?:under|below|younger than|less than)\s+(?:the\s+)?(?:age\s+(?:of\s+)?)?(\d{1,2})\b"
    r"|\b(\d{1,2})\s+years?\s+(?:of\s+age|old)\b|\bage[ds]?\s+(?:of\s+)?(\d{1,2})\b",
    re.I,
)
_CHILD_RE = re.compile(r"\b(child(?:ren)?|minors?|kids?|teen(?:ager)?s?|parents?|guardians?|age)\b", re.I)
#: A legal-entity suffix ("Inc.", "Ltd", "GmbH"): what makes a capitalised name an organisation.
ORG_SUFFIX = r"(?:Inc\.|Inc\b|LLC|L\.L\.C\.|Ltd\.?|Limited|GmbH|AG\b|S\.A\.|SA\b|SAS\b|SNC\b|B\.V\.|BV\b|N\.V\.|plc\b|PLC\b|Corp\.|Corporation|Co\.)"
_ORG_RE = re.compile(r"((?:[A-Z][\w&'-]*\s+){0,4}?[A-Z][\w&'-]*),?\s+" + ORG_SUFFIX)
_ROLE_RE = re.compile(r"^,?\s*(?:(?:who|which|that)\s+(?!is\b|are\b|was\b)[a-z]+\b[^,:;]*)", re.I)
_RECEIVES_RE = re.compile(r"\b(?:receives?|gets?|has access to|is given)\s+([^;.]+)", re.I)
_REVISED_RE = re.compile(
    r"\b(?:last\s+(?:revised|updated|modified|changed)|effective(?:\s+date)?|updated(?:\s+on)?|revised(?:\s+on)?)\s*(?:on|:|-)?\s*"
    r"((?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)\.?(?:\s+\d{1,2},?)?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})",
    re.I,
)
#: A street line ("1828 L Street"): a house number, capitalised words, a street type.
STREET = (
    r"\b\d{1,6}\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,4}\s+(?:Avenue|Ave\.?|Street|St\.?|Road|Rd\.?|Boulevard|"
    r"Blvd\.?|Drive|Dr\.?|Lane|Way|Place|Plaza|Square|Court)"
)
_ADDRESS_US_RE = re.compile(STREET + r"[^.;]{0,80}?\b[A-Z]{2}\s+\d{5}(?:-\d{4})?")
_WRITE_TO_RE = re.compile(
    r"\b(?:write to(?: us)?(?: at)?|mail(?:ing)? address(?: is)?|postal address(?: is)?|by post to|send (?:a )?letter to)\s*:?\s*(?P<addr>[^;]{10,220}?)(?:\.\s|\.$|;|$)",
    re.I,
)

_RIGHTS = {
    "access": re.compile(r"\b(access|disclos(?:e|ure)|copy of|know what|obtain (?:a copy|information))\b", re.I),
    "correction": re.compile(r"\b(correct\w*|rectif\w*|amend\w*)\b", re.I),
    "deletion": re.compile(r"\b(delet\w*|eras(?:e|ed|ure)|remov(?:e|ed|al)|forgotten)\b", re.I),
    "stop_using": re.compile(
        r"\b(stop using|opt[- ]out|object(?:ion)?|restrict(?:ion)?|withdraw (?:your )?consent|unsubscribe)\b", re.I
    ),
    "portability": re.compile(r"\b(portab(?:le|ility))\b", re.I),
}
_REQUEST_RE = re.compile(r"\b(request|right to|you (?:may|can) (?:ask|request|exercise))\b", re.I)

#: A telephone number: "+1 (800) 555-0100", "1-800-555-0100", "(212) 555 0100", "+44 20 7946 0958".
PHONE_RE = re.compile(
    r"(?<![\w/.-])(?:\+\d{1,3}[\s.-]?)?(?:1[\s.-])?(?:\(\d{2,4}\)|\d{2,4})[\s.-]\d{3,4}[\s.-]\d{3,4}(?![\w/-])"
)
_PHONE_CUE_RE = re.compile(r"\b(?:call|phone|telephone|tel\.?|toll[- ]free|fax|dial|number)\b", re.I)

_SECURITY_TITLE_RE = re.compile(r"\b(secur\w*|safeguard\w*|protecting|protection of)\b", re.I)
_SECURE_RE = re.compile(r"\b(secur(?:e|ely|ity)|encrypt\w*|safeguard\w*|protect(?:s|ed|ing|ion)?)\b", re.I)
_MEASURE_RE = re.compile(
    r"\b(measures?|safeguards?|encrypt\w*|firewalls?|committed|access controls?|test\w*|audit\w*|"
    r"technical and organi[sz]ational)\b",
    re.I,
)


def _sections_sentences(sections: Sequence[Mapping[str, Any]]) -> List[Tuple[str, str]]:
    out = []
    for section in sections:
        for sentence in section["sentences"]:
            out.append((section["id"], sentence))
    return out


def extract_facts(sections: Sequence[Mapping[str, Any]]) -> Dict[str, object]:
    """Facts found in ``sections`` (each ``{"id", "title", "sentences"}``)."""
    pairs = _sections_sentences(sections)
    facts: Dict[str, object] = {}

    emails: Counter = Counter()
    email_where: Dict[str, List[str]] = {}
    email_sentence: Dict[str, str] = {}
    for sid, sentence in pairs:
        for email in EMAIL_RE.findall(sentence):
            email = email.rstrip(".").lower()
            emails[email] += 1
            email_sentence.setdefault(email, sentence)
            email_where.setdefault(email, [])
            if sid not in email_where[email]:
                email_where[email].append(sid)
    facts["emails"] = [
        {"email": e, "sections": email_where[e], "sentence": email_sentence[e]} for e, _ in emails.most_common()
    ]
    facts["contact_email"] = emails.most_common(1)[0][0] if emails else None

    addresses = []
    for sid, sentence in pairs:
        found = []
        for m in _WRITE_TO_RE.finditer(sentence):
            addr = m.group("addr").strip()
            if not any(ch.isdigit() for ch in addr):
                # "write to: Example Inc. C/O Privacy, 12 Main Street, ...": the "." of "Inc." is not the end
                street = _ADDRESS_US_RE.search(sentence, m.start("addr"))
                if street and street.start() - m.start("addr") < 160:
                    addr = sentence[m.start("addr") : street.end()].strip()
            found.append(addr)
        if not found:
            found = [m.group(0).strip() for m in _ADDRESS_US_RE.finditer(sentence)]
        for addr in found:
            if not any(ch.isdigit() for ch in addr) or EMAIL_RE.fullmatch(addr):
                continue
            addresses.append({"address": addr.rstrip(" ,."), "section": sid, "sentence": sentence})
    # prefer an address given as "write to:" (the contact address) over a headquarters mention
    addresses.sort(key=lambda a: 0 if _WRITE_TO_RE.search(a["sentence"]) else 1)
    facts["postal_addresses"] = addresses
    facts["contact_address"] = addresses[0]["address"] if addresses else None

    ages: List[Dict[str, object]] = []
    for sid, sentence in pairs:
        if not _CHILD_RE.search(sentence):
            continue
        for m in _AGE_RE.finditer(sentence):
            age = int(next(g for g in m.groups() if g))
            if 5 <= age <= 21 and not any(a["age"] == age and a["section"] == sid for a in ages):
                ages.append({"age": age, "section": sid, "sentence": sentence})
    facts["age_thresholds"] = ages

    storage = []
    for sid, sentence in pairs:
        if not _STORE_RE.search(sentence):
            continue
        countries = []
        for c in _COUNTRY_RE.findall(sentence):
            if c not in countries:
                countries.append(c)
        if countries:
            storage.append({"countries": countries, "section": sid, "sentence": sentence})
    facts["storage"] = storage
    facts["storage_countries"] = sorted(
        {c for s in storage for c in s["countries"]},
        key=lambda c: [c2 for s in storage for c2 in s["countries"]].index(c),
    )

    processors: List[Dict[str, object]] = []
    for section in sections:
        for passage in section["passages"]:
            # one chunk per list item when the passage is a list, else the whole passage
            chunks = (
                re.split(r"(?:(?<=[:;])|^)\s*(?:\d{1,2}\.|[-*•])\s+", passage)
                if re.search(r"[:;]\s*(?:\d{1,2}\.|[-*•])\s", passage)
                else [passage]
            )
            numbered = re.findall(r"(?:^|[:;]\s*(?:and\s+)?)\d{1,2}\.\s+([^;]+?)(?=;|\.$|$)", passage)
            for chunk in chunks:
                for m in _ORG_RE.finditer(chunk):
                    name = m.group(0).strip().strip(",")
                    rest = chunk[m.end() :]
                    role_m = _ROLE_RE.match(rest)
                    role = role_m.group(0).strip(" ,") if role_m else ""
                    rec_m = _RECEIVES_RE.search(rest)
                    if rec_m:
                        receives = [
                            r.strip() for r in re.split(r",\s*(?:and\s+)?|\s+and\s+", rec_m.group(1)) if r.strip()
                        ]
                    else:
                        receives = [r.strip() for r in numbered] if role else []
                    if not role and not receives:
                        continue  # an organisation named without a processing role (e.g. the company itself)
                    if not any(p["name"] == name for p in processors):
                        processors.append(
                            {
                                "name": name,
                                "role": role,
                                "receives": receives,
                                "section": section["id"],
                                "passage": passage,
                            }
                        )
    facts["processors"] = processors

    rights = []
    for sid, sentence in pairs:
        if not _REQUEST_RE.search(sentence):
            continue
        kinds = [k for k, rx in _RIGHTS.items() if rx.search(sentence)]
        if kinds:
            rights.append({"kinds": kinds, "section": sid, "sentence": sentence})
    facts["rights"] = rights
    how = []
    right_sections = {r["section"] for r in rights}
    for sid, sentence in pairs:
        if sid in right_sections and (EMAIL_RE.search(sentence) or _WRITE_TO_RE.search(sentence)):
            how.append({"section": sid, "sentence": sentence})
    facts["rights_how"] = how

    # security measures: every sentence of a section titled as being about security, and elsewhere a
    # sentence naming a measure ("reasonable measures ... secure", "connections are encrypted")
    security = []
    for section in sections:
        titled = bool(_SECURITY_TITLE_RE.search(section.get("title") or ""))
        for sentence in section["sentences"]:
            if titled or (_SECURE_RE.search(sentence) and _MEASURE_RE.search(sentence)):
                security.append({"section": section["id"], "sentence": sentence})
    facts["security"] = security

    phones: List[Dict[str, object]] = []
    for sid, sentence in pairs:
        if not _PHONE_CUE_RE.search(sentence):
            continue  # a bare digit group (a street number, a date) is not a telephone number
        for m in PHONE_RE.finditer(sentence):
            number = m.group(0).strip()
            if sum(ch.isdigit() for ch in number) >= 10 and not any(p["number"] == number for p in phones):
                phones.append({"number": number, "section": sid, "sentence": sentence})
    facts["telephones"] = phones

    organisations: List[Dict[str, object]] = []
    for sid, sentence in pairs:
        for m in _ORG_RE.finditer(sentence):
            name = m.group(0).strip().strip(",")
            if not any(o["name"] == name for o in organisations):
                organisations.append({"name": name, "section": sid, "sentence": sentence})
    facts["organisations"] = organisations

    revised = None
    for sid, sentence in pairs:
        revised_at = _REVISED_RE.search(sentence)
        if revised_at:
            revised = {"date": revised_at.group(1).strip(), "section": sid, "sentence": sentence}
    facts["last_revised"] = revised
    return facts
