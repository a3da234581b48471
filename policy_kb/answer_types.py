"""Expected answer types: what kind of answer a question asks for, and whether a sentence holds one.

"How long do you keep my data?" asks for a *duration*; a sentence about where data is stored,
however close in topic, does not answer it.  The patterns are generic English (numbers, time
units, dates, country names, legal-entity suffixes, age phrases), never words of one policy.

Types: ``duration``, ``date``, ``time`` (a plain "when ...": a date, a duration or a condition),
``location``, ``organisation``, ``amount``, ``age``.
"""
from __future__ import annotations

import re
from typing import Optional

from .facts import COUNTRIES

__all__ = ["ANSWER_TYPES", "expected_answer_type", "has_answer_type"]

ANSWER_TYPES = ("duration", "date", "time", "location", "organisation", "amount", "age")

# ------------------------------------------------------------------ questions
_DATE_Q = re.compile(
    r"\b(?:what|which) (?:date|day|year)\b|\bsince when\b|\bhow (?:old|recent) is (?:the|this|your)\b"
    r"|(?:^ *|\b)when (?:was|were|is|did|does|do|will|has|had)\b.{0,40}\b(?:updat\w*|revis\w*|chang\w*|modif\w*|"
    r"effective|written|publish\w*|creat\w*|came into)")
_AGE_Q = re.compile(
    r"\bhow old\b|\bwhat age\b|\b(?:minimum|legal|required) age\b|\bage (?:limit|requirement|restriction)s?\b"
    r"|\bat what age\b|\bold enough\b")
_DURATION_Q = re.compile(
    r"\bhow long\b|\bhow many (?:more )?(?:seconds|minutes|hours|days|weeks|months|years)\b|\bhow soon\b"
    r"|\buntil when\b|\bretention (?:period|time|policy|schedule)\b|\bwhat is the retention\b")
_AMOUNT_Q = re.compile(r"\bhow (?:much|many)\b|\bwhat (?:does it|will it|would it) cost\b|\bis (?:it|there a) (?:free|fee|charge)\b")
_WHERE_Q = re.compile(r"\bwhere\b|\b(?:which|what|in what|in which) (?:countr(?:y|ies)|location|region|place)\b")
# "where do I send my request" asks for a contact, not a place where data is kept
_WHERE_CONTACT_Q = re.compile(
    r"\bwhere\b.{0,30}\b(?:send|write|post|mail|e-?mail|call|phone|find|read|see|click|go|complain|report|contact|"
    r"change|update|unsubscribe|opt|ask|request|sign|log|check)\b")
_WHO_Q = re.compile(
    r"\bwho\b.{0,30}\b(?:receives?|gets?|gives?|processes|processing|process|handles?|sees?|see|has access|have access|"
    r"does|do|runs?|delivers?|sends?|shares?|checks?|hosts?|stores?|is responsible|are responsible|controls?|"
    r"controller|else|provides?|manages?|operates?|collects?|uses?|reads?|buys?)\b"
    r"|\b(?:which|what) (?:compan(?:y|ies)|third[- ]part(?:y|ies)|partners?|providers?|processors?|vendors?|"
    r"firms?|organi[sz]ations?|businesses)\b")
# "when do you delete ..." asks for a time; "what do you ask for when I call" does not
_WHEN_Q = re.compile(r"^ *when\b|\bwhen (?:do|does|did|will|would|is|are|was|were|can|could|should|shall|must|has|have)\b")


def expected_answer_type(question: str) -> Optional[str]:
    """The kind of answer ``question`` asks for, or ``None`` when it does not ask for a typed answer."""
    q = " " + re.sub(r"\s+", " ", question.lower().replace("’", "'")) + " "
    if _DATE_Q.search(q):
        return "date"
    if _AGE_Q.search(q):
        return "age"
    if _DURATION_Q.search(q):
        return "duration"
    if _AMOUNT_Q.search(q):
        return "amount"
    if _WHERE_Q.search(q) and not _WHERE_CONTACT_Q.search(q):
        return "location"
    if _WHO_Q.search(q):
        return "organisation"
    if _WHEN_Q.search(q):
        return "time"
    return None


# ------------------------------------------------------------------ sentences
_NUMBER = (r"(?:\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
           r"sixty|seventy|eighty|ninety|hundred|several|few)")
