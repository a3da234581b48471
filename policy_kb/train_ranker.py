"""Train the sentence ranker on the PolicyQA *tune* policies and write ``policy_kb/ranker.json``.

    .venv/bin/python -m policy_kb.train_ranker            # ~2-4 min on 2 cores (builds 11 KBs, encodes ~2,000 questions)

Only the tune part of ``corpora/splits.json`` is read.  For each question the sentence holding the
start of a gold answer span is the positive, every other sentence of that policy a negative (a listwise
softmax model).  Abstention is a second, question-level logistic model (``ranker.ABSTAIN_FEATURES``):
answerable = the tune questions and the repository policy's dev set answerable ones; not answerable = PrivacyQA
tune questions annotators gave no OPP-115 category, and the dev set's uncovered ones.  Its threshold
declines at most ``DECLINE_TARGET`` of the answerable tune questions.  The support gap is the one that
makes answers hold the gold span most often on tune.  The repository policy's held-out set and the measure-only
policies are never read here.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import List, Tuple

import numpy as np

from . import build
from .answer_types import expected_answer_type
from .category import CATEGORIES_FILE, CategoryModel
from .corpora import ROOT, Policy, holds_span, norm, policyqa, privacyqa
from .kb import KnowledgeBase
from .ranker import ABSTAIN_FEATURES, FEATURES, WEIGHTS_FILE, Abstainer, RankerWeights, abstain_features

DECLINE_TARGET = 0.04
#: The repository's own policy (the one policy in policy_kb/source/): the dev set's questions are about it.
DEV_POLICY = next(p for p in sorted((ROOT / "policy_kb/source").glob("*.md")) if p.name != "README.md")
DEV_SET = ROOT / "bench/kb_dev_set.jsonl"
L2 = 0.01


def gold_passage(kb: KnowledgeBase, paragraph: str) -> int:
    """The passage built from a PolicyQA paragraph (the builder may join a lead-in with what follows)."""
    head = norm(paragraph)[:60]
    for pi, p in enumerate(kb.passages):
        if head and head in norm(p["text"]):
            return pi
    return -1


def gold_sentences(kb: KnowledgeBase, question, paragraph: str) -> List[int]:
    """The sentence of the gold paragraph where the gold span starts (its n-th occurrence there)."""
    pi = gold_passage(kb, paragraph)
    span = norm(question.answers[0])[:40]
    if pi < 0 or not span:
        return []
    found = [i for i in range(len(kb.sentences)) if kb.sentences[i]["_pi"] == pi]
    out = []
    for i in found:
        out += [i] * norm(kb.sentences[i]["text"]).count(span)
    if not out:
        return []
    return [out[min(question.occurrence, len(out) - 1)]]


def policy_examples(kb: KnowledgeBase, policy: Policy) -> List[Tuple[np.ndarray, List[int], tuple, str]]:
    """(features, gold sentence ids, spans, question) for each question with a findable answer sentence."""
    out = []
    for q in policy.questions:
        gold = gold_sentences(kb, q, policy.paragraphs[q.paragraph])
        if not gold:
            continue
        out.append((kb.ranker_features(q.question, expected_answer_type(q.question)), gold, q.answers, q.question))
    return out


def fit_categories(out: Path) -> None:
    """The question-category model (``category.py``) from PrivacyQA tune questions with one category."""
    from sklearn.linear_model import LogisticRegression  # build-time only

    from .embed import MiniLMEncoder

    rows = [r for r in privacyqa("tune") if len(r["categories"]) == 1]
    names = sorted({r["categories"][0] for r in rows})
    X = MiniLMEncoder().encode([r["question"] for r in rows])
    y = [names.index(r["categories"][0]) for r in rows]
    model = LogisticRegression(C=2.0, max_iter=3000).fit(X, y)
    cat = CategoryModel(tuple(names), model.coef_.astype(np.float32), model.intercept_.astype(np.float32))
    out.write_text(json.dumps(cat.to_json()) + "\n", encoding="utf-8")
    print(f"categories: {len(rows)} PrivacyQA tune questions, {names}, train accuracy {model.score(X, y):.2f}")


def build_policy_kbs(part: str, root: Path) -> List[Tuple[Policy, KnowledgeBase]]:
    out = []
    for policy in policyqa(part):
        d = root / policy.name
        d.mkdir(parents=True, exist_ok=True)
        src = d / "policy.md"
        src.write_text(policy.markdown(), encoding="utf-8")
        build(src, d / "kb")
        out.append((policy, KnowledgeBase.load(d / "kb")))
    return out


def fit(examples) -> Tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """A listwise linear ranker: softmax over each question's sentences, gold sentence as the target
    (L2-regularised, L-BFGS); the intercept then makes the top score comparable across questions."""
    from scipy.optimize import minimize  # build-time only (installed with scikit-learn)

    X = np.vstack([f for f, *_ in examples])
    mean, scale = X.mean(0), X.std(0) + 1e-9
    groups = [((f - mean) / scale, g[0]) for f, g, *_ in examples]

    def loss(w):
        total, grad = 0.5 * L2 * w @ w, L2 * w
        for Z, gold in groups:
            s = Z @ w
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            total -= np.log(p[gold] + 1e-12)
            grad = grad + Z.T @ p - Z[gold]
        return total / len(groups), grad / len(groups)

    res = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return res.x, 0.0, mean, scale


def fit_abstainer(positives: List[np.ndarray], negatives: List[np.ndarray], tune_pos: int) -> Abstainer:
    """Logistic answerable-vs-not model; the threshold declines at most ``DECLINE_TARGET`` of the answerable
    tune questions (the first ``tune_pos`` positives) and at most as many of the dev set's answerable ones."""
    from sklearn.linear_model import LogisticRegression  # build-time only

    X = np.vstack(positives + negatives)
    y = np.array([1] * len(positives) + [0] * len(negatives))
    mean, scale = X.mean(0), X.std(0) + 1e-9
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit((X - mean) / scale, y)
    ab = Abstainer(model.coef_[0], float(model.intercept_[0]), mean, scale, 0.0)
    pos = np.array([ab.log_odds(x) for x in positives])
    threshold = min(float(np.quantile(pos[:tune_pos], DECLINE_TARGET)), float(np.quantile(pos[tune_pos:], DECLINE_TARGET)))
    return Abstainer(ab.coef, ab.intercept, mean, scale, threshold)


