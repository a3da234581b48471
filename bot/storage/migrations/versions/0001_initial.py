"""Tickets, notes and the append-only audit trail.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

KINDS = ("access", "correction", "deletion", "stop_using", "parental_deletion", "escalation")
STATUSES = (
    "awaiting_verification",
    "verified",
    "in_progress",
    "awaiting_requester",
    "awaiting_documents",
    "completed",
    "rejected",
    "withdrawn",
)
CHANNELS = ("web", "sms", "voice", "api")
NOTE_KINDS = ("internal", "reply")
AUDIT_ACTIONS = (
    "created",
    "transitioned",
    "claimed",
    "released",
    "note_added",
    "acknowledged",
    "extended",
    "personal_data_revealed",
    "exported",
    "anonymised",
    "keys_rotated",
    "retention_run",
)


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(12), nullable=False),
        sa.Column("idempotency_digest", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledge_by", sa.Date(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("extended_due_date", sa.Date(), nullable=True),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("extension_count", sa.Integer(), nullable=False),
        sa.Column("extension_reason_ct", sa.LargeBinary(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("verification_method", sa.String(24), nullable=False),
        sa.Column("verification_level", sa.String(16), nullable=False),
        sa.Column("verification_data_points", sa.String(400), nullable=False),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("personal_ct", sa.LargeBinary(), nullable=True),
        sa.Column("email_index", sa.String(64), nullable=True),
        sa.Column("phone_index", sa.String(64), nullable=True),
        sa.Column("transcript_ct", sa.LargeBinary(), nullable=True),
        sa.Column("anonymised_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_tickets_kind")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_tickets_status")),
        sa.CheckConstraint(_in("channel", CHANNELS), name=op.f("ck_tickets_channel")),
        sa.CheckConstraint("extension_count >= 0", name=op.f("ck_tickets_extension_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("reference", name=op.f("uq_tickets_reference")),
        sa.UniqueConstraint("idempotency_digest", name=op.f("uq_tickets_idempotency_digest")),
    )
    op.create_index(op.f("ix_tickets_email_index"), "tickets", ["email_index"])
    op.create_index(op.f("ix_tickets_phone_index"), "tickets", ["phone_index"])
    op.create_index(
        "ix_tickets_queue",
        "tickets",
        [sa.text("priority DESC"), "respond_by", "id", "status", "kind", "channel", "assignee", "jurisdiction"],
    )
    op.create_index("ix_tickets_closed_at", "tickets", ["closed_at"])

    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(_in("kind", NOTE_KINDS), name=op.f("ck_ticket_notes_kind")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_notes_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notes")),
    )
    op.create_index(op.f("ix_ticket_notes_ticket_id"), "ticket_notes", ["ticket_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("reason_code", sa.String(64), nullable=True),
        sa.CheckConstraint(_in("action", AUDIT_ACTIONS), name=op.f("ck_audit_events_action")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_audit_events_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_ticket_id_id", "audit_events", ["ticket_id", "id"])

    # Append-only: the database itself refuses UPDATE and DELETE on audit events.
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only';
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    elif dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.drop_index("ix_audit_events_ticket_id_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_ticket_notes_ticket_id"), table_name="ticket_notes")
    op.drop_table("ticket_notes")
    op.drop_index("ix_tickets_closed_at", table_name="tickets")
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_index(op.f("ix_tickets_phone_index"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_email_index"), table_name="tickets")
    op.drop_table("tickets")
