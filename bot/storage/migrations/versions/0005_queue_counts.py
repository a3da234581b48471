"""Queue counts: tickets per (status, kind, channel, jurisdiction, assignee), kept by the database.

The agent console shows, for the current filters, how many tickets are in each
status.  Counting them with ``GROUP BY status`` reads every ticket (an index-only
scan of 100,000 entries: 40-60 ms at 100k tickets, and it grows with the table).
``ticket_counts`` holds one row per combination of the filterable columns
(a few thousand rows at most), so the counts are a sum over a small table.

Triggers keep it exact: every INSERT, DELETE and change of a counted column on
``tickets`` adjusts the counts *in the same transaction* (so a rolled-back
change leaves them untouched, and concurrent claims/creates serialise on the
counter rows they touch).  On PostgreSQL a ticket moving between two buckets
updates the two counter rows in key order, so two opposite moves cannot
deadlock, and ``TRUNCATE tickets`` empties the counts too.  Whatever writes the
table (the service, a bulk load, a hand-written fix) keeps the counts right.

Unassigned tickets count under the assignee ``''``.  Backfilled from the
existing tickets while the triggers' creation holds the table's lock.

SQLite note: Alembic's batch mode rebuilds a table by copying it, which drops
its triggers: a later migration that batch-alters ``tickets`` must re-create
them (``create_sqlite_triggers`` below).

Revision ID: 0005_queue_counts
Revises: 0004_verification_notify
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_queue_counts"
down_revision = "0004_verification_notify"
branch_labels = None
depends_on = None

KEY = ("status", "kind", "channel", "jurisdiction", "assignee")

_PG_FUNCTION = """
CREATE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key text[];
    new_key text[];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_key := ARRAY[OLD.status, OLD.kind, OLD.channel, OLD.jurisdiction, coalesce(OLD.assignee, '')];
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        new_key := ARRAY[NEW.status, NEW.kind, NEW.channel, NEW.jurisdiction, coalesce(NEW.assignee, '')];
    END IF;
    IF old_key IS NOT DISTINCT FROM new_key THEN
        RETURN NULL;
    END IF;
    -- Touch the two counter rows in key order: opposite moves cannot deadlock.
    INSERT INTO ticket_counts AS c (status, kind, channel, jurisdiction, assignee, n)
    SELECT delta.k[1], delta.k[2], delta.k[3], delta.k[4], delta.k[5], delta.d
    FROM (VALUES (old_key, -1), (new_key, 1)) AS delta(k, d)
    WHERE delta.k IS NOT NULL
    ORDER BY delta.k
    ON CONFLICT (status, kind, channel, jurisdiction, assignee) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END
$$;
"""

_PG_TRUNCATE_FUNCTION = """
CREATE FUNCTION ticket_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_counts;
    RETURN NULL;
END
$$;
"""


def _sqlite_upsert(row: str, delta: str) -> str:
    return (
        f"INSERT INTO ticket_counts (status, kind, channel, jurisdiction, assignee, n) "
        f"VALUES ({row}.status, {row}.kind, {row}.channel, {row}.jurisdiction, coalesce({row}.assignee, ''), {delta}) "
        f"ON CONFLICT (status, kind, channel, jurisdiction, assignee) DO UPDATE SET n = n + ({delta});"
    )


def create_sqlite_triggers() -> None:
    """The three row triggers on SQLite (writers are serialised there, so order does not matter)."""
    op.execute(f"CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN {_sqlite_upsert('NEW', '1')} END")
    op.execute(f"CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN {_sqlite_upsert('OLD', '-1')} END")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in KEY)
    op.execute(
        f"CREATE TRIGGER ticket_counts_update AFTER UPDATE OF {', '.join(KEY)} ON tickets WHEN {changed} "
        f"BEGIN {_sqlite_upsert('OLD', '-1')} {_sqlite_upsert('NEW', '1')} END"
    )


def upgrade() -> None:
    op.create_table(
        "ticket_counts",
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name="pk_ticket_counts"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRUNCATE_FUNCTION)
        op.execute(
            f"CREATE TRIGGER ticket_counts_apply AFTER INSERT OR DELETE OR UPDATE OF {', '.join(KEY)} ON tickets "
            "FOR EACH ROW EXECUTE FUNCTION ticket_counts_apply()"
        )
        op.execute(
            "CREATE TRIGGER ticket_counts_truncate AFTER TRUNCATE ON tickets "
            "FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_truncate()"
        )
        # Creating the triggers took a lock that blocks writers until this migration
        # commits, so the backfill below and the triggers see the same tickets.
    elif dialect == "sqlite":
        create_sqlite_triggers()
    else:  # pragma: no cover - the store runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"queue counts need triggers for {dialect}")
    op.execute(
        "INSERT INTO ticket_counts (status, kind, channel, jurisdiction, assignee, n) "
        "SELECT status, kind, channel, jurisdiction, coalesce(assignee, ''), count(*) FROM tickets "
        "GROUP BY status, kind, channel, jurisdiction, coalesce(assignee, '')"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_counts_truncate ON tickets")
        op.execute("DROP TRIGGER IF EXISTS ticket_counts_apply ON tickets")
        op.execute("DROP FUNCTION IF EXISTS ticket_counts_truncate()")
        op.execute("DROP FUNCTION IF EXISTS ticket_counts_apply()")
    elif dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS ticket_counts_{name}")
    op.drop_table("ticket_counts")
