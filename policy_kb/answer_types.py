"""Expected answer types: what kind of answer a question asks for, and whether a sentence holds one.

"How long do you keep my data?" asks for a *duration*; a sentence about where data is stored,
however close in topic, does not answer it.  The patterns are generic English (numbers, time
units, dates, country names, legal-entity suffixes, age phrases), never words of one policy.

Types: ``duration``, ``date``, ``time`` (a plain "when ...": a date, a duration or a condition),
``location``, ``organisation``, ``amount``, ``age``, ``collected`` ("what information do you collect":
a sentence with a collection verb listing data items), ``obligation`` ("do I have to give ...",
"what if I don't provide ...": a sentence on whether giving data is mandatory or optional) and
``contact_detail`` ("what's your e-mail address", "where do I send a letter": a sentence giving an e-mail
address, a telephone number or a street address; the builder's contact facts answer first when it found any).

:data:`PREFERRED` names, per type, a stricter form preferred when one scores nearly as well: an
organisation question prefers a sentence *naming* one (a legal-entity suffix: "Paylane Ltd") to one
with a generic noun ("your bank", "a third party").  :data:`LENIENT` types only prefer, never decline.
"""

from __future__ import annotations

import re
from typing import Optional

from .facts import COUNTRIES, EMAIL_RE, ORG_SUFFIX, PHONE_RE, STREET

__all__ = [
    "ANSWER_TYPES",
    "PREFERRED",
    "LENIENT",
    "CLAUSE_TYPE",
    "CONTACT_Q",
    "expected_answer_type",
    "has_answer_type",
    "names_same_organisation",
    "asks_why",
]

ANSWER_TYPES = (
    "duration",
    "date",
    "time",
    "location",
    "organisation",
    "amount",
    "age",
    "collected",
    "obligation",
    "contact_detail",
)
# a stricter form of a type, preferred when a sentence holding it scores within the margin
PREFERRED = {"organisation": "named_organisation"}
# when a long sentence is cut to its relevant clauses, the clauses holding this count as relevant
CLAUSE_TYPE = {"collected": "data_item"}
# types whose absence says little about coverage ("what do you collect" is answered by the collection
# section even without a list): they reorder sentences but never lower the confidence
LENIENT = frozenset({"collected", "obligation"})

