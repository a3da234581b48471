"""Every notice type renders in all four forms from the company details, SMS within two GSM-7 segments."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.notices import NoticeKind, company_details, render_notice, sms_segments
from bot.notices.content import notice_context
from bot.notices.render import to_gsm7
from bot.tickets import (
    Channel,
    Kind,
    Priority,
    Status,
    TicketView,
    Verification,
)


def ticket(kind: Kind = Kind.DELETION) -> TicketView:
    now = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
    fields = dict(
        reference="PD-7KQM-4XRT",
        kind=kind,
        status=Status.VERIFIED,
        channel=Channel.WEB,
        priority=Priority.NORMAL,
        jurisdiction="US-CA",
        regime="ccpa",
        received_at=now,
        acknowledge_by=None,
        acknowledged_at=None,
        due_date=now.date().replace(year=2027, month=1, day=19),
        extended_due_date=None,
        respond_by=now.date().replace(year=2027, month=1, day=19),
        extension_count=0,
        closed_at=None,
        verification=Verification(),
        verified_at=now,
        assignee=None,
        claimed_at=None,
        created_at=now,
        updated_at=now,
        anonymised_at=None,
        has_personal_data=True,
        has_transcript=False,
        version=1,
    )
    known = set(TicketView.__dataclass_fields__)
    return TicketView(**{k: v for k, v in fields.items() if k in known})  # type: ignore[arg-type]


DETAILS = {
    NoticeKind.FILED: {},
    NoticeKind.DOCUMENTS: {},
    NoticeKind.EXTENDED: {"reason": "We need to search archived order systems, which takes longer."},
    NoticeKind.COMPLETED: {"code": "fulfilled"},
    NoticeKind.PARTLY_FULFILLED: {"code": "partially_fulfilled"},
    NoticeKind.REJECTED: {"code": "identity_not_verified"},
    NoticeKind.AT_RISK: {"days_left": 2},
}


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_each_notice_renders_subject_text_html_and_a_short_sms(kind: NoticeKind) -> None:
    company = company_details()
    parental = Kind.PARENTAL_DELETION if kind is NoticeKind.DOCUMENTS else Kind.DELETION
    rendered = render_notice(
        kind.value, notice_context(kind, ticket(parental), company, "z***@example.org", DETAILS[kind])
    )
    for form in (rendered.subject, rendered.text, rendered.html, rendered.sms):
        assert "PD-7KQM-4XRT" in form
    assert "\n" not in rendered.subject
    assert sms_segments(rendered.sms) <= 2
    assert to_gsm7(rendered.sms) == rendered.sms
    if kind is not NoticeKind.AT_RISK:
        assert company.email in rendered.text and company.email in rendered.sms
        assert company.name in rendered.html
    assert "<p>" in rendered.html and "{{" not in rendered.text + rendered.html + rendered.sms


def test_the_extension_notice_gives_the_new_date_and_the_agents_reason() -> None:
    rendered = render_notice(
        "extended",
        notice_context(NoticeKind.EXTENDED, ticket(), company_details(), "z***@x.org", DETAILS[NoticeKind.EXTENDED]),
    )
    assert "19 January 2027" in rendered.text and "archived order systems" in rendered.text
    assert "19 January 2027" in rendered.sms


def test_a_long_extension_reason_is_shortened_in_the_sms_but_kept_whole_in_the_email() -> None:
    reason = "We must collect records from three archived systems and two processors. " * 8
    rendered = render_notice(
        "extended", notice_context(NoticeKind.EXTENDED, ticket(), company_details(), "z***@x.org", {"reason": reason})
    )
    assert sms_segments(rendered.sms) <= 2 and "..." in rendered.sms
    assert reason.split()[-1] in rendered.text


def test_html_escapes_what_an_agent_typed() -> None:
    rendered = render_notice(
        "extended",
        notice_context(
            NoticeKind.EXTENDED,
            ticket(),
            company_details(),
            "z***@x.org",
            {"reason": "<script>alert(1)</script> & more"},
        ),
    )
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html


def test_documents_notice_says_what_proof_where_and_by_when() -> None:
    rendered = render_notice(
        "documents",
        notice_context(NoticeKind.DOCUMENTS, ticket(Kind.PARENTAL_DELETION), company_details(), "+*4567", {}),
    )
    assert "birth certificate" in rendered.text
    assert company_details().postal_address in rendered.text
    assert "by 19 January 2027" in rendered.text


def test_a_rejection_says_why_and_how_to_ask_again_or_complain() -> None:
    rendered = render_notice(
        "rejected",
        notice_context(NoticeKind.REJECTED, ticket(), company_details(), "z***@x.org", {"code": "no_parental_proof"}),
    )
    assert "proof of parental" in rendered.text and "ask again" in rendered.text.lower()
    assert "cppa.ca.gov" in rendered.text
