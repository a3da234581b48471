"""Evaluate the policy knowledge base: hybrid retriever vs. a BM25 baseline, in one run.

    .venv/bin/python bench/kb_eval.py                 # all sets below, builds KBs into a temp dir
    .venv/bin/python bench/kb_eval.py --json out.json
    .venv/bin/python bench/kb_eval.py --sets cartier-dev -v   # while tuning: dev only

Reports per set: top-1 / top-3 section accuracy (answerable questions), answers
with all key facts and mean key-fact recall (final answers as the bot gives
them), abstention precision / recall, latency p50 / p95 (retrieval and full
answer, in process, each with a cold query-embedding cache; plus retrieval of a
question seen before, from the cache), KB load time.  The BM25 baseline answers with the first
sentences of its top passage and abstains below a score threshold chosen as
the best on the same set (generous to the baseline).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy_kb import KnowledgeBase, build  # noqa: E402
from policy_kb.clean import split_sentences  # noqa: E402

SETS = [
    # (name, policy source, question set, note)
    ("cartier-dev", ROOT / "policy_kb/source/cartier-us-privacy-policy-2010.md", ROOT / "bench/kb_dev_set.jsonl",
     "dev set: the coverage threshold and fusion weights were tuned on it"),
    ("cartier-test", ROOT / "policy_kb/source/cartier-us-privacy-policy-2010.md", ROOT / "bench/kb_test_set.jsonl",
     "held out: written with the dev set, not looked at while tuning"),
    ("second-policy", ROOT / "tests/data/second_policy.md", ROOT / "bench/kb_second_dev_set.jsonl",
     "a different policy, held out: nothing tuned on it"),
]


def _blas_description() -> str:
    """numpy's OpenBLAS and the kernel it runs: retrieval time depends on it (policy_kb/blas_check.py)."""
    import numpy  # noqa: F401 - loads the library described

    from policy_kb.blas_check import better_core, blas_cores, numpy_blas

    lib = numpy_blas(blas_cores())
    text = f"OpenBLAS {lib.get('version')} {lib.get('architecture')} kernel" if lib else "not OpenBLAS (or threadpoolctl missing)"
    if os.environ.get("OPENBLAS_CORETYPE"):
        text += f" (OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']})"
    core = better_core()
    return f"{text} — start with OPENBLAS_CORETYPE={core} for a kernel made for this CPU" if core else text


