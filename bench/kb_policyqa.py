"""KB benchmarks on data nobody tuned on, each beside its baselines in one run.

* PolicyQA **measure-only** policies (``corpora/splits.json``): the answer holds a gold span, answerable
  questions declined, retrieval hit@3 (a top-3 passage holds a gold span) — naive baseline (BM25's top
  paragraph from its sentence sharing most words with the question, cut to 320 characters), the
  previous scorer ("rules") and the learned ranker, plus answer latency and KB build time.
* The Cartier held-out set (``bench/kb_cartier_heldout.jsonl``, committed before any tuning): all key
  facts, uncovered / out-of-scope declined, invented text (an answer fragment that is not policy text).

Run through ``bench/kb_eval.py`` (``make bench``); ``--policyqa-only`` there runs just this part.
``python bench/kb_policyqa.py --previous OLD_ranker.json`` runs it alone and adds another ranker weights
file as a third scorer ("previous"), so a retrained ranker is compared with the one it replaces in one run;
``--development`` runs only the Cartier development sets (held-out 1-3), what a change is decided on before the
measure-only sets are run.
"""
from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from policy_kb import KnowledgeBase, build
from policy_kb.answer_types import expected_answer_type
from policy_kb.clean import split_sentences
from policy_kb.corpora import holds_span, norm, policyqa
from policy_kb.ranker import RankerWeights, load_weights
from policy_kb.text import content_tokens

ROOT = Path(__file__).resolve().parent.parent
#: written before any tuning; measured once (2026-12-03), since then a development set
HELDOUT = ROOT / "bench/kb_cartier_heldout.jsonl"
#: written blind later (``bench/kb_cartier_heldout_2.README.md``): measured once (2026-12-03), since then development
HELDOUT_2 = ROOT / "bench/kb_cartier_heldout_2.jsonl"
HELDOUT_2_TITLE = "Cartier held-out 2 (written blind, now development)"
#: written blind (``bench/kb_cartier_heldout_3.README.md``): measured once (2026-12-04), since then development
HELDOUT_3 = ROOT / "bench/kb_cartier_heldout_3.jsonl"
HELDOUT_3_TITLE = "Cartier held-out 3 (written blind, now development)"
#: written blind before the changes it measures (``bench/kb_cartier_heldout_4.README.md``): measure-only
HELDOUT_4 = ROOT / "bench/kb_cartier_heldout_4.jsonl"
HELDOUT_4_TITLE = "Cartier held-out 4 (written blind, measure-only)"
#: written blind from the policy alone (``bench/kb_cartier_heldout_5.README.md``): measure-only
HELDOUT_5 = ROOT / "bench/kb_cartier_heldout_5.jsonl"
HELDOUT_5_TITLE = "Cartier held-out 5 (written blind, measure-only)"
CARTIER = ROOT / "policy_kb/source/cartier-us-privacy-policy-2010.md"
SCORERS = ("rules", "learned")


def pct(values: List[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))]


def answer_text(answer) -> str:
    return " ".join([answer.text] + [c.text for c in answer.also]) if answer.covered else ""


def naive_baseline(kb: KnowledgeBase, question: str, max_chars: int = 320) -> str:
    """BM25's top paragraph, from its sentence sharing most words with the question, cut to 320 chars."""
    hits = kb.search(question, top=1, method="bm25")
    if not hits:
        return ""
    sentences = split_sentences(hits[0].text)
    q = set(content_tokens(question))
    best = max(range(len(sentences)), key=lambda i: (len(q & set(content_tokens(sentences[i]))), -i))
    return " ".join(sentences[best:])[:max_chars]


def learned_top_passages(kb: KnowledgeBase, question: str, top: int = 3,
                         weights: Optional[RankerWeights] = None) -> List[int]:
    """Passages ranked by their best sentence's learned score."""
    _, scores = kb.ranker_scores(question, expected_answer_type(question), weights or kb.ranker_weights)
    best: Dict[int, float] = {}
    for i, s in enumerate(scores):
        p = int(kb._sentence_passage[i])
        best[p] = max(best.get(p, -np.inf), float(s))
    return sorted(best, key=lambda p: -best[p])[:top]


def _answer(kb: KnowledgeBase, question: str, scorer: str, previous: Optional[RankerWeights]):
    """``kb``'s answer with one scorer; "previous" is the learned scorer with the other weights file."""
    kb.scorer = "learned" if scorer == "previous" else scorer
    return kb.answer(question, weights=previous if scorer == "previous" else None)


def _scorers(previous: Optional[RankerWeights]) -> Sequence[str]:
    return SCORERS + (("previous",) if previous is not None else ())


