"""Fail a turn honestly when the conversation store or the action server is down.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when the database
cannot be read it silently starts a *new* conversation, and when it cannot be
written it keeps the turn in process memory (lost on restart, invisible to the
other replicas).  With several replicas on PostgreSQL that is the wrong trade:
the user would be answered out of context and the turn would vanish.

:func:`fail_turns_when_store_down` (a Sanic ``after_server_start`` listener,
registered by :mod:`bot.rasa.server`) makes the wrapper raise
:class:`ConversationStoreUnavailable` instead.  The channels already turn an
exception into an honest reply ("your message was not processed, please try
again": REST answers 503), nothing is half-written, and the next turn after
the database is back proceeds from the last stored event — no manual step.

:func:`tell_user_when_actions_fail` closes the other silent failure: when the
action server cannot be reached (or answers 5xx), Rasa logs "the action's
events are lost" and carries on, so the user gets no answer at all — or, in a
form, a re-asked question that looks as if the answer was taken.  Wrapped, the
user is told once per turn that the step failed and that nothing already given
is lost; the failed action's events are dropped (nothing half-done is stored),
so an active form stays where it was and resumes when the user answers again
after the action server is back.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "ACTION_FAILED_TEXT",
    "ConversationStoreUnavailable",
    "fail_turns_when_store_down",
    "make_strict",
    "tell_user_when_actions_fail",
]

ACTION_FAILED_TEXT = (
    "Sorry, something went wrong on our side and I couldn't complete that step. "
    "Nothing you've already told me is lost. Please send your last message again in a minute."
)


class ConversationStoreUnavailable(RuntimeError):
    """The conversation database could not be read or written; the turn was not processed."""


def _raise_unavailable(error: Exception) -> None:
    # Type only: driver messages quote SQL parameters (pseudonyms, ciphertext).
    logger.error("conversation store unavailable (%s); the turn is refused, not processed", type(error).__name__)
    raise ConversationStoreUnavailable(type(error).__name__) from error


def make_strict(tracker_store: Any) -> bool:
    """Switch a ``FailSafeTrackerStore`` from in-memory fallback to raising; True if it was one."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    if isinstance(tracker_store, FailSafeTrackerStore):
        tracker_store._on_tracker_store_error = _raise_unavailable  # noqa: SLF001 - Rasa's documented hook
        return True
    return False


async def fail_turns_when_store_down(app: Any, loop: Any) -> None:
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and make_strict(agent.tracker_store):
        logger.info("conversation store errors refuse the turn (no in-memory fallback)")


_TOLD = "_privacy_desk_action_failure_told"


def tell_user_when_actions_fail() -> None:
    """Wrap Rasa's ``RemoteAction.run`` (idempotent): an unreachable action server is told to the user."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    if getattr(RemoteAction.run, "_privacy_desk_wrapped", False):
        return
    original = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # a form rejecting an answer is normal dialogue, not a failure
        except Exception as exc:
            logger.error(
                "action %s failed (%s); the user is told, its events are dropped", self.name(), type(exc).__name__
            )
            if output_channel is not None and not getattr(output_channel, _TOLD, False):
                try:
                    setattr(output_channel, _TOLD, True)
                    await output_channel.send_text_message(tracker.sender_id, ACTION_FAILED_TEXT)
                except Exception as send_error:  # noqa: BLE001 - the turn fails anyway
                    logger.error("could not tell the user about the failed action (%s)", type(send_error).__name__)
            raise

    run._privacy_desk_wrapped = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[method-assign]
