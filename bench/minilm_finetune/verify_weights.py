"""Check minilm-policy/model.safetensors against the original (keys, shapes, dtypes) and that policy_kb's numpy
encoder on it reproduces the sentence-transformers vectors (run with the project's .venv/bin/python)."""
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository
from safetensors.numpy import load_file
from policy_kb.embed import MiniLMEncoder, find_model_dir

out = Path(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parent / "minilm-policy"))
a, b = load_file(str(find_model_dir() / "model.safetensors")), load_file(str(out / "model.safetensors"))
assert list(sorted(a)) == list(sorted(b)), set(a) ^ set(b)
for k in a:
    assert a[k].shape == b[k].shape and a[k].dtype == b[k].dtype, k
changed = [k for k in a if not np.array_equal(a[k], b[k])]
print(f"{len(a)} tensors, same names/shapes/dtypes; {len(changed)} changed, e.g. {changed[:3]}")
print("size", (out / "model.safetensors").stat().st_size, "bytes (original", (find_model_dir() / "model.safetensors").stat().st_size, ")")
texts = json.load(open(out.parent / "st_texts.json"))
st = np.load(out.parent / "st_vectors.npy")
enc = MiniLMEncoder(out)
v = enc.encode(texts)
cos = (v * st).sum(1) / np.linalg.norm(v, axis=1) / np.linalg.norm(st, axis=1)
print("cosine numpy-encoder vs sentence-transformers:", np.round(cos, 7))
base = MiniLMEncoder().encode(texts)
print("cosine fine-tuned vs original (numpy encoder):", np.round((v * base).sum(1), 4))
assert cos.min() > 0.9999
print("OK")