def _pct(values: List[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[k]


def _has_facts(text: str, facts: List[str]) -> float:
    low = text.lower()
    return sum(1 for f in facts if f.lower() in low) / len(facts) if facts else 1.0


def _answer_text(answer) -> str:
    return " ".join([answer.text] + [c.text for c in answer.also])


def _baseline_answer(text: str, max_chars: int = 320) -> str:
    out = ""
    for sentence in split_sentences(text):
        if out and len(out) + 1 + len(sentence) > max_chars:
            break
        out = (out + " " + sentence).strip()
    return out[:max_chars]


def evaluate(kb: KnowledgeBase, rows: List[dict]) -> Dict[str, dict]:
    answerable = [r for r in rows if r["sections"]]
    uncovered = [r for r in rows if not r["sections"]]
    out: Dict[str, dict] = {}
    misses: List[str] = []
    for method in ("hybrid", "bm25"):
        top1 = top3 = 0
        lat: List[float] = []
        cpu: List[float] = []
        top_scores = []
        hits_by_q = {}
        for r in rows:
            kb.hybrid.clear_query_cache()  # cold: every question pays for its encoding
            t, c = time.perf_counter(), time.thread_time()
            hits = kb.search(r["question"], top=3, method=method)
            lat.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            hits_by_q[r["id"]] = hits
            if r["sections"]:
                secs = [h.section for h in hits]
                top1 += bool(secs and secs[0] in r["sections"])
                top3 += bool(set(secs) & set(r["sections"]))
            top_scores.append((hits[0].score if hits else 0.0, bool(r["sections"])))
        res = {"top1": top1 / len(answerable), "top3": top3 / len(answerable),
               "retrieval_ms_p50": _pct(lat, 0.5), "retrieval_ms_p95": _pct(lat, 0.95),
               "retrieval_cpu_ms_p50": _pct(cpu, 0.5), "retrieval_cpu_ms_p95": _pct(cpu, 0.95)}
        if method == "hybrid":
            full = 0
            recall = []
            abst_true = abst_false = 0
            alat = []
            acpu = []
            # a repeated question: its embedding comes from the query cache
            warm, warm_cpu = [], []
            for r in rows:
                kb.search(r["question"], top=3)
                t, c = time.perf_counter(), time.thread_time()
                kb.search(r["question"], top=3)
                warm.append((time.perf_counter() - t) * 1000)
                warm_cpu.append((time.thread_time() - c) * 1000)
            res.update({"cached_retrieval_ms_p50": _pct(warm, 0.5), "cached_retrieval_ms_p95": _pct(warm, 0.95),
                        "cached_retrieval_cpu_ms_p50": _pct(warm_cpu, 0.5),
                        "cached_retrieval_cpu_ms_p95": _pct(warm_cpu, 0.95)})
            # the same question again, its vectors cached: what a turn costs when the NLU's vector is reused
            wlat, wcpu = [], []
            for r in rows:
                kb.hybrid.clear_query_cache()
                t, c = time.perf_counter(), time.thread_time()
                a = kb.answer(r["question"])
                alat.append((time.perf_counter() - t) * 1000)
                acpu.append((time.thread_time() - c) * 1000)
                t, c = time.perf_counter(), time.thread_time()
                kb.answer(r["question"])
                wlat.append((time.perf_counter() - t) * 1000)
                wcpu.append((time.thread_time() - c) * 1000)
                if r["sections"]:
                    rec = _has_facts(_answer_text(a), r["facts"]) if a.covered else 0.0
                    recall.append(rec)
                    full += rec == 1.0
                    if not a.covered:
                        abst_false += 1
                    if rec < 1.0:
                        misses.append(f"  [{r['id']}] {r['question']!r} -> covered={a.covered} {a.section_id} score={a.score:.3f}: {_answer_text(a)[:200]!r}")
                else:
                    if not a.covered:
                        abst_true += 1
                    else:
                        misses.append(f"  [{r['id']}] UNCOVERED answered ({a.section_id}, score={a.score:.3f}): {r['question']!r}")
            res.update({"all_key_facts": full / len(answerable), "key_fact_recall": sum(recall) / len(recall),
                        "abstain_precision": abst_true / max(1, abst_true + abst_false),
                        "abstain_recall": abst_true / max(1, len(uncovered)),
                        "answer_ms_p50": _pct(alat, 0.5), "answer_ms_p95": _pct(alat, 0.95),
                        "answer_cpu_ms_p50": _pct(acpu, 0.5), "answer_cpu_ms_p95": _pct(acpu, 0.95),
                        "cached_answer_ms_p50": _pct(wlat, 0.5), "cached_answer_ms_p95": _pct(wlat, 0.95),
                        "cached_answer_cpu_ms_p50": _pct(wcpu, 0.5), "cached_answer_cpu_ms_p95": _pct(wcpu, 0.95)})
        else:
            # baseline: first sentences of the top passage; abstain below the best threshold for this set
            best = None
            for thr in sorted({s for s, _ in top_scores} | {0.0}):
                recall_u = sum(1 for s, ans in top_scores if not ans and s < thr) / max(1, len(uncovered))
                wrong = sum(1 for s, ans in top_scores if ans and s < thr)
                key = (recall_u - wrong / max(1, len(answerable)))
                if best is None or key > best[0]:
                    best = (key, thr)
            thr = best[1]
            full = 0
            recall = []
            abst_true = abst_false = 0
            for r in rows:
                hits = hits_by_q[r["id"]]
                covered = bool(hits) and hits[0].score >= thr
                if r["sections"]:
                    rec = _has_facts(_baseline_answer(hits[0].text), r["facts"]) if covered else 0.0
                    recall.append(rec)
                    full += rec == 1.0
                    abst_false += not covered
                else:
                    abst_true += not covered
            res.update({"all_key_facts": full / len(answerable), "key_fact_recall": sum(recall) / len(recall),
                        "abstain_precision": abst_true / max(1, abst_true + abst_false),
                        "abstain_recall": abst_true / max(1, len(uncovered)), "threshold_tuned_on_set": thr})
        out[method] = res
    out["misses"] = misses
    out["n"] = {"answerable": len(answerable), "uncovered": len(uncovered)}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the failures")
    parser.add_argument("--sets", nargs="+", choices=[name for name, *_ in SETS],
                        help="only these sets (e.g. --sets cartier-dev while tuning, so held-out sets stay unseen)")
    parser.add_argument("--policyqa-only", action="store_true",
                        help="only the measure-only PolicyQA policies and the Cartier held-out set")
    args = parser.parse_args(argv)
    report = {}
    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} (1 min) / {load5:.1f} (5 min) — latency scales with load")
    print(f"BLAS: {_blas_description()}")
    with tempfile.TemporaryDirectory() as tmp:
        built = {}
        for name, source, qset, note in SETS:
            if args.policyqa_only or args.sets and name not in args.sets:
                continue
            if not source.is_file() or not qset.is_file():
                print(f"skip {name}: missing {source if not source.is_file() else qset}")
                continue
            kb_dir = built.get(source)
            if kb_dir is None:
                kb_dir = Path(tmp) / source.stem
                build(source, kb_dir, force=True)
                built[source] = kb_dir
            t = time.perf_counter()
            kb = KnowledgeBase.load(kb_dir)
            load_s = time.perf_counter() - t
            rows = [json.loads(line) for line in qset.read_text(encoding="utf-8").splitlines() if line.strip()]
            kb.answer("warm up")
            res = evaluate(kb, rows)
            res["load_s"] = load_s
            res["note"] = note
            report[name] = res
            n = res["n"]
            print(f"\n== {name}: {n['answerable']} answerable + {n['uncovered']} uncovered ({note}); KB load {load_s*1000:.0f} ms")
            print(f"{'metric':<22}{'hybrid':>10}{'bm25':>10}")
            for key in ("top1", "top3", "all_key_facts", "key_fact_recall", "abstain_precision", "abstain_recall"):
                print(f"{key:<22}{res['hybrid'][key]*100:>9.1f}%{res['bm25'][key]*100:>9.1f}%")
            for key in ("retrieval_ms_p50", "retrieval_ms_p95", "retrieval_cpu_ms_p50", "retrieval_cpu_ms_p95"):
                print(f"{key:<22}{res['hybrid'][key]:>10.2f}{res['bm25'][key]:>10.2f}")
            print(f"{'cached retrieval p50/p95':<22}{res['hybrid']['cached_retrieval_ms_p50']:.2f}/{res['hybrid']['cached_retrieval_ms_p95']:.2f} wall, "
                  f"{res['hybrid']['cached_retrieval_cpu_ms_p50']:.2f}/{res['hybrid']['cached_retrieval_cpu_ms_p95']:.2f} CPU (question seen before)")
            load_now = os.getloadavg()[0]
            res["load_average_1min"] = load_now
            print(f"{'load average now':<22}{load_now:.1f}")
            print(f"{'answer_ms p50/p95':<22}{res['hybrid']['answer_ms_p50']:.1f}/{res['hybrid']['answer_ms_p95']:.1f} wall, "
                  f"{res['hybrid']['answer_cpu_ms_p50']:.1f}/{res['hybrid']['answer_cpu_ms_p95']:.1f} CPU")
            print(f"{'cached answer p50/p95':<22}{res['hybrid']['cached_answer_ms_p50']:.1f}/{res['hybrid']['cached_answer_ms_p95']:.1f} wall, "
                  f"{res['hybrid']['cached_answer_cpu_ms_p50']:.1f}/{res['hybrid']['cached_answer_cpu_ms_p95']:.1f} CPU "
                  "(question vector cached, as when the NLU's vector is reused)")
            if args.verbose:
                for r in rows:
                    if r["sections"] and not set(h.section for h in kb.search(r["question"], top=3)) & set(r["sections"]):
                        print(f"  top-3 miss [{r['id']}] {r['question']!r}")
            if args.verbose and res["misses"]:
                print("misses:")
                print("\n".join(res["misses"]))
    if not args.sets:
        from kb_policyqa import SCORERS, measure_all, print_all

        measured = measure_all()
        report.update(measured)
        print_all(measured, SCORERS, args.verbose)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _with_deployed_blas_kernel() -> None:
    """Re-run this script with the OpenBLAS kernel ``privacy-desk run`` gives its processes
    (``bot/ops/supervisor.py``), so the latency printed is the deployed one; ``OPENBLAS_CORETYPE``
    set by hand (e.g. ``Prescott`` to see the generic kernel) is left alone."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return
    import numpy  # noqa: F401 - loads the library checked

    from policy_kb.blas_check import better_core

    core = better_core()
    if core:
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "OPENBLAS_CORETYPE": core})  # noqa: S606 - this script again


if __name__ == "__main__":
    _with_deployed_blas_kernel()
    sys.exit(main())
