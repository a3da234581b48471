"""Indexes for console search, the dashboard and the CCPA reports.

* ``ix_tickets_received`` (received_at, status, kind, channel, jurisdiction):
  a received-date range is an index range scan, and the search's per-status
  counts, the dashboard's tickets-per-week and the 7102/7101 period filter read
  only the index (no table rows) for the columns they filter on.
* ``ix_tickets_respond_by_status`` (respond_by, status): "overdue" (due before
  today) and "due within 3 days" counts of open tickets are a range scan of
  this index instead of a walk of every ticket.  ``ix_tickets_queue`` cannot
  serve them: it leads with ``priority``.

Plain ``CREATE INDEX`` on both databases (no table rebuild, so the
``ticket_counts`` triggers of 0005 are untouched).

Revision ID: 0006_console_search
Revises: 0005_queue_counts
Create Date: 2026-12-03
"""
from alembic import op

revision = "0006_console_search"
down_revision = "0005_queue_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_received", "tickets", ["received_at", "status", "kind", "channel", "jurisdiction"])
    op.create_index("ix_tickets_respond_by_status", "tickets", ["respond_by", "status"])


def downgrade() -> None:
    op.drop_index("ix_tickets_respond_by_status", table_name="tickets")
    op.drop_index("ix_tickets_received", table_name="tickets")