def policyqa_measure(previous: Optional[RankerWeights] = None) -> dict:
    """Numbers on the measure-only PolicyQA policies (never trained or tuned on)."""
    scorers = _scorers(previous)
    keys = ("baseline", "bm25") + tuple(scorers)
    held = {k: 0 for k in keys}
    hit3 = {k: 0 for k in ("bm25",) + tuple(scorers)}
    declined = {k: 0 for k in scorers}
    latency: Dict[str, List[float]] = {k: [] for k in scorers}
    builds = []
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for policy in policyqa("measure"):
            src = Path(tmp) / f"{policy.name}.md"
            src.write_text(policy.markdown(), encoding="utf-8")
            t = time.perf_counter()
            build(src, Path(tmp) / policy.name, force=True)
            builds.append((policy.name, len(policy.paragraphs), time.perf_counter() - t))
            kb = KnowledgeBase.load(Path(tmp) / policy.name)
            kb.answer("warm up")
            for q in policy.questions:
                n += 1
                held["baseline"] += holds_span(naive_baseline(kb, q.question), q.answers)
                bm = kb.search(q.question, top=3, method="bm25")
                held["bm25"] += bool(bm) and holds_span(bm[0].text[:320], q.answers)
                hit3["bm25"] += any(holds_span(h.text, q.answers) for h in bm)
                hit3["rules"] += any(holds_span(h.text, q.answers) for h in kb.search(q.question, top=3))
                hit3["learned"] += any(holds_span(kb.passages[p]["text"], q.answers)
                                       for p in learned_top_passages(kb, q.question))
                if previous is not None:
                    hit3["previous"] += any(holds_span(kb.passages[p]["text"], q.answers)
                                            for p in learned_top_passages(kb, q.question, weights=previous))
                for scorer in scorers:
                    kb.hybrid.clear_query_cache()
                    t = time.perf_counter()
                    a = _answer(kb, q.question, scorer, previous)
                    latency[scorer].append((time.perf_counter() - t) * 1000)
                    held[scorer] += holds_span(answer_text(a), q.answers)
                    declined[scorer] += not a.covered
    return {"n": n, "policies": len(builds),
            "holds_gold_span": {k: v / n for k, v in held.items()},
            "answerable_declined": {k: v / n for k, v in declined.items()},
            "hit_at_3": {k: v / n for k, v in hit3.items()},
            "answer_ms_p50": {k: pct(v, 0.5) for k, v in latency.items()},
            "answer_ms_p95": {k: pct(v, 0.95) for k, v in latency.items()},
            "build_s": builds}


def policy_fragments(text: str) -> List[str]:
    """The pieces of an answer that must each be verbatim policy text (cuts are marked with …)."""
    return [f.strip(" …") for f in re.split(r"…", text) if f.strip(" …")]


def cartier_heldout(previous: Optional[RankerWeights] = None, questions: Path = HELDOUT) -> dict:
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        build(CARTIER, Path(tmp) / "kb", force=True)
        build_s = time.perf_counter() - t
        kb = KnowledgeBase.load(Path(tmp) / "kb")
    policy_text = norm(" ".join(s["text"] for s in kb.sentences))
    out = {"build_s": build_s, "n": {k: sum(r["kind"] == k for r in rows)
                                     for k in ("answerable", "uncovered", "out_of_scope")}}
    for scorer in _scorers(previous):
        full = invented = 0
        declined = {"answerable": 0, "uncovered": 0, "out_of_scope": 0}
        misses, lat, cpu = [], [], []
        for r in rows:
            kb.hybrid.clear_query_cache()
            t, c = time.perf_counter(), time.thread_time()
            a = _answer(kb, r["question"], scorer, previous)
            lat.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            text = answer_text(a)
            declined[r["kind"]] += not a.covered
            parts = [a.text] + [c.text for c in a.also] if a.covered else []
            invented += any(norm(f) not in policy_text for part in parts for f in policy_fragments(part))
            if r["kind"] == "answerable":
                ok = a.covered and all(f.lower() in text.lower() for f in r["facts"])
                full += ok
                if not ok:
                    misses.append(f"[{r['id']}] {r['question']!r} -> {text[:160]!r}")
            elif a.covered:
                misses.append(f"[{r['id']}] {r['kind']} answered: {r['question']!r} -> {text[:100]!r}")
        out[scorer] = {"all_key_facts": full / out["n"]["answerable"],
                       "uncovered_declined": declined["uncovered"] / out["n"]["uncovered"],
                       "out_of_scope_declined": declined["out_of_scope"] / out["n"]["out_of_scope"],
                       "answerable_declined": declined["answerable"] / out["n"]["answerable"],
                       "invented_answers": invented, "answer_ms_p50": pct(lat, 0.5), "answer_ms_p95": pct(lat, 0.95),
                       "answer_cpu_ms_p50": pct(cpu, 0.5), "answer_cpu_ms_p95": pct(cpu, 0.95), "misses": misses}
    return out


