"""Privacy-policy knowledge base: build from a document, retrieve passages, answer extractively.

Pure Python (numpy, tokenizers, safetensors); never imports Rasa or the bot.
"""

from .builder import BuildError, BuildResult, build
from .kb import Answer, AnswerReason, Citation, Continuation, KBNotFound, KnowledgeBase
from .policy_facts import PolicyFacts, PostalAddress, Stated

__all__ = [
    "Answer",
    "AnswerReason",
    "BuildError",
    "BuildResult",
    "Citation",
    "Continuation",
    "KBNotFound",
    "KnowledgeBase",
    "PolicyFacts",
    "PostalAddress",
    "Stated",
    "build",
]