# ------------------------------------------------------------------ questions
_DATE_Q = re.compile(
    r"\b(?:what|which) (?:date|day|year)\b|\bsince when\b|\bhow (?:old|recent) is (?:the|this|your)\b"
    r"|(?:^ *|\b)when (?:was|were|is|did|does|do|will|has|had)\b.{0,40}\b(?:updat\w*|revis\w*|chang\w*|modif\w*|"
    r"effective|written|publish\w*|creat\w*|came into)"
)
_AGE_Q = re.compile(
    r"\bhow old\b|\bwhat age\b|\b(?:minimum|legal|required) age\b|\bage (?:limit|requirement|restriction)s?\b"
    r"|\bat what age\b|\bold enough\b"
)
_DURATION_Q = re.compile(
    r"\bhow long\b|\bhow many (?:more )?(?:seconds|minutes|hours|days|weeks|months|years)\b|\bhow soon\b"
    r"|\buntil when\b|\bretention (?:period|time|policy|schedule)\b|\bwhat is the retention\b"
)
_AMOUNT_Q = re.compile(
    r"\bhow (?:much|many)\b|\bwhat (?:does it|will it|would it) cost\b|\bis (?:it|there a) (?:free|fee|charge)\b"
)
_WHERE_Q = re.compile(r"\bwhere\b|\b(?:which|what|in what|in which) (?:countr(?:y|ies)|location|region|place)\b")
# "where do I send my request" asks for a contact, not a place where data is kept
_WHERE_CONTACT_Q = re.compile(
    r"\bwhere\b.{0,30}\b(?:send|write|post|mail|e-?mail|call|phone|find|read|see|click|go|complain|report|contact|"
    r"change|update|unsubscribe|opt|ask|request|sign|log|check)\b"
)
#: a question asking how to reach the company, by kind of contact the builder extracts (``facts.py``)
CONTACT_Q = re.compile(
    r"\b(?:what(?:'s| is| are)|give me|tell me|where(?:'s| is)|which)\b.{0,20}\b(?:your|the|an?)\b.{0,25}"
    # an address or number of the company's, not the "IP address" it logs or "the number of days" it keeps data
    r"\b(?P<kind>e-?mail(?: address)?|(?<!\bip )(?<!\bmac )(?<!\bweb )(?:postal |mailing |post(?:al)? )?address"
    r"|(?:tele)?phone(?: number)?|number(?! of\b))\b"
    r"|\b(?:where|who)\b.{0,25}\b(?P<write>write|send (?:a |my |the )?(?:letter|request|mail)|post|mail)\b"
    r"|\bhow (?:do|can|should|would) i\b.{0,10}\b(?P<reach>contact|reach|write to|e-?mail|call)\b"
    r"|\b(?P<dpo>data protection officer|dpo|privacy officer|contact details|contact information)\b"
    r"|\bwhere(?:'s| is| are)\s+(?:(?:you|the company)(?: \w+)?\s+(?:based|located)|(?:your|the company's)\s+"
    r"(?P<place>head ?office|headquarters|main office|offices?|hq))\b",
    re.I,
)
_WHO_Q = re.compile(
    r"\bwho\b.{0,30}\b(?:receives?|gets?|gives?|processes|processing|process|handles?|sees?|see|has access|have access|"
    r"does|do|runs?|delivers?|sends?|shares?|checks?|hosts?|stores?|is responsible|are responsible|controls?|"
    r"controller|else|provides?|manages?|operates?|collects?|uses?|reads?|buys?)\b"
    r"|\b(?:which|what) (?:compan(?:y|ies)|third[- ]part(?:y|ies)|partners?|providers?|processors?|vendors?|"
    r"firms?|organi[sz]ations?|businesses)\b"
)
# "when do you delete ..." asks for a time; "what do you ask for when I call" does not
_WHEN_Q = re.compile(
    r"^ *when\b|\bwhen (?:do|does|did|will|would|is|are|was|were|can|could|should|shall|must|has|have)\b"
)

_DATA_NOUN = r"(?:(?:personal )?(?:information|info|data|details)|personal details)"
_COLLECTED_Q = re.compile(
    r"\b(?:what|which)(?: (?:kinds?|types?|sorts?|categories|pieces?) of)? (?:personal )?(?:information|info|data|details)\b"
    r".{0,40}\b(?:collect\w*|gather\w*|obtain\w*|ask (?:me )?for|request|need|require|record\w*|hold|keep|store|have about)\b"
    r"|\bwhat (?:do|does|will|did) (?:you|they|we|the \w+) (?:collect|gather|record|ask (?:me )?for|know about me)\b"
    r"|\bwhat(?: (?:personal )?(?:information|info|data|details))? (?:(?:do|must|should|will) i (?:have|need) to|"
    r"must i|should i|am i (?:required|asked|expected) to) (?:give|provide|share|supply|tell|enter|hand over|submit|fill in)\b"
)
_OBLIGATION_Q = re.compile(
    r"\b(?:do|must|should|will) i (?:have|need) to (?:give|provide|share|supply|fill|tell|enter|hand)\b"
    r"|\bmust i (?:give|provide|share|supply|tell|enter)\b|\bam i (?:required|obliged|obligated|forced) to\b"
    r"|\b(?:is|are) (?:it|this|that|they|all|some|the \w+) (?:\w+ )?(?:mandatory|compulsory|required|optional|obligatory)\b"
    r"|\b(?:what|what happens|and) if i (?:don't|do not|dont|won't|refuse|decline|choose not|prefer not|would rather not)"
    r"|\b(?:don't|do not|dont) (?:want|wish|like) to (?:give|provide|share|supply|tell)\b"
    r"|\b(?:refuse|decline) to (?:give|provide|share|supply)\b"
)


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
    contact = CONTACT_Q.search(q)
    if contact and (contact.group("kind") or contact.group("write")):
        # "what's your e-mail address", "where do I send a letter": a way to reach the company, or the policy does not say
        return "contact_detail"
    if _WHERE_Q.search(q) and not _WHERE_CONTACT_Q.search(q):
        return "location"
    if _WHO_Q.search(q):
        return "organisation"
    if _WHEN_Q.search(q):
        return "time"
    if _COLLECTED_Q.search(q):  # "what do I need to give you" asks what is collected, not whether it is optional
        return "collected"
    if _OBLIGATION_Q.search(q):
        return "obligation"
    return None


