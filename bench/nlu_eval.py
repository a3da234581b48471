"""First-turn routing of the NLU: the old pipeline beside the new one, in the same run.

What it measures (numbers and method in ``bench/RESULTS_NLU.md``):

1. **Held-out real-register first messages** (``bench/nlu_heldout.tsv``, never trained on;
   checked below): which flow the first message starts.
   - *right flow* — the intent's flow is the expected one;
   - *right flow or one tap* — also counts a policy answer whose button starts the expected
     request, and a ``question_or_request`` offer that includes it (``actions/routing.py``).
2. **PrivacyQA measure apps** (``corpora/splits.json`` → ``privacyqa.measure``; only measured
   on): share treated as a policy question (``ask_policy`` or the question-or-request offer)
   vs the "didn't understand" fallback vs wrongly opening a form vs anything else.
3. Parse latency per message (mean / p95, one message at a time, after warm-up) and NLU
   training time of each pipeline on this machine.

"Old" is ``bench/nlu_baseline_config.yml`` (the pipeline before issue 14) trained on the NLU
data as it was at ``BASELINE_REF``; "new" is ``config.yml`` on today's ``data/nlu``.
``--ablation`` adds the old config on today's data (what the data alone changed).
``--cv`` also runs ``rasa test nlu --cross-validation`` on the new pipeline into ``bench/nlu_cv/``.

Usage: ``.venv/bin/python bench/nlu_eval.py [--ablation] [--cv] [--folds 3]``
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RASA = str(ROOT / ".venv" / "bin" / "rasa")
# held-out sets of real-register first messages, never trained on: sets 1-4 became development
# sets once their misses guided data fixes (patterns, never their sentences); set 10 is measure-only
# (written blind before the data it measures, run once for the final report: ``--sets 10``)
HELDOUT_SETS = {"held-out set 1 (dev)": ROOT / "bench" / "nlu_heldout.tsv",
                "held-out set 2 (dev)": ROOT / "bench" / "nlu_heldout_2.tsv",
                "held-out set 3 (dev)": ROOT / "bench" / "nlu_heldout_3.tsv",
                "held-out set 4 (dev)": ROOT / "bench" / "nlu_heldout_4.tsv",
                "held-out set 5 (dev)": ROOT / "bench" / "nlu_heldout_5.tsv",
                "held-out set 6 (dev)": ROOT / "bench" / "nlu_heldout_6.tsv",
                "held-out set 7 (dev)": ROOT / "bench" / "nlu_heldout_7.tsv",
                "held-out set 8 (dev)": ROOT / "bench" / "nlu_heldout_8.tsv",
                "held-out set 9 (dev)": ROOT / "bench" / "nlu_heldout_9.tsv",
                "held-out set 10 (dev)": ROOT / "bench" / "nlu_heldout_10.tsv",
                "held-out set 11 (measure-only)": ROOT / "bench" / "nlu_heldout_11.tsv",
                "held-out set 12 (measure-only)": ROOT / "bench" / "nlu_heldout_12.tsv"}
BASELINE_CONFIG = ROOT / "bench" / "nlu_baseline_config.yml"
NEW_CONFIG = ROOT / "config.yml"
BASELINE_REF = "d37ba4e"  # last commit before issue 14 changed data/nlu
CV_DIR = ROOT / "bench" / "nlu_cv"
RESULTS_JSON = ROOT / "bench" / "nlu_eval_results.json"

_FLOW_OF_INTENT: Dict[str, str] = {
    "ask_policy": "policy",
    "request_access": "access",
    "request_correction": "correction",
    "request_deletion": "deletion",
    "request_stop_using": "stop_using",
    "request_parental_deletion": "parental",
    "make_request": "request",
    "check_status": "status",
    "talk_to_person": "person",
    "greet": "greet",
    "goodbye": "goodbye",
    "thank": "thank",
    "bot_challenge": "bot",
    "what_can_you_do": "help",
    "out_of_scope": "out_of_scope",
    "other_language": "other_language",
    "cancel_request": "cancel",
    "nlu_fallback": "fallback",
}
_FORM_FLOWS = {"access", "correction", "deletion", "stop_using", "parental", "request", "status"}
_FLOW_OF_FOLLOW_UP = {"access": "access", "correction": "correction", "deletion": "deletion",
                      "stop_using": "stop_using", "parental_deletion": "parental"}


def normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def read_heldout(path: Path) -> List[Tuple[str, str]]:
    """(expected flow, message) pairs of one held-out set."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" in line and not line.startswith(("#", "flow\t")):
            flow, text = line.split("\t", 1)
            pairs.append((flow, text))
    return pairs


