"""Refit only the abstention model of ``ranker.json`` (the sentence ranker's weights are kept).

    .venv/bin/python -m policy_kb.train_abstain --cache var/cross/tune-kbs          # report per decline target
    .venv/bin/python -m policy_kb.train_abstain --cache var/cross/tune-kbs --write  # and write the chosen one
    .venv/bin/python -m policy_kb.train_abstain --cache var/cross/tune-kbs --masked 3 --cv  # masked negatives, CV

The abstention model decides whether the policy answers a question at all (``ranker.Abstainer``).  Its
threshold declines a fixed share of the answerable tune questions; a higher share declines more of the
questions the policy does not answer.  Each candidate share is reported on the tuning sets only: the tune
PolicyQA questions, the repository policy's dev set (``bench/kb_dev_set.jsonl``) and the second policy's dev set
(``bench/kb_second_dev_set.jsonl``).  The chosen share is the highest that keeps every tuning set's
answerable questions declined at most ``MAX_ANSWERABLE_DECLINED`` (all of the answer's decline paths
counted); the measure-only policies and the held-out sets are never read here.  ``--cv`` also fits the model
with each tune policy held out and reports that policy's answerable questions declined (whole answer path) and
its off-topic and "on topic, not stated" rows declined (``train_ranker.masked_negative``); ``--masked N`` trains
on every N-th tune question's masked negative too.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from . import build
from .kb import KnowledgeBase
from .ranker import WEIGHTS_FILE, RankerWeights, load_weights
from .train_ranker import (
    DEV_POLICY,
    DEV_SET,
    MASKED_EVERY,
    AbstainRows,
    abstain_rows,
    build_policy_kbs,
    fit_abstainer,
    policy_examples,
)

SECOND_POLICY = DEV_SET.parent.parent / "tests/data/second_policy.md"
SECOND_SET = DEV_SET.parent / "kb_second_dev_set.jsonl"
TARGETS = (0.04, 0.06, 0.08)
#: at most this share of a tuning set's answerable questions may be declined
MAX_ANSWERABLE_DECLINED = 0.10


def _rows(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def declined(kb: KnowledgeBase, rows: List[dict], weights: RankerWeights) -> Tuple[float, float]:
    """(answerable declined, uncovered declined) of a dev set, through the whole answer path."""
    out: Dict[bool, List[bool]] = {True: [], False: []}
    for r in rows:
        out[bool(r["sections"])].append(not kb.answer(r["question"], weights=weights).covered)
    return float(np.mean(out[True])), float(np.mean(out[False])) if out[False] else 0.0


def _without_masked(rows: AbstainRows) -> AbstainRows:
    keep = [i for i, kind in enumerate(rows.neg_kind) if kind != "masked"]
    return replace(
        rows,
        neg=[rows.neg[i] for i in keep],
        neg_policy=[rows.neg_policy[i] for i in keep],
        neg_kind=[rows.neg_kind[i] for i in keep],
    )


def grouped_cv(
    weights: RankerWeights, kbs, examples, train: AbstainRows, rows: AbstainRows, target: float
) -> Dict[str, float]:
    """Each tune policy held out in turn: the abstainer is fitted on the other policies' ``train`` rows (and the
    dev set's), then the held-out policy's answerable questions go through the whole answer path, and its "on
    topic, not stated" rows of ``rows`` (``masked_negative``, always computed) and off-topic rows through the
    abstainer."""
    counts = {"answerable declined": [0, 0], "masked declined": [0, 0], "off-topic declined": [0, 0]}
    for policy, kb in kbs:
        fold = train.without(policy.name)
        abstainer = fit_abstainer(fold.pos, fold.neg, fold.tune_pos, target)
        candidate = replace(weights, abstainer=abstainer)
        for _f, _g, _s, q, ekb in examples:
            if ekb is kb:
                counts["answerable declined"][0] += not kb.answer(q, weights=candidate).covered
                counts["answerable declined"][1] += 1
        for x, name, kind in zip(rows.neg, rows.neg_policy, rows.neg_kind):
            if name == policy.name:
                key = "masked declined" if kind == "masked" else "off-topic declined"
                counts[key][0] += abstainer.log_odds(x) < abstainer.threshold
                counts[key][1] += 1
    return {k: n / max(1, d) for k, (n, d) in counts.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep the built tune KBs here (default: a temp dir)")
    parser.add_argument("--write", action="store_true", help=f"write the chosen abstainer into {WEIGHTS_FILE.name}")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="where --write writes the weights")
    parser.add_argument(
        "--masked", type=int, default=MASKED_EVERY, help="every n-th tune question gives a masked negative (0: none)"
    )
    parser.add_argument("--cv", action="store_true", help="also print grouped cross-validation over the tune policies")
    args = parser.parse_args(argv)
    weights = load_weights()
    if weights is None:
        parser.error(f"{WEIGHTS_FILE} missing: run python -m policy_kb.train_ranker first")
    with tempfile.TemporaryDirectory() as tmp:
        kbs = build_policy_kbs("tune", args.cache or Path(tmp))
        examples = []
        for policy, kb in kbs:
            kb.hybrid.QUERY_CACHE_SIZE = 10_000
            examples += [(f, g, s, q, kb) for f, g, s, q in policy_examples(kb, policy)]
        dev_kbs = []
        for name, source, rows_file in (
            ("policy dev", DEV_POLICY, DEV_SET),
            ("second dev", SECOND_POLICY, SECOND_SET),
        ):
            build(source, Path(tmp) / name, force=True)
            dev_kbs.append((name, KnowledgeBase.load(Path(tmp) / name), _rows(rows_file)))
        # masked rows are always computed (the cross-validation reports them); trained on only with --masked
        every = args.masked or 1
        ab_rows = abstain_rows(weights, kbs, examples, dev_kbs[0][1], every)
        train = ab_rows if args.masked else _without_masked(ab_rows)
        print(
            f"{sum(k == 'masked' for k in ab_rows.neg_kind)} masked negatives (every {every}); trained on: {bool(args.masked)}"
        )
        pos, tune_pos, neg = train.pos, train.tune_pos, train.neg
        chosen = None
        for target in TARGETS:
            abstainer = fit_abstainer(pos, neg, tune_pos, target)
            candidate = replace(weights, abstainer=abstainer)
            line, worst = [], 0.0
            for name, kb, rows in dev_kbs:
                ans, unc = declined(kb, rows, candidate)
                worst = max(worst, ans)
                line.append(f"{name}: answerable declined {ans:.3f}, uncovered declined {unc:.3f}")
            off = np.mean([abstainer.log_odds(x) < abstainer.threshold for x in neg])
            print(f"target {target:.2f}: off-topic/uncovered training rows declined {off:.3f}; " + "; ".join(line))
            if args.cv:
                cv = grouped_cv(weights, kbs, examples, train, ab_rows, target)
                print(
                    f"  grouped CV over tune policies: answerable declined {cv['answerable declined']:.3f}, "
                    f"off-topic declined {cv['off-topic declined']:.3f}, "
                    f"on-topic-not-stated (masked) declined {cv['masked declined']:.3f}"
                )
            if worst <= MAX_ANSWERABLE_DECLINED:
                chosen = candidate
    if args.write and chosen is not None and chosen.abstainer is not None:
        args.out.write_text(json.dumps(chosen.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}: abstain threshold {chosen.abstainer.threshold:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
