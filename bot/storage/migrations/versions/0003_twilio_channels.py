"""Twilio channels: processed message ids (idempotent webhooks) and per-conversation channel state.

Revision ID: 0003_twilio_channels
Revises: 0002_console_accounts
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0003_twilio_channels"
down_revision = "0002_console_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "twilio_inbound",
        sa.Column("sid", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sid", name="pk_twilio_inbound"),
    )
    op.create_index("ix_twilio_inbound_received_at", "twilio_inbound", ["received_at"])
    op.create_table(
        "twilio_state",
        sa.Column("key", sa.String(96), nullable=False),
        sa.Column("state_ct", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_twilio_state"),
    )


def downgrade() -> None:
    op.drop_table("twilio_state")
    op.drop_index("ix_twilio_inbound_received_at", table_name="twilio_inbound")
    op.drop_table("twilio_inbound")
