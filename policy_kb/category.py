"""OPP-115 category of a question and of a passage, from their MiniLM vectors.

A multinomial logistic model over the 384-d sentence embedding, trained on PrivacyQA *tune* questions
(real users' questions about apps, each with its OPP-115 categories: first party, third party, data
security, data retention, user access, user choice, other) by ``python -m policy_kb.train_ranker``
and stored in ``categories.json`` (7 × 384 weights).  The ranker's ``category`` feature is the
agreement of the question's category distribution with its passage's: a retention question prefers a
retention passage whatever words they share.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

__all__ = ["CategoryModel", "CATEGORIES_FILE", "load_categories"]

CATEGORIES_FILE = Path(__file__).with_name("categories.json")


@dataclass(frozen=True)
class CategoryModel:
    names: Tuple[str, ...]
    coef: np.ndarray  # (categories, dims)
    intercept: np.ndarray

    def probs(self, vectors: np.ndarray) -> np.ndarray:
        """Category distribution of each row of ``vectors`` (or of one vector)."""
        z = vectors @ self.coef.T + self.intercept
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def to_json(self) -> dict:
        return {
            "names": list(self.names),
            "coef": self.coef.round(4).tolist(),
            "intercept": self.intercept.round(4).tolist(),
        }


def load_categories(path: Path = CATEGORIES_FILE) -> Optional[CategoryModel]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return CategoryModel(
        tuple(data["names"]),
        np.asarray(data["coef"], dtype=np.float32),
        np.asarray(data["intercept"], dtype=np.float32),
    )
