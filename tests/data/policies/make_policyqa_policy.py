"""Write one PolicyQA document (``corpora/policyqa-dev-18.json``) as a policy markdown file.

The second company the tests deploy the assistant for is a real policy the project did not write:
``python tests/data/policies/make_policyqa_policy.py washingtonian.com`` regenerates
``washingtonian-com-privacy-policy.md`` from the corpus (paragraphs in corpus order, unchanged).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def policy_markdown(title: str) -> str:
    data = json.loads((ROOT / "corpora" / "policyqa-dev-18.json").read_text(encoding="utf-8"))
    [doc] = [d for d in data["data"] if d["title"] == title]
    paragraphs = [p["context"].strip() for p in doc["paragraphs"]]
    return f"# {title} privacy policy\n\n" + "\n\n".join(paragraphs) + "\n"


if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "washingtonian.com"
    out = Path(__file__).with_name(f"{name.replace('.', '-')}-privacy-policy.md")
    out.write_text(policy_markdown(name), encoding="utf-8")
    print(out)