# ------------------------------------------------------------------ sentences
_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|several|few)"
)
_UNIT = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)"
_DURATION_S = re.compile(
    rf"\b{_NUMBER}(?:[- ](?:\w+))?[- ]{_UNIT}\b"
    r"|\b(?:periods?|as long as|until|retain\w*|retention|indefinite(?:ly)?|permanent(?:ly)?|"
    r"no longer than|longer than (?:is )?necessary|for the (?:duration|life(?:time)?) of)\b",
    re.I,
)
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_S = re.compile(
    rf"\b{_MONTH}\.?\s+(?:\d{{1,2}},?\s+)?\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b"
)
_CONDITION_S = re.compile(
    r"\b(?:after|before|once|when|whenever|if|unless|upon|as soon as|at any time|immediately|promptly|"
    r"prior to|following|during|while|at the (?:time|end|point))\b",
    re.I,
)
_PLACES = tuple(COUNTRIES) + ("Europe", "Asia", "Africa", "North America", "South America", "EU")
_PLACE_S = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(p) for p in sorted(_PLACES, key=len, reverse=True)) + r")(?![a-z])"
)
_LOCATION_WORD_S = re.compile(
    r"\b(?:countr(?:y|ies)|abroad|overseas|outside (?:of )?(?:your|the|our)|servers?|data cent(?:er|re)s?|"
    r"facilit(?:y|ies)|premises|headquarter(?:s|ed)|offices? (?:in|at)|located|the cloud|"
    r"on your (?:computer|device|phone|browser)|locally|regions?|jurisdictions?)\b",
    re.I,
)
_STREET_S = re.compile(STREET + r"\b")
_ORG_SUFFIX_S = re.compile(r"\b[A-Z][\w&'-]*,?\s+" + ORG_SUFFIX + r"(?![\w])")
_ORG_WORD_S = re.compile(
    r"\b(?:compan(?:y|ies)|providers?|processors?|partners?|third[- ]part(?:y|ies)|vendors?|affiliates?|"
    r"subsidiar(?:y|ies)|parent|advertisers?|sponsors?|agents?|contractors?|suppliers?|staff|employees?|"
    r"team|officer|authorit(?:y|ies)|office|commissioner|regulators?|banks?|couriers?|carriers?|group|"
    r"businesses|controller|government|police|law enforcement|courts?|members of)\b",
    re.I,
)
# a multi-word proper name in mid-sentence ("Information Commissioner's Office")
_PROPER_NAME_S = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?:'s)?(?: (?:of |and )?[A-Z][a-z]+(?:'s)?)+")
_AMOUNT_S = re.compile(
    r"\d|[$€£¥%]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|"
    r"thousand|million|dozen|free|fees?|charges?|costs?|price[sd]?|paid|percent|per cent|dollars?|euros?|"
    r"pounds?|all|none|only|every|each|several|many|few|minimum|maximum)\b",
    re.I,
)
_AGE_S = re.compile(
    r"\b(?:under|below|over|above|younger than|older than|less than|at least)\s+(?:the\s+)?(?:age\s+(?:of\s+)?)?\d{1,2}\b"
    r"|\b\d{1,2}\s*(?:\+|years?\s+(?:of\s+age|old)|or (?:older|over|younger))|\bage[ds]?\s+(?:of\s+)?\d{1,2}\b"
    r"|\b(?:adults?|minors?|age of majority|legal age)\b",
    re.I,
)