def print_report(pqa: dict, held: dict, verbose: bool = False) -> None:
    scorers = [k for k in ("rules", "previous", "learned") if k in pqa["answerable_declined"]]
    print(f"\n== PolicyQA measure-only policies ({pqa['policies']} policies, {pqa['n']} questions; never tuned on)")
    print(f"{'metric':<24}{'naive':>9}{'bm25':>9}" + "".join(f"{s:>10}" for s in scorers))
    h = pqa["holds_gold_span"]
    print(f"{'answer holds gold span':<24}{h['baseline']*100:>8.1f}%{h['bm25']*100:>8.1f}%"
          + "".join(f"{h[s]*100:>9.1f}%" for s in scorers))
    d = pqa["answerable_declined"]
    print(f"{'answerable declined':<24}{'':>18}" + "".join(f"{d[s]*100:>9.1f}%" for s in scorers))
    k = pqa["hit_at_3"]
    print(f"{'hit@3 (passage)':<24}{'':>9}{k['bm25']:>9.3f}" + "".join(f"{k[s]:>10.3f}" for s in scorers))
    print(f"{'answer ms p50 / p95':<24}{'':>18}"
          + "".join(f"{pqa['answer_ms_p50'][s]:>5.1f}/{pqa['answer_ms_p95'][s]:<4.1f}" for s in scorers))
    big = max(pqa["build_s"], key=lambda b: b[1])
    print(f"KB build: {', '.join(f'{n} ({p} paragraphs) {s:.1f} s' for n, p, s in pqa['build_s'])}; largest {big[0]} {big[2]:.1f} s")
    print_heldout(held, scorers, "Cartier held-out 1 (committed before tuning; measured once, a tuning set since)", verbose)


def print_heldout(held: dict, scorers: Sequence[str], title: str, verbose: bool = False) -> None:
    """One Cartier question set's numbers, a column per scorer."""
    n = held["n"]
    print(f"\n== {title}: {n['answerable']} answerable + {n['uncovered']} uncovered + {n['out_of_scope']} out of scope;"
          f" KB build {held['build_s']:.1f} s")
    print(f"{'metric':<24}" + "".join(f"{s:>10}" for s in scorers))
    for key in ("all_key_facts", "uncovered_declined", "out_of_scope_declined", "answerable_declined"):
        print(f"{key:<24}" + "".join(f"{held[s][key]*100:>9.1f}%" for s in scorers))
    print(f"{'invented answers':<24}" + "".join(f"{held[s]['invented_answers']:>10}" for s in scorers))
    print(f"{'answer ms p50 / p95':<24}"
          + "".join(f"{held[s]['answer_ms_p50']:>5.1f}/{held[s]['answer_ms_p95']:<4.1f}" for s in scorers))
    print(f"{'answer CPU ms p50 / p95':<24}"
          + "".join(f"{held[s]['answer_cpu_ms_p50']:>5.1f}/{held[s]['answer_cpu_ms_p95']:<4.1f}" for s in scorers))
    if verbose:
        for scorer in scorers:
            print(f"misses ({scorer}):")
            print("\n".join("  " + m for m in held[scorer]["misses"]))


#: the later Cartier question sets: (report key, questions, title)
LATER_HELDOUTS = (("cartier_heldout_2", HELDOUT_2, HELDOUT_2_TITLE), ("cartier_heldout_3", HELDOUT_3, HELDOUT_3_TITLE),
                  ("cartier_heldout_4", HELDOUT_4, HELDOUT_4_TITLE), ("cartier_heldout_5", HELDOUT_5, HELDOUT_5_TITLE))


#: the Cartier sets a change may be tuned and decided on (held-out 4 and 5 are measure-only)
DEVELOPMENT_SETS = (("cartier_heldout", HELDOUT, "Cartier held-out 1 (development)"),
                    ("cartier_heldout_2", HELDOUT_2, HELDOUT_2_TITLE), ("cartier_heldout_3", HELDOUT_3, HELDOUT_3_TITLE))


def measure_development(previous: Optional[RankerWeights] = None) -> dict:
    """The development sets only: what a change is decided on before the measure-only sets are run."""
    return {key: cartier_heldout(previous, questions) for key, questions, _ in DEVELOPMENT_SETS}


def measure_all(previous: Optional[RankerWeights] = None) -> dict:
    """Every number this module reports: PolicyQA measure-only policies and each Cartier question set."""
    report = {"policyqa_measure": policyqa_measure(previous), "cartier_heldout": cartier_heldout(previous)}
    for key, questions, _ in LATER_HELDOUTS:
        report[key] = cartier_heldout(previous, questions)
    return report


def print_all(report: dict, scorers: Sequence[str], verbose: bool = False) -> None:
    print_report(report["policyqa_measure"], report["cartier_heldout"], verbose)
    for key, _, title in LATER_HELDOUTS:
        print_heldout(report[key], scorers, title, verbose)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="PolicyQA measure-only + Cartier held-out, with a previous ranker")
    parser.add_argument("--previous", type=Path, help="another ranker.json to compare in the same run")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--development", action="store_true",
                        help="only the Cartier development sets (held-out 1-3): for deciding on a change")
    args = parser.parse_args()
    previous = load_weights(args.previous) if args.previous else None
    if args.previous and previous is None:
        parser.error(f"{args.previous}: not ranker weights for these features")
    if args.development:
        report = measure_development(previous)
        for key, _, title in DEVELOPMENT_SETS:
            print_heldout(report[key], _scorers(previous), title, args.verbose)
    else:
        report = measure_all(previous)
        print_all(report, _scorers(previous), args.verbose)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
