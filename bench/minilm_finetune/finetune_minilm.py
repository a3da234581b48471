"""Fine-tune all-MiniLM-L6-v2 on PolicyQA *tune* (question, answer sentence) pairs; grouped CV by policy.

Input: tune_pairs.json written by dump_pairs.py (run that with the project's .venv/bin/python first).
Protocol: tune policies sorted by name, policy i -> fold i mod 4 (as policy_kb/train_ranker.py grouped_cv).
For each fold: fine-tune on the other folds' policies, evaluate on the held-out fold's questions, each question
ranking all sentences of its own policy by cosine.

Loss: MultipleNegativesRankingLoss written out (scale 20, cosine): anchor = question, positive = a gold sentence
(gold paragraph, holds a gold span), plus one hard negative per pair: a sentence of the same policy holding no
span of any instance of that question text in that policy, drawn from its 10 nearest under the base model.
Batches hold no duplicate question text and no duplicate sentence text (no false in-batch negatives).

Usage:
  nice -n 15 FTVENV/bin/python finetune_minilm.py cv --variant last1 --epochs 2 --lr 5e-5
  nice -n 15 FTVENV/bin/python finetune_minilm.py final --variant last1 --epochs 2 --lr 5e-5 --out minilm-policy
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from sentence_transformers import SentenceTransformer, models

HERE = Path(__file__).resolve().parent
FOLDS = 4


# --- holds_span, copied from policy_kb/corpora.py (this venv does not import policy_kb) -----------------
def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("“", '"').replace("”", '"').replace("’", "'")).strip().lower()


def holds_span(answer: str, spans) -> bool:
    a = norm(answer)
    return any(norm(s) in a for s in spans if s.strip())


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(model_dir: str, max_seq_length: int = 128) -> SentenceTransformer:
    word = models.Transformer(model_dir, max_seq_length=max_seq_length)
    pool = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    return SentenceTransformer(modules=[word, pool, models.Normalize()], device="cpu")


def set_trainable(model: SentenceTransformer, variant: str) -> int:
    bert = model[0].auto_model
    for p in bert.parameters():
        p.requires_grad = variant == "full"
    if variant.startswith("last"):
        k = int(variant[4:])
        for layer in bert.encoder.layer[-k:]:
            for p in layer.parameters():
                p.requires_grad = True
    if hasattr(bert, "pooler") and bert.pooler is not None:  # unused by mean pooling
        for p in bert.pooler.parameters():
            p.requires_grad = False
    return sum(p.numel() for p in bert.parameters() if p.requires_grad)


@torch.no_grad()
def encode(model: SentenceTransformer, texts, max_len: int = 256, bs: int = 64) -> np.ndarray:
    model.eval()
    old = model.max_seq_length
    model.max_seq_length = max_len
    out = model.encode(list(texts), batch_size=bs, convert_to_numpy=True, normalize_embeddings=True)
    model.max_seq_length = old
    return out.astype(np.float32)


# --- evaluation ----------------------------------------------------------------------------------------
def evaluate(model, policies) -> dict:
    top1 = rr = hit3 = strict1 = 0.0
    n = 0
    for pol in policies:
        S = encode(model, pol["sentences"])
        Q = encode(model, [q["question"] for q in pol["questions"]], max_len=64)  # the KB's QUERY_MAX_TOKENS
        para_of = np.asarray(pol["para_of"])
        sims = Q @ S.T
        for q, s in zip(pol["questions"], sims):
            order = np.argsort(-s, kind="stable")
            hold = set(q["hold"])
            top1 += order[0] in hold
            strict1 += order[0] in set(q["pos"])
            ranks = [r for r, j in enumerate(order) if j in hold]
            rr += 1.0 / (1 + ranks[0]) if ranks else 0.0
            paras = []
            for j in order:  # paragraphs by their best sentence
                if para_of[j] not in paras:
                    paras.append(para_of[j])
                if len(paras) == 3:
                    break
            hit3 += q["paragraph"] in paras
            n += 1
    return {"n": n, "top1": top1 / n, "mrr": rr / n, "hit3": hit3 / n, "top1_gold_para": strict1 / n}


# --- training data -------------------------------------------------------------------------------------
def mine_groups(policies, base_vecs) -> list:
    """(question, positives, hard-negative pool) per (policy, question text)."""
    groups = []
    for pol in policies:
        S, Qv = base_vecs[pol["name"]]
        by_text: dict = {}
        for qi, q in enumerate(pol["questions"]):
            g = by_text.setdefault(q["question"], {"pos": set(), "spans": set(), "qi": qi})
            g["pos"].update(q["pos"])
            g["spans"].update(q["answers"])
        for text, g in by_text.items():
            bad = {j for j, s in enumerate(pol["sentences"]) if holds_span(s, g["spans"])}
            sims = S @ Qv[g["qi"]]
            cands = [int(j) for j in np.argsort(-sims) if int(j) not in bad and int(j) not in g["pos"]][:10]
            groups.append(
                {
                    "q": text,
                    "pos": [pol["sentences"][j] for j in sorted(g["pos"])],
                    "neg": [pol["sentences"][j] for j in cands],
                }
            )
    return groups


def make_batches(groups, batch_size: int, rng: random.Random) -> list:
    """One pass: every (question, positive) pair once, with a random hard negative; no duplicate texts in a batch."""
    pairs = [(g["q"], p, rng.choice(g["neg"]) if g["neg"] else None) for g in groups for p in g["pos"]]
    rng.shuffle(pairs)
    batches, open_ = [], []  # open_: list of (texts-in-batch set, rows)
    for a, p, n in pairs:
        texts = {a, p} | ({n} if n else set())
        for seen, rows in open_:
            if not (texts & seen):
                seen |= texts
                rows.append((a, p, n))
                break
        else:
            open_.append((set(texts), [(a, p, n)]))
        full = [b for b in open_ if len(b[1]) >= batch_size]
        for b in full:
            batches.append(b[1])
            open_.remove(b)
    batches += [rows for _, rows in open_ if len(rows) >= 2]
    rng.shuffle(batches)
    return batches


def embed_train(model, texts):
    feats = model.tokenize(texts)
    return model(feats)["sentence_embedding"]


def train(model, groups, variant: str, epochs: int, lr: float, batch_size: int, seed: int, log=print) -> float:
    seed_all(seed)
    rng = random.Random(seed)
    ntrain = set_trainable(model, variant)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    epoch_batches = [make_batches(groups, batch_size, rng) for _ in range(epochs)]
    total = sum(len(b) for b in epoch_batches)
    warm = max(1, int(0.1 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    log(f"  training {variant}: {ntrain} params, {len(groups)} groups, {total} steps, lr {lr}")
    t0 = time.time()
    step = 0
    for ep, batches in enumerate(epoch_batches):
        model.train()
        losses = []
        for rows in batches:
            anchors = [a for a, _, _ in rows]
            cands = [p for _, p, _ in rows] + [n for _, _, n in rows if n is not None]
            ea = embed_train(model, anchors)
            ec = embed_train(model, cands)
            scores = 20.0 * ea @ ec.T
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(rows)))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
        log(f"  epoch {ep + 1}: mean loss {np.mean(losses):.4f}  ({time.time() - t0:.0f}s)")
    model.eval()
    return time.time() - t0


# --- saving in the original layout ----------------------------------------------------------------------
def save_like_original(model, model_dir: str, out_dir: Path) -> None:
    from safetensors.numpy import load_file, save_file

    orig = load_file(str(Path(model_dir) / "model.safetensors"))
    sd = {k: v.detach().cpu().numpy() for k, v in model[0].auto_model.state_dict().items()}
    new = {}
    for k, v in orig.items():
        if k in sd and k != "embeddings.position_ids":
            assert sd[k].shape == v.shape, (k, sd[k].shape, v.shape)
            new[k] = np.ascontiguousarray(sd[k].astype(v.dtype))
        else:  # position_ids, pooler.*: kept as they were (mean pooling never uses the pooler)
            new[k] = v
    missing = [k for k in orig if k not in sd]
    print("  kept from original (not in the trained state dict):", missing)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(new, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(Path(model_dir) / name, out_dir / name)


def save_head(model, layers: int, path: Path) -> None:
    """Only the trained top ``layers`` transformer layers, float16, with the original tensor names."""
    from safetensors.numpy import save_file

    sd = model[0].auto_model.state_dict()
    total = model[0].auto_model.config.num_hidden_layers
    keep = tuple(f"encoder.layer.{i}." for i in range(total - layers, total))
    tensors = {k: np.ascontiguousarray(v.detach().cpu().numpy().astype(np.float16)) for k, v in sd.items() if k.startswith(keep)}
    save_file(tensors, str(path), metadata={"layers": str(layers), "base": "sentence-transformers/all-MiniLM-L6-v2"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["baseline", "cv", "final", "heads"])
    ap.add_argument("--variant", default="last1", choices=["last1", "last2", "last3", "full"])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--folds", default="0,1,2,3")
    ap.add_argument("--data", default=str(HERE / "tune_pairs.json"))
    ap.add_argument("--out", default=str(HERE / "minilm-policy"))
    ap.add_argument("--results", default=str(HERE / "results.jsonl"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = json.load(open(args.data))
    model_dir = data["model_dir"]
    policies = data["policies"]  # sorted by name, fold = index mod 4 (dump_pairs.py)
    assert [p["name"] for p in policies] == sorted(p["name"] for p in policies)
    assert all(p["fold"] == i % FOLDS for i, p in enumerate(policies))

    base = build_model(model_dir)
    cache = HERE / "base_vecs.npz"  # base-model vectors, for hard-negative mining only
    if cache.is_file():
        z = np.load(cache)
        base_vecs = {p["name"]: (z[p["name"] + "/s"], z[p["name"] + "/q"]) for p in policies}
    else:
        base_vecs = {
            p["name"]: (encode(base, p["sentences"]), encode(base, [q["question"] for q in p["questions"]], max_len=64))
            for p in policies
        }
        np.savez(cache, **{f"{n}/{t}": v for n, (s, q) in base_vecs.items() for t, v in (("s", s), ("q", q))})

    def record(row):
        print(json.dumps(row), flush=True)
        with open(args.results, "a") as f:
            f.write(json.dumps(row) + "\n")

    if args.mode == "baseline":
        for k in map(int, args.folds.split(",")):
            held = [p for p in policies if p["fold"] == k]
            record({"variant": "baseline", "fold": k, **evaluate(base, held)})
        record({"variant": "baseline", "fold": "all", **evaluate(base, policies)})
        return

    cfg = {"variant": args.variant, "epochs": args.epochs, "lr": args.lr, "batch": args.batch, "seed": args.seed}
    if args.mode == "cv":
        for k in map(int, args.folds.split(",")):
            held = [p for p in policies if p["fold"] == k]
            tr = [p for p in policies if p["fold"] != k]
            print(f"fold {k}: train {[p['name'] for p in tr]}, held out {[p['name'] for p in held]}", flush=True)
            model = build_model(model_dir)
            secs = train(model, mine_groups(tr, base_vecs), args.variant, args.epochs, args.lr, args.batch, args.seed)
            record({**cfg, "fold": k, "train_s": round(secs, 1), **evaluate(model, held)})
        return

    if args.mode == "heads":
        # a head trained on every tune policy and two out-of-fold heads for a ranker's training features:
        # half h (policy i with i mod 2 == h) is encoded by the head trained on the other half
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, tr in (
            ("half0", [p for i, p in enumerate(policies) if i % 2 == 1]),
            ("half1", [p for i, p in enumerate(policies) if i % 2 == 0]),
            ("all", policies),
        ):
            model = build_model(model_dir)
            secs = train(model, mine_groups(tr, base_vecs), args.variant, args.epochs, args.lr, args.batch, args.seed)
            save_head(model, int(args.variant[4:]), out / f"{name}.safetensors")
            print(f"head {name}: trained on {[p['name'] for p in tr]} in {secs:.0f}s", flush=True)
        return

    model = build_model(model_dir)
    secs = train(model, mine_groups(policies, base_vecs), args.variant, args.epochs, args.lr, args.batch, args.seed)
    out = Path(args.out)
    save_like_original(model, model_dir, out)
    print(f"final fit {secs:.0f}s; saved {out / 'model.safetensors'} ({(out / 'model.safetensors').stat().st_size} bytes)")
    texts = [
        "Do you sell my personal information to third parties?",
        "We use cookies to remember your preferences and to measure traffic.",
        "How long do you keep my data?",
        "You may request deletion of your account by emailing privacy@example.com.",
        "Children under 13 may not use the service.",
    ]
    np.save(out.parent / "st_vectors.npy", encode(model, texts))
    json.dump(texts, open(out.parent / "st_texts.json", "w"))


if __name__ == "__main__":
    sys.exit(main())