def abstain_examples(w: RankerWeights, kbs, examples, dev_kb: KnowledgeBase):
    """(answerable rows, tune answerable count, unanswerable rows) for the abstention model.

    Answerable: the tune PolicyQA questions on their policy, then the dev set's answerable questions.
    Not answerable: PrivacyQA tune questions that annotators gave no OPP-115 category (off-topic for
    any privacy policy: "do I need to pay"), each asked of three tune policies, and the dev set's
    uncovered questions."""
    pos = []
    for f, g, s, q, kb in examples:
        pos.append(abstain_features(f, w.scores(f), len(kb.unsupported_terms(q))))
    tune_pos = len(pos)
    neg = []
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        X = dev_kb.ranker_features(r["question"], expected_answer_type(r["question"]))
        x = abstain_features(X, w.scores(X), len(dev_kb.unsupported_terms(r["question"])))
        (pos if r["sections"] else neg).append(x)
    off_topic = [r["question"] for r in privacyqa("tune") if not r["categories"]]
    for k, q in enumerate(off_topic):
        for j in range(3):
            _, kb = kbs[(3 * k + j) % len(kbs)]
            X = kb.ranker_features(q, expected_answer_type(q))
            neg.append(abstain_features(X, w.scores(X), len(kb.unsupported_terms(q))))
    return pos, tune_pos, neg


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--cache", type=Path, help="keep the built tune KBs here (default: a temp dir)")
    args = parser.parse_args(argv)
    fit_categories(CATEGORIES_FILE)
    with tempfile.TemporaryDirectory() as tmp:
        kbs = build_policy_kbs("tune", args.cache or Path(tmp))
        examples = []
        for policy, kb in kbs:
            kb.hybrid.QUERY_CACHE_SIZE = 10_000  # each question is encoded once, then answered per setting
            examples += [(f, g, s, q, kb) for f, g, s, q in policy_examples(kb, policy)]
        coef, intercept, mean, scale = fit(examples)
        print(f"tune: {len(examples)} questions, {sum(len(f) for f, *_ in examples)} sentence rows")
        print(" ".join(f"{n}={c:+.2f}" for n, c in zip(FEATURES, coef)))
        w = RankerWeights(coef, intercept, mean, scale, 0.0, 0.0)
        build(DEV_POLICY, Path(tmp) / "dev-policy", force=True)
        dev_kb = KnowledgeBase.load(Path(tmp) / "dev-policy")
        pos, tune_pos, neg = abstain_examples(w, kbs, examples, dev_kb)
        abstainer = fit_abstainer(pos, neg, tune_pos)
        print(f"abstainer: {len(pos)} answerable, {len(neg)} not; " + " ".join(
            f"{n}={c:+.2f}" for n, c in zip(ABSTAIN_FEATURES, abstainer.coef)) + f"; threshold {abstainer.threshold:.3f}")
        threshold, penalty = 0.0, 0.0
        w = RankerWeights(coef, intercept, mean, scale, threshold, 1.0, penalty, abstainer)
        dev_rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
        answered = [dev_kb.answer(r["question"], weights=w).covered for r in dev_rows]
        print(f"dev: uncovered declined {np.mean([not a for a, r in zip(answered, dev_rows) if not r['sections']]):.3f}, "
              f"answerable declined {np.mean([not a for a, r in zip(answered, dev_rows) if r['sections']]):.3f}")
        best = None
        for gap in (1.0, 99.0):
            w = RankerWeights(coef, intercept, mean, scale, threshold, gap, penalty, abstainer)
            held = sum(holds_span(kb.answer(q, weights=w).text, spans) for f, g, spans, q, kb in examples[::4])
            print(f"support gap {gap}: answer holds gold span {held / len(examples[::4]):.3f} (every 4th tune question)")
            if best is None or held > best[0]:
                best = (held, gap)
        weights = RankerWeights(coef, intercept, mean, scale, threshold, best[1], penalty, abstainer)
    args.out.write_text(json.dumps(weights.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {json.dumps({k: v for k, v in weights.to_json().items() if not isinstance(v, list)})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
