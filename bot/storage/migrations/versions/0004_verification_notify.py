"""Verification and notifications: one-time-code challenges, customer directory, outbox, SMS opt-outs.

Owned by bot/verification and bot/notify (models in bot/verification/models.py and
bot/notify/models.py).  No column holds a code or a personal value in plaintext.

Revision ID: 0004_verification_notify
Revises: 0003_twilio_channels
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0004_verification_notify"
down_revision = "0003_twilio_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_challenges",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("contact_index", sa.String(64), nullable=True),
        sa.Column("contact_ct", sa.LargeBinary(), nullable=True),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_at", UTCDateTime(), nullable=True),
        sa.Column("consumed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_verification_challenges"),
        sa.CheckConstraint("channel IN ('sms', 'email', 'none')", name="ck_verification_challenges_channel"),
        sa.CheckConstraint("attempts >= 0", name="ck_verification_challenges_attempts"),
    )
    op.create_index(
        "ix_verification_challenges_contact_created", "verification_challenges", ["contact_index", "created_at"]
    )
    op.create_index("ix_verification_challenges_created_at", "verification_challenges", ["created_at"])

    op.create_table(
        "customers",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=True),
        sa.Column("phone_index", sa.String(64), nullable=True),
        sa.Column("name_index", sa.String(64), nullable=True),
        sa.Column("dob_index", sa.String(64), nullable=True),
        sa.Column("postal_index", sa.String(64), nullable=True),
        sa.Column("order_index", sa.String(64), nullable=True),
        sa.Column("data_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    for column in ("email_index", "phone_index", "name_index", "order_index"):
        op.create_index(f"ix_customers_{column}", "customers", [column])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient_index", sa.String(64), nullable=False),
        sa.Column("recipient_ct", sa.LargeBinary(), nullable=False),
        sa.Column("subject_ct", sa.LargeBinary(), nullable=True),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="ck_outbox_channel"),
    )
    op.create_index("ix_outbox_recipient_index_id", "outbox", ["recipient_index", "id"])

    op.create_table(
        "sms_optouts",
        sa.Column("phone_index", sa.String(64), nullable=False),
        sa.Column("opted_out", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("phone_index", name="pk_sms_optouts"),
    )


def downgrade() -> None:
    op.drop_table("sms_optouts")
    op.drop_index("ix_outbox_recipient_index_id", table_name="outbox")
    op.drop_table("outbox")
    for column in ("email_index", "phone_index", "name_index", "order_index"):
        op.drop_index(f"ix_customers_{column}", table_name="customers")
    op.drop_table("customers")
    op.drop_index("ix_verification_challenges_created_at", table_name="verification_challenges")
    op.drop_index("ix_verification_challenges_contact_created", table_name="verification_challenges")
    op.drop_table("verification_challenges")
