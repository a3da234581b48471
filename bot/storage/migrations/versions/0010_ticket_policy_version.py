"""Tickets record the privacy policy in force when they were filed (revision @ source sha).

Revision ID: 0010_ticket_policy_version
Revises: 0009_notices
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_ticket_policy_version"
down_revision = "0009_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("policy_version", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("policy_version")
