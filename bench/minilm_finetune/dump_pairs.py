"""Dump PolicyQA *tune* policies as sentences + questions with gold sentence ids (run with the project's .venv/bin/python).

Reads only policyqa("tune"). Sentences: each paragraph whitespace-collapsed (as Policy.markdown() does) then
policy_kb.clean.split_sentences. Positives: sentences of the gold paragraph holding a gold span.
"""
import json
import re
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository
from policy_kb.corpora import policyqa, holds_span
from policy_kb.clean import split_sentences
from policy_kb.embed import find_model_dir
from policy_kb.question import _normalise_question

out = {"model_dir": str(find_model_dir()), "policies": []}
for i, pol in enumerate(policyqa("tune")):  # already sorted by name
    sents, para_of = [], []
    for k, p in enumerate(pol.paragraphs):
        for s in split_sentences(re.sub(r"\s+", " ", p).strip()):
            sents.append(s); para_of.append(k)
    qs, skipped = [], 0
    for q in pol.questions:
        pos = [j for j, (s, k) in enumerate(zip(sents, para_of)) if k == q.paragraph and holds_span(s, q.answers)]
        # any sentence of the policy holding the span (for top-1 / MRR evaluation per the brief: holds_span on top)
        hold = [j for j, s in enumerate(sents) if holds_span(s, q.answers)]
        if not pos:
            skipped += 1
            continue
        qs.append({"question": _normalise_question(q.question), "answers": list(q.answers), "paragraph": q.paragraph, "pos": pos, "hold": hold})
    out["policies"].append({"name": pol.name, "fold": i % 4, "sentences": sents, "para_of": para_of, "questions": qs, "skipped": skipped})
    print(i % 4, pol.name, len(pol.paragraphs), "paras", len(sents), "sents", len(qs), "qs", skipped, "skipped", file=sys.stderr)
json.dump(out, open(Path(__file__).resolve().parent / "tune_pairs.json", "w"))
