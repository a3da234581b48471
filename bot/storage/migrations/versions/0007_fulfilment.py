"""Fulfilment runs and per-system steps: resumable access / erasure / stop-using in the company's systems.

Revision ID: 0007_fulfilment
Revises: 0006_console_search
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0007_fulfilment"
down_revision = "0006_console_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfilment_runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("ticket_reference", sa.String(12), nullable=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("identities_ct", sa.LargeBinary(), nullable=False),
        sa.Column("datamap_digest", sa.String(64), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("purpose IN ('access', 'erasure', 'stop_using')", name="ck_fulfilment_runs_purpose"),
        sa.CheckConstraint("status IN ('planned', 'approved', 'running', 'done', 'partial')", name="ck_fulfilment_runs_status"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilment_runs")),
    )
    op.create_index(op.f("ix_fulfilment_runs_ticket_reference"), "fulfilment_runs", ["ticket_reference"])
    op.create_table(
        "fulfilment_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("receipt_json", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'waiting')", name="ck_fulfilment_steps_status"),
        sa.ForeignKeyConstraint(["run_id"], ["fulfilment_runs.id"], name=op.f("fk_fulfilment_steps_run_id_fulfilment_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilment_steps")),
        sa.UniqueConstraint("run_id", "system", name=op.f("uq_fulfilment_steps_run_id_system")),
    )
    op.create_index(op.f("ix_fulfilment_steps_run_id"), "fulfilment_steps", ["run_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fulfilment_steps_run_id"), table_name="fulfilment_steps")
    op.drop_table("fulfilment_steps")
    op.drop_index(op.f("ix_fulfilment_runs_ticket_reference"), table_name="fulfilment_runs")
    op.drop_table("fulfilment_runs")
