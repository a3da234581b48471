"""Notices that keep the requester informed (filed, documents, extended, completed, rejected).

* :class:`NoticeService` (``service.py``) queues a notice for a ticket's step: it
  picks the contact the requester verified (``recipients.py``), renders the
  templates (``render.py``, ``templates/``) from the company details
  (``company.py``) and stores it ``queued`` (``models.py``, revision ``0009_notices``).
* :class:`NoticeSender` (``sender.py``) delivers queued notices exactly once through
  the notifier (``bot.notify``); ``privacy-desk notices send`` (``bot/jobs/notices.py``) runs it.

Domain code: no Rasa, no HTTP.  Blocking: call from async code through a thread.
"""

from bot.notices.company import CompanyDetails, company_details
from bot.notices.kinds import NoticeKind, NoticeState
from bot.notices.render import RenderedNotice, render_notice, sms_segments
from bot.notices.sender import NoticeSender, SendReport
from bot.notices.service import NoticeService, NoticeView, QueuedNotice

__all__ = [
    "CompanyDetails",
    "company_details",
    "NoticeKind",
    "NoticeState",
    "RenderedNotice",
    "render_notice",
    "sms_segments",
    "NoticeSender",
    "SendReport",
    "NoticeService",
    "NoticeView",
    "QueuedNotice",
]
