import json
import collections
from pathlib import Path
rows = [json.loads(l) for l in open(Path(__file__).resolve().parent / "results.jsonl")]
base = {r["fold"]: r for r in rows if r["variant"] == "baseline"}
runs = collections.defaultdict(dict)
for r in rows:
    if r["variant"] != "baseline":
        runs[(r["variant"], r["epochs"], r["lr"])][r["fold"]] = r
M = ("top1", "mrr", "hit3", "top1_gold_para")
for key, folds in runs.items():
    print(f"\n### {key[0]}  epochs {key[1]}  lr {key[2]}")
    print("| fold | n | top-1 base → ft | MRR base → ft | hit@3 base → ft | top-1 in gold para base → ft | train s |")
    print("|---|---|---|---|---|---|---|")
    tot = collections.Counter(); n = 0
    for k in sorted(folds):
        r, b = folds[k], base[k]
        print(f"| {k} | {r['n']} | " + " | ".join(f"{b[m]:.3f} → {r[m]:.3f} ({100*(r[m]-b[m]):+.1f})" for m in M) + f" | {r['train_s']:.0f} |")
        for m in M:
            tot["b" + m] += b[m] * r["n"]; tot["f" + m] += r[m] * r["n"]
        n += r["n"]
    print(f"| mean ({len(folds)} folds, per question) | {n} | " + " | ".join(
        f"{tot['b'+m]/n:.3f} → {tot['f'+m]/n:.3f} ({100*(tot['f'+m]-tot['b'+m])/n:+.1f})" for m in M) + " | |")