_COLLECT_VERB_S = re.compile(
    r"\b(?:collect(?:s|ed|ing|ion)?|gather\w*|obtain\w*|provid(?:e|es|ed|ing)|ask(?:s|ed)? (?:you )?for|request(?:s|ed)?|"
    r"record(?:s|ed)?|receiv(?:e|es|ed)|track(?:s|ed)?|submit\w*|enter(?:s|ed)?|supply|supplied|give us)\b",
    re.I,
)
# generic personal-data items: a sentence naming two or more (with a collection verb) lists what is collected
_DATA_ITEM_S = re.compile(
    r"\b(?:(?:real |full |first |last |user ?)?names?|(?:e-?mail|postal|shipping|billing|delivery|home|ip) address(?:es)?|"
    r"e-?mail|(?:tele)?phone(?: number)?|mobile number|date of birth|birth ?date|birthday|age|gender|sex|"
    r"nationality|passport|id(?:entity)? (?:card|number)|social security|payment (?:details|information|card)|"
    r"(?:credit|debit|bank) card(?: details| information| number)?|bank (?:account|details)|passwords?|user ?id|"
    r"(?:browser|device|computer|operating system)(?: type)?|cookies?|location|purchases?|order history|"
    r"preferences|photos?|signature|occupation|income)\b",
    re.I,
)
# "you may also be required to provide such information": the list was given just before
_BACK_REFERENCE_S = re.compile(
    r"\b(?:such|this|these|the same|the above|that)(?: \w+)? (?:information|data|details)\b", re.I
)
_OBLIGATION_S = re.compile(
    r"\b(?:mandatory|non-mandatory|compulsory|optional|obligatory|voluntar\w*|"
    r"not (?:required|obliged|obligated|necessary|mandatory|compulsory)|"
    r"(?:choose|chose|decide|prefer|elect|opt) not to (?:provide|give|share|supply|submit)|"
    r"(?:do not|don't|fail to|refuse to|decline to) (?:provide|give|supply|submit)|"
    r"(?:can|may) (?:choose|decide|refuse|decline) (?:to|whether|not)|at your (?:option|discretion)|"
    r"(?:is|are) up to you)\b",
    re.I,
)

_PURPOSE_S = re.compile(
    r"\b(?:so that|so we can|in order to|for the purposes? of|purposes?|because|reasons?|"
    r"(?:help|helps|allow|allows|enable|enables) us to)\b",
    re.I,
)
_WHY_Q = re.compile(r"^\s*why\b|\bwhy (?:do|does|did|would|will|are|is|should)\b|\bfor what (?:purpose|reason)\b", re.I)


def asks_why(question: str) -> bool:
    """ "Why do you record ...": the question asks for a reason (a purpose), whatever its topic."""
    return bool(_WHY_Q.search(question))


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
    if kind == "named_organisation":
        return bool(_ORG_SUFFIX_S.search(sentence))
    if kind == "collected":
        if not _COLLECT_VERB_S.search(sentence):
            return False
        items = {m.group(0).lower() for m in _DATA_ITEM_S.finditer(sentence)}
        return len(items) >= 2 or bool(_BACK_REFERENCE_S.search(sentence))
    if kind == "obligation":
        return bool(_OBLIGATION_S.search(sentence))
    if kind == "data_item":  # a clause of a "collected" sentence naming a data item
        return bool(_DATA_ITEM_S.search(sentence))
    if kind == "purpose":  # a reason given: "so that we can ...", "for security reasons", "in order to ..."
        return bool(_PURPOSE_S.search(sentence))
    if kind == "contact_detail":  # a clause giving a way to reach the company: e-mail, phone, street address
        return bool(EMAIL_RE.search(sentence) or PHONE_RE.search(sentence) or _STREET_S.search(sentence))
    return True


# "which companies ...", "what kind of partners ...": the organisation is what is asked for, not named
_ASKED_FOR = re.compile(r"\b(?:which|what)(?:\s+(?:kinds?|types?|sorts?)\s+of)?\s+(?:\w+\s+)?$", re.I)


def names_same_organisation(question: str, sentence: str) -> bool:
    """Whether the question itself names an organisation ("my card company") that ``sentence`` speaks of.

    Such a question asks something *about* that organisation ("who do I talk to if my card company
    misuses my data"), so a sentence naming it generically answers as well as one naming a company.
    """
    said = {m.group(0).lower().rstrip("s") for m in _ORG_WORD_S.finditer(sentence)}
    for m in _ORG_WORD_S.finditer(question):
        if not _ASKED_FOR.search(question[: m.start()]) and m.group(0).lower().rstrip("s") in said:
            return True
    return False
