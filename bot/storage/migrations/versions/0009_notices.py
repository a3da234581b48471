"""Notices to requesters and agents, with their delivery state (bot/notices/models.py).

Revision ID: 0009_notices
Revises: 0008_fulfilment_packages
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0009_notices"
down_revision = "0008_fulfilment_packages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.String(40), nullable=False),
        sa.Column("dedupe_key", sa.String(96), nullable=False),
        sa.Column("ticket_reference", sa.String(12), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("recipient_ct", sa.LargeBinary(), nullable=False),
        sa.Column("recipient_mask", sa.String(64), nullable=False),
        sa.Column("subject_ct", sa.LargeBinary(), nullable=True),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("html_ct", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("provider_id", sa.String(128), nullable=True),
        sa.Column("error", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_notices_channel")),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'opted_out')", name=op.f("ck_notices_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_notices_notice_id")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notices_dedupe_key")),
    )
    op.create_index("ix_notices_state_next_attempt", "notices", ["state", "next_attempt_at"])
    op.create_index("ix_notices_ticket_reference", "notices", ["ticket_reference"])
    op.create_index("ix_notices_provider_id", "notices", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_notices_provider_id", table_name="notices")
    op.drop_index("ix_notices_ticket_reference", table_name="notices")
    op.drop_index("ix_notices_state_next_attempt", table_name="notices")
    op.drop_table("notices")
