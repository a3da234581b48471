"""Access packages behind expiring links (encrypted; a keyed digest of the link token finds them).

Revision ID: 0008_fulfilment_packages
Revises: 0007_fulfilment
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0008_fulfilment_packages"
down_revision = "0007_fulfilment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfilment_packages",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("ticket_reference", sa.String(12), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("contact_ct", sa.LargeBinary(), nullable=False),
        sa.Column("package_ct", sa.LargeBinary(), nullable=False),
        sa.Column("challenge_id", sa.String(64), nullable=True),
        sa.Column("downloads_left", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("channel IN ('email', 'sms')", name="ck_fulfilment_packages_channel"),
        sa.ForeignKeyConstraint(["run_id"], ["fulfilment_runs.id"], name=op.f("fk_fulfilment_packages_run_id_fulfilment_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilment_packages")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_fulfilment_packages_token_digest")),
    )
    op.create_index(op.f("ix_fulfilment_packages_run_id"), "fulfilment_packages", ["run_id"])
    op.create_index(op.f("ix_fulfilment_packages_expires_at"), "fulfilment_packages", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fulfilment_packages_expires_at"), table_name="fulfilment_packages")
    op.drop_index(op.f("ix_fulfilment_packages_run_id"), table_name="fulfilment_packages")
    op.drop_table("fulfilment_packages")