_UNIT = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)"
_DURATION_S = re.compile(
    rf"\b{_NUMBER}(?:[- ](?:\w+))?[- ]{_UNIT}\b"
    r"|\b(?:periods?|as long as|until|retain\w*|retention|indefinite(?:ly)?|permanent(?:ly)?|"
    r"no longer than|longer than (?:is )?necessary|for the (?:duration|life(?:time)?) of)\b", re.I)
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_S = re.compile(
    rf"\b{_MONTH}\.?\s+(?:\d{{1,2}},?\s+)?\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b")
_CONDITION_S = re.compile(
    r"\b(?:after|before|once|when|whenever|if|unless|upon|as soon as|at any time|immediately|promptly|"
    r"prior to|following|during|while|at the (?:time|end|point))\b", re.I)
_PLACES = tuple(COUNTRIES) + ("Europe", "Asia", "Africa", "North America", "South America", "EU")
_PLACE_S = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(p) for p in sorted(_PLACES, key=len, reverse=True))
                      + r")(?![a-z])")
_LOCATION_WORD_S = re.compile(
    r"\b(?:countr(?:y|ies)|abroad|overseas|outside (?:of )?(?:your|the|our)|servers?|data cent(?:er|re)s?|"
    r"facilit(?:y|ies)|premises|headquarter(?:s|ed)|offices? (?:in|at)|located|the cloud|"
    r"on your (?:computer|device|phone|browser)|locally|regions?|jurisdictions?)\b", re.I)
_STREET_S = re.compile(
    r"\b\d{1,6}\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,4}\s+(?:Avenue|Ave\.?|Street|St\.?|Road|Rd\.?|Boulevard|"
    r"Blvd\.?|Drive|Lane|Way|Place|Plaza|Square|Court)\b")
_ORG_SUFFIX_S = re.compile(
    r"\b[A-Z][\w&'-]*,?\s+(?:Inc\.?|LLC|L\.L\.C\.|Ltd\.?|Limited|GmbH|AG|S\.A\.|SA|SAS|SNC|B\.V\.|BV|N\.V\.|"
    r"plc|PLC|Corp\.?|Corporation|Co\.)(?![\w])")
_ORG_WORD_S = re.compile(
    r"\b(?:compan(?:y|ies)|providers?|processors?|partners?|third[- ]part(?:y|ies)|vendors?|affiliates?|"
    r"subsidiar(?:y|ies)|parent|advertisers?|sponsors?|agents?|contractors?|suppliers?|staff|employees?|"
    r"team|officer|authorit(?:y|ies)|office|commissioner|regulators?|banks?|couriers?|carriers?|group|"
    r"businesses|controller|government|police|law enforcement|courts?|members of)\b", re.I)
# a multi-word proper name in mid-sentence ("Information Commissioner's Office")
_PROPER_NAME_S = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?:'s)?(?: (?:of |and )?[A-Z][a-z]+(?:'s)?)+")
_AMOUNT_S = re.compile(
    r"\d|[$€£¥%]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|"
    r"thousand|million|dozen|free|fees?|charges?|costs?|price[sd]?|paid|percent|per cent|dollars?|euros?|"
    r"pounds?|all|none|only|every|each|several|many|few|minimum|maximum)\b", re.I)
_AGE_S = re.compile(
    r"\b(?:under|below|over|above|younger than|older than|less than|at least)\s+(?:the\s+)?(?:age\s+(?:of\s+)?)?\d{1,2}\b"
    r"|\b\d{1,2}\s*(?:\+|years?\s+(?:of\s+age|old)|or (?:older|over|younger))|\bage[ds]?\s+(?:of\s+)?\d{1,2}\b"
    r"|\b(?:adults?|minors?|age of majority|legal age)\b", re.I)


def has_answer_type(sentence: str, kind: str) -> bool:
    """Whether ``sentence`` contains an answer of type ``kind`` (see :data:`ANSWER_TYPES`)."""
    if kind == "duration":
        return bool(_DURATION_S.search(sentence))
    if kind == "date":
        return bool(_DATE_S.search(sentence))
    if kind == "time":
        return bool(_DATE_S.search(sentence) or _DURATION_S.search(sentence) or _CONDITION_S.search(sentence))
    if kind == "location":
        return bool(_PLACE_S.search(sentence) or _LOCATION_WORD_S.search(sentence) or _STREET_S.search(sentence))
    if kind == "organisation":
        return bool(_ORG_SUFFIX_S.search(sentence) or _ORG_WORD_S.search(sentence) or _PROPER_NAME_S.search(sentence))
    if kind == "amount":
        return bool(_AMOUNT_S.search(sentence))
    if kind == "age":
        return bool(_AGE_S.search(sentence))
    return True
