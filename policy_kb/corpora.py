"""PolicyQA / PrivacyQA corpora as the KB sees them: one markdown policy per website, split by policy.

Used by ``policy_kb.train_ranker`` (tune policies only) and ``bench/kb_eval.py`` (measure-only policies);
only these two read ``corpora/``: the answering code never does.
PolicyQA paragraphs carry no headings, so each becomes its own section (the builder titles it by its
first words) — the same path any heading-less policy takes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, TypedDict

ROOT = Path(__file__).resolve().parent.parent  # the repository: corpora/ is not installed with the package
CORPORA = ROOT / "corpora"


@dataclass(frozen=True)
class PolicyQuestion:
    question: str
    answers: tuple  # gold answer span texts
    category: str  # OPP-115 category of the question (PolicyQA "type" field, first part)
    paragraph: int = 0  # index of the paragraph holding the answer
    occurrence: int = 0  # the span is the n-th occurrence of its text in that paragraph


@dataclass(frozen=True)
class Policy:
    name: str
    paragraphs: tuple
    questions: tuple

    def markdown(self) -> str:
        return "\n\n".join(re.sub(r"\s+", " ", p).strip() for p in self.paragraphs) + "\n"


def splits() -> dict:
    return json.loads((CORPORA / "splits.json").read_text(encoding="utf-8"))


def policyqa(part: str) -> List[Policy]:
    """The PolicyQA dev policies of ``part`` ("tune" or "measure") of corpora/splits.json."""
    names = set(splits()["policyqa"][part])
    data = json.loads((CORPORA / "policyqa-dev-18.json").read_text(encoding="utf-8"))["data"]
    out = []
    for doc in data:
        if doc["title"] not in names:
            continue
        paras, qs = [], []
        for k, p in enumerate(doc["paragraphs"]):
            paras.append(p["context"])
            for qa in p["qas"]:
                answers = [a for a in qa["answers"] if a["text"].strip()]
                if answers:
                    first = answers[0]
                    nth = p["context"][: first["answer_start"]].count(first["text"])
                    qs.append(
                        PolicyQuestion(
                            qa["question"],
                            tuple(a["text"] for a in answers),
                            qa.get("type", "").split("|||")[0],
                            k,
                            nth,
                        )
                    )
        out.append(Policy(doc["title"], tuple(paras), tuple(qs)))
    return sorted(out, key=lambda p: p.name)


class PrivacyQARow(TypedDict):
    question: str
    categories: List[str]


def privacyqa(part: str) -> List[PrivacyQARow]:
    """PrivacyQA questions of the apps in ``part``: {"question", "categories": [names]}."""
    apps = set(splits()["privacyqa"][part])
    lines = (CORPORA / "privacyqa-train-questions.tsv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    cats = head[5:]
    out: List[PrivacyQARow] = []
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) < len(head) or cols[0].rstrip("/").split("/")[-1] not in apps:
            continue
        out.append({"question": cols[4], "categories": [c for c, v in zip(cats, cols[5:]) if v.strip() == "1"]})
    return out


def norm(text: str) -> str:
    """Lower-case, whitespace-collapsed text for span containment checks."""
    return re.sub(r"\s+", " ", text.replace("“", '"').replace("”", '"').replace("’", "'")).strip().lower()


def holds_span(answer: str, spans) -> bool:
    a = norm(answer)
    return any(norm(s) in a for s in spans if s.strip())
