"""Agent console: accounts, server-side sessions, API tokens, login throttle, account events.

Revision ID: 0002_console_accounts
Revises: 0001_initial
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0002_console_accounts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_agents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("password_changed_at", UTCDateTime(), nullable=False),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("role IN ('agent', 'admin')", name="ck_console_agents_role"),
        sa.PrimaryKeyConstraint("id", name="pk_console_agents"),
        sa.UniqueConstraint("username", name="uq_console_agents_username"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_console_sessions"),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["console_agents.id"], name="fk_console_sessions_agent_id_console_agents", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_console_sessions_agent_id", "console_sessions", ["agent_id"])
    op.create_table(
        "console_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_console_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_console_api_tokens_token_hash"),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["console_agents.id"], name="fk_console_api_tokens_agent_id_console_agents", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_console_api_tokens_agent_id", "console_api_tokens", ["agent_id"])
    op.create_table(
        "console_login_throttle",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name="pk_console_login_throttle"),
    )
    op.create_table(
        "console_account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_console_account_events"),
    )
    op.create_index("ix_console_account_events_at", "console_account_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_console_account_events_at", table_name="console_account_events")
    op.drop_table("console_account_events")
    op.drop_table("console_login_throttle")
    op.drop_index("ix_console_api_tokens_agent_id", table_name="console_api_tokens")
    op.drop_table("console_api_tokens")
    op.drop_index("ix_console_sessions_agent_id", table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_table("console_agents")
