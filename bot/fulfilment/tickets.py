"""Fulfilment for a ticket: from a verified request to runs, with receipts on the ticket.

Uses only the ticket service's public API: the requester's identities come from
:meth:`reveal_personal_data` (audited, reason ``fulfil_request``); every plan,
run and ticked checklist item adds an internal note holding the receipts —
system names, statuses, counts and the map rules, never a value.  Completing or
rejecting the ticket stays the agent's decision in the console.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from bot.fulfilment.connectors import Purpose
from bot.fulfilment.errors import FulfilmentError
from bot.fulfilment.package import AccessPackage
from bot.fulfilment.service import FulfilmentService
from bot.fulfilment.store import RunView
from bot.tickets import RevealReason, Status

__all__ = ["TicketFulfilment", "NotFulfillable", "PURPOSE_BY_KIND", "plan_summary", "receipts_summary"]

#: Ticket kinds fulfilment can carry out, and what it does for each.
PURPOSE_BY_KIND: Dict[str, Purpose] = {
    "access": Purpose.ACCESS,
    "deletion": Purpose.ERASURE,
    "stop_using": Purpose.STOP_USING,
}


class NotFulfillable(FulfilmentError):
    """The ticket is not a verified access, deletion or stop-using request (or the run is another ticket's)."""


def plan_summary(view: RunView) -> str:
    lines = [f"Fulfilment plan {view.id[:8]} ({view.purpose.replace('_', ' ')}), awaiting approval:"]
    for system in view.plan.get("systems", {}).values():
        if system.get("error"):
            lines.append(f"- {system['title']}: could not be previewed ({system['error']})")
            continue
        parts = []
        for table in system.get("tables", []):
            kept = (
                f", keeps {', '.join(f for f, _ in table['kept_fields'])} ({', '.join(sorted({r for _, r in table['kept_fields']}))})"
                if table["kept_fields"]
                else ""
            )
            parts.append(f"{table['table']}: {table['rows']} row(s), {table['action']}{kept}")
        lines.append(f"- {system['title']}: " + ("; ".join(parts) or "nothing found"))
    return "\n".join(lines)


def receipts_summary(view: RunView) -> str:
    lines = [f"Fulfilment run {view.id[:8]} ({view.purpose.replace('_', ' ')}): {view.status}."]
    for step in view.steps:
        receipt = step.receipt
        if receipt is None:
            lines.append(f"- {step.system}: {step.status}")
            continue
        counts = "" if receipt.found is None else f", found {receipt.found}, changed {receipt.changed}"
        error = f" ({receipt.error})" if receipt.error else ""
        lines.append(f"- {step.system}: {receipt.status}{error}{counts}, at {receipt.at}, by {receipt.rule}")
    return "\n".join(lines)


class TicketFulfilment:
    def __init__(self, fulfilment: FulfilmentService, tickets: Any) -> None:
        self.fulfilment = fulfilment
        self.tickets = tickets

    def _check_ticket(self, reference: str) -> Tuple[Any, Purpose]:
        view = self.tickets.get_by_reference(reference)
        purpose = PURPOSE_BY_KIND.get(getattr(view.kind, "value", view.kind))
        if purpose is None:
            raise NotFulfillable("only access, deletion and stop-using requests are fulfilled in the company's systems")
        if view.verified_at is None:
            raise NotFulfillable("the requester is not verified yet")
        return view, purpose

    def _run_of(self, reference: str, run_id: str) -> RunView:
        view = self.fulfilment.view(run_id)
        if view.ticket_reference != reference:
            raise NotFulfillable("that run belongs to another ticket")
        return view

    def runs(self, reference: str) -> List[RunView]:
        return self.fulfilment.runs_for_ticket(self.tickets.get_by_reference(reference).reference)

    def preview(self, reference: str, *, agent: str) -> RunView:
        """Find the requester in every system and record the plan on the ticket (awaiting approval)."""
        ticket, purpose = self._check_ticket(reference)
        data = self.tickets.reveal_personal_data(ticket.reference, actor=agent, reason=RevealReason.FULFIL_REQUEST)
        given = {
            name: [value]
            for name, value in (("email", data.email), ("phone", data.phone), ("account_id", data.account_id))
            if value
        }
        view = self.fulfilment.plan(purpose, given, ticket_reference=ticket.reference)
        self.tickets.add_note(ticket.reference, plan_summary(view), author=agent)
        return view

    def approve_and_run(self, reference: str, run_id: str, *, agent: str) -> Tuple[RunView, Optional[AccessPackage]]:
        """Approve and run; a ticket still ``verified`` moves to ``in_progress`` (the work has started)."""
        ticket, _ = self._check_ticket(reference)
        self._run_of(reference, run_id)
        self.fulfilment.approve(run_id, agent)
        if ticket.status is Status.VERIFIED:
            self.tickets.transition(
                ticket.reference, Status.IN_PROGRESS, actor=agent, reason_code="fulfilment_approved"
            )
        return self._execute(reference, run_id, agent)

    def resume(
        self, reference: str, run_id: str, *, agent: str, break_lease: bool = False
    ) -> Tuple[RunView, Optional[AccessPackage]]:
        self._run_of(reference, run_id)
        return self._execute(reference, run_id, agent, break_lease=break_lease)

    def _execute(
        self, reference: str, run_id: str, agent: str, break_lease: bool = False
    ) -> Tuple[RunView, Optional[AccessPackage]]:
        view, package = self.fulfilment.execute(run_id, break_lease=break_lease)
        self.tickets.add_note(reference, receipts_summary(view), author=agent)
        return view, package

    def send_package(self, reference: str, run_id: str, *, agent: str, delivery: Any) -> str:
        """Re-read an access run and send its package to the requester's verified contact; the channel used."""
        view, package = self.resume(reference, run_id, agent=agent)
        if package is None:
            raise NotFulfillable("only an access request has a package")
        data = self.tickets.reveal_personal_data(reference, actor=agent, reason=RevealReason.CONTACT_REQUESTER)
        channel, contact = ("email", data.email) if data.email else ("sms", data.phone)
        if not contact:
            raise NotFulfillable("the ticket has no e-mail or phone to send the link to")
        delivery.publish(run_id, package, channel=channel, contact=contact, ticket_reference=view.ticket_reference)
        days = max(1, round(delivery.ttl.total_seconds() / 86400))
        self.tickets.add_note(
            reference,
            f"Access package ({package.row_count} record(s)) sent to the requester by {channel}: a link valid {days} day(s), "
            f"{delivery.max_downloads} download(s), each after a fresh one-time code.",
            author=agent,
        )
        return channel

    def completion_notice(self, reference: str, run_id: str) -> Tuple[str, str]:
        """The message telling the requester a finished erasure / stop-using run is done, and the outcome code.

        Names the systems and, when fields were kept, the legal reasons from the map
        (``partially_fulfilled``); never a value.  Short enough for one SMS.
        """
        view = self._run_of(reference, run_id)
        if view.purpose == Purpose.ACCESS.value or view.status != "done":
            raise NotFulfillable("only a finished erasure or stop-using run has a completion notice")
        systems = view.plan.get("systems", {})
        titles = [s["title"] for s in systems.values() if any(t["rows"] for t in s.get("tables", []))]
        reasons = sorted(
            {r for s in systems.values() for t in s.get("tables", []) if t["rows"] for _, r in t["kept_fields"]}
        )
        where = f" ({'; '.join(titles)})" if titles else ""
        if view.purpose == Purpose.ERASURE.value:
            text = (
                f"Your request {reference} is complete: we deleted your personal information from our systems{where}."
            )
        else:
            text = (
                f"Your request {reference} is complete: we stopped using your personal information as you asked{where}."
            )
        if reasons:
            legal = self.fulfilment.datamap.legal_reasons
            text += " Some records are kept because the law requires it: " + " ".join(legal.get(r, r) for r in reasons)
        return text[:1600], ("partially_fulfilled" if reasons else "fulfilled")

    def tick(self, reference: str, run_id: str, system: str, *, agent: str) -> RunView:
        self._run_of(reference, run_id)
        view = self.fulfilment.complete_manual(run_id, system, agent)
        self.tickets.add_note(reference, receipts_summary(view), author=agent)
        return view