def read_privacyqa(part: str = "measure") -> List[str]:
    """PrivacyQA questions of the ``part`` apps of ``corpora/splits.json`` ("measure" or "tune")."""
    splits = json.loads((ROOT / "corpora" / "splits.json").read_text(encoding="utf-8"))
    apps = set(splits["privacyqa"][part])
    with (ROOT / "corpora" / "privacyqa-train-questions.tsv").open(encoding="utf-8", newline="") as fh:
        return [r["Query"] for r in csv.DictReader(fh, delimiter="\t")
                if r["Folder"].rstrip("/").split("/")[-1] in apps]


def training_examples(nlu_dir: Path) -> Dict[str, str]:
    """normalised example → intent, for every ``- example`` line under ``nlu_dir``."""
    import yaml

    out: Dict[str, str] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- ") and "intent" in item:
                    out[normalised(line[2:])] = item["intent"]
    return out


def unseen_pairs(pairs: List[Tuple[str, str]], seen: Dict[str, str]) -> List[Tuple[str, str]]:
    """The held-out messages that are not training examples.

    Sets written blind still collide with training data on short canonical messages ("hi",
    "agent", "cancel"); those are left out of the measurement (the count is printed), so every
    number is on messages the model never saw.
    """
    return [(flow, text) for flow, text in pairs if normalised(text) not in seen]


def export_baseline_data(dest: Path) -> Path:
    """data/nlu as it was at BASELINE_REF, written under ``dest``."""
    nlu = dest / "nlu"
    nlu.mkdir(parents=True, exist_ok=True)
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{BASELINE_REF}:data/nlu"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        text = subprocess.run(["git", "show", f"{BASELINE_REF}:data/nlu/{name}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
        (nlu / name).write_text(text, encoding="utf-8")
    return nlu


def train(config: Path, nlu: Path, out: Path, name: str) -> Tuple[Path, float]:
    """Train an NLU-only model; (model path, wall seconds)."""
    start = time.perf_counter()
    subprocess.run([RASA, "train", "nlu", "--config", str(config), "--nlu", str(nlu), "--out", str(out),
                    "--fixed-model-name", name], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return out / f"{name}.tar.gz", time.perf_counter() - start


class Routed:
    """One parsed message: its intent, ranking and the flow(s) it leads to."""

    def __init__(self, parse: dict, kb, second_reading: bool = True) -> None:
        self.intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
        self.ranking = parse.get("intent_ranking") or []
        self.offered: FrozenSet[str] = frozenset()
        if second_reading and self.intent in ("inform", "change_field", "nlu_fallback"):
            self.intent, self.offered = self._second_reading(parse)
        if self.intent == "question_or_request":
            self.flow = "choice"
            request = next((_FLOW_OF_INTENT[r["name"]] for r in self.ranking[1:]
                            if _FLOW_OF_INTENT.get(r.get("name")) in _FORM_FLOWS), "request")
            self.offered = frozenset({"policy", request})
        else:
            self.flow = _FLOW_OF_INTENT.get(self.intent, f"other:{self.intent}")
            if self.flow == "policy" and kb is not None:
                answer = kb.answer(parse.get("text") or "")
                if answer.covered and answer.follow_up in _FLOW_OF_FOLLOW_UP:
                    self.offered = frozenset({_FLOW_OF_FOLLOW_UP[answer.follow_up]})


    def _second_reading(self, parse: dict) -> Tuple[str, FrozenSet[str]]:
        """What the bot does with an out-of-place first message (``actions/second_reading.py``)."""
        from actions.second_reading import flow_offers, stray_reading
        from bot.requests import parsing

        if parsing.find_reference(parse.get("text") or "", asked=False):
            return "check_status", frozenset()
        if self.intent != "nlu_fallback":
            reading = stray_reading(parse)
            return (str(reading["name"]) if reading else self.intent), frozenset()
        return self.intent, frozenset(_FLOW_OF_INTENT[name] for name in flow_offers(self.ranking))


async def parse_all(model: Path, texts: Sequence[str]) -> Tuple[List[dict], List[float], List[float]]:
    """Parse every text with the model; also per-message wall and CPU ms (after one warm-up)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    await agent.parse_message("hello")
    parses, latencies, cpu = [], [], []
    for text in texts:
        start, start_cpu = time.perf_counter(), time.process_time()
        parses.append(await agent.parse_message(text))
        latencies.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return parses, latencies, cpu


def heldout_scores(parses: Sequence[dict], expected: Sequence[str], kb, second_reading: bool = True) -> dict:
    routed = [Routed(p, kb, second_reading) for p in parses]
    right = sum(r.flow == e for r, e in zip(routed, expected))
    right_or_tap = sum(r.flow == e or e in r.offered for r, e in zip(routed, expected))
    misses = [(e, r.flow, sorted(r.offered), p.get("text")) for r, e, p in zip(routed, expected, parses)
              if r.flow != e]
    per_flow: Dict[str, List[int]] = {}
    for r, e in zip(routed, expected):
        per_flow.setdefault(e, [0, 0])
        per_flow[e][0] += int(r.flow == e or e in r.offered)
        per_flow[e][1] += 1
    return {"n": len(routed), "right_flow": right, "right_flow_or_one_tap": right_or_tap,
            "per_flow": per_flow, "misses": misses}


def privacyqa_scores(parses: Iterable[dict], second_reading: bool = True) -> dict:
    counts: Counter = Counter()
    for parse in parses:
        r = Routed(parse, None, second_reading)
        if r.flow in ("policy", "choice"):
            counts["policy question"] += 1
        elif r.flow == "fallback":
            counts["fallback"] += 1
        elif r.flow in _FORM_FLOWS:
            counts["form opened"] += 1
        else:
            counts["other"] += 1
    return {"n": sum(counts.values()), **counts}


def latency_summary(ms: Sequence[float]) -> dict:
    ordered = sorted(ms)
    return {"mean_ms": round(statistics.fmean(ms), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def cross_validate(folds: int) -> None:
    """``rasa test nlu --cross-validation`` of the new pipeline; reports land in bench/nlu_cv/."""
    CV_DIR.mkdir(exist_ok=True)
    subprocess.run([RASA, "test", "nlu", "--cross-validation", "--folds", str(folds), "--config", str(NEW_CONFIG),
                    "--nlu", str(ROOT / "data" / "nlu"), "--out", str(CV_DIR)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    report = json.loads((CV_DIR / "intent_report.json").read_text(encoding="utf-8"))
    print(f"\ncross-validation ({folds} folds), intent F1 on held-out folds of data/nlu:")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row:
            print(f"  {name:28s} F1 {row['f1-score']:.3f}  (support {row.get('support')})")


def main() -> None:
    parser = argparse.ArgumentParser(description="NLU first-turn routing: old vs new pipeline")
    parser.add_argument("--ablation", action="store_true", help="also the old config on today's data")
    parser.add_argument("--cv", action="store_true", help="also rasa test nlu --cross-validation (new pipeline)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--model", action="append", default=[], metavar="LABEL=PATH",
                        help="use this trained model for run LABEL (old / new) instead of training one")
    parser.add_argument("--also", action="append", default=[], metavar="LABEL=PATH",
                        help="also measure this trained model (e.g. the previous pipeline) in the same run")
    parser.add_argument("--keep", type=Path, help="keep the trained models in this directory")
    parser.add_argument("--sets", default="1,2,3", metavar="N,N",
                        help="what to measure: held-out sets 1-12, pqa (PrivacyQA measure apps) and/or pqa-tune (the "
                             "tune apps' questions that are not training examples); sets 11, 12 and pqa are measure-only: "
                             "run them once, at the end")
    args = parser.parse_args()
    chosen = {n.strip() for n in args.sets.split(",") if n.strip()}
    heldout = {name: path for i, (name, path) in enumerate(HELDOUT_SETS.items(), 1) if str(i) in chosen}
    logging.disable(logging.WARNING)
    import structlog  # rasa logs each parse (with its text) through structlog at debug level

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    seen = training_examples(ROOT / "data" / "nlu")

    from policy_kb import KnowledgeBase

    kb = KnowledgeBase.load(ROOT / "var" / "kb")
    sets = {}
    for name, path in heldout.items():
        pairs = read_heldout(path)
        sets[name] = unseen_pairs(pairs, seen)
        if len(sets[name]) < len(pairs):
            print(f"{name}: {len(pairs) - len(sets[name])} of {len(pairs)} messages are training examples; "
                  f"measuring the other {len(sets[name])}")
    pqa = read_privacyqa("measure") if "pqa" in chosen else []
    # tune-app questions that are not training examples: a development check that policy questions stay questions
    from nlu_privacyqa_examples import neutral  # bench/: training examples name "the app", not the app

    pqa_tune = [q for q in read_privacyqa("tune") if normalised(neutral(q)) not in seen] if "pqa-tune" in chosen else []
    texts = [t for pairs in sets.values() for _, t in pairs] + pqa + pqa_tune
    results: Dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nlu_eval_") as tmp:
        tmp_path = Path(tmp)
        old_nlu = export_baseline_data(tmp_path / "old")
        runs = [("old", BASELINE_CONFIG, old_nlu)]
        if args.ablation:
            runs.append(("old config, new data", BASELINE_CONFIG, ROOT / "data" / "nlu"))
        given = dict(m.split("=", 1) for m in args.model + args.also)
        runs += [(m.split("=", 1)[0], NEW_CONFIG, ROOT / "data" / "nlu") for m in args.also]
        runs.append(("new", NEW_CONFIG, ROOT / "data" / "nlu"))
        for label, config, nlu in runs:
            if label in given:
                model, seconds = Path(given[label]), None
            else:
                model, seconds = train(config, nlu, args.keep or tmp_path / "models", re.sub(r"\W+", "_", label))
            parses, ms, cpu_ms = asyncio.run(parse_all(model, texts))
            results[label] = {"train_nlu_seconds": None if seconds is None else round(seconds, 1), "heldout": {}}
            start = 0
            for name, pairs in sets.items():
                chunk = parses[start:start + len(pairs)]
                # the old bot had no second reading of out-of-place messages (actions/second_reading.py)
                results[label]["heldout"][name] = heldout_scores(
                    chunk, [f for f, _ in pairs], kb, second_reading=not label.startswith("old"))
                start += len(pairs)
            if pqa:
                results[label]["privacyqa_measure"] = privacyqa_scores(
                    parses[start:start + len(pqa)], second_reading=not label.startswith("old"))
            if pqa_tune:
                results[label]["privacyqa_tune_unseen"] = privacyqa_scores(
                    parses[start + len(pqa):], second_reading=not label.startswith("old"))
            results[label]["latency"] = latency_summary(ms)
            results[label]["cpu"] = latency_summary(cpu_ms)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    if args.cv:
        cross_validate(args.folds)


def print_table(results: Dict[str, dict]) -> None:
    labels = list(results)
    print("\n" + " " * 44 + "".join(f"{label:>22s}" for label in labels))

    def row(name: str, values: List[str]) -> None:
        print(f"{name:44s}" + "".join(f"{v:>22s}" for v in values))

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} {100 * a / max(b, 1):.1f}%"

    names = list(results[labels[0]]["heldout"])
    for name in names:
        h = [results[k]["heldout"][name] for k in labels]
        row(f"{name}: right flow", [pct(x["right_flow"], x["n"]) for x in h])
        row(f"{name}: right flow or one tap", [pct(x["right_flow_or_one_tap"], x["n"]) for x in h])
    for part, title in (("privacyqa_measure", "PrivacyQA measure apps"),
                        ("privacyqa_tune_unseen", "PrivacyQA tune apps, unseen (dev)")):
        q = [results[k].get(part) for k in labels]
        for key in ("policy question", "fallback", "form opened", "other"):
            if not all(q):
                break
            row(f"{title}: {key}", [pct(x.get(key, 0), x["n"]) for x in q])
    row("parse latency mean / p95 (ms)",
        [f"{results[k]['latency']['mean_ms']} / {results[k]['latency']['p95_ms']}" for k in labels])
    row("parse CPU time mean / p95 (ms)",
        [f"{results[k]['cpu']['mean_ms']} / {results[k]['cpu']['p95_ms']}" for k in labels])
    row("NLU training time (s)", [str(results[k]["train_nlu_seconds"]) for k in labels])
    for label in labels:
        for name in names:
            scores = results[label]["heldout"][name]
            flows = ", ".join(f"{f} {a}/{b}" for f, (a, b) in sorted(scores["per_flow"].items()))
            print(f"\n{label}, {name}, per flow: {flows}")
            for expected, got, offered, text in scores["misses"]:
                print(f"  miss: expected {expected}, got {got}{' +' + '/'.join(offered) if offered else ''}"
                      f"{' (one tap)' if expected in offered else ''}: {text}")


if __name__ == "__main__":
    main()
