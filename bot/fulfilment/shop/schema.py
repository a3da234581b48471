"""Tables of the demo shop (SQLAlchemy Core; the shop is not ours, so no ORM models).

The shop keeps personal data in plaintext, as most company databases do: that is
what fulfilment has to find, export and erase.  Foreign keys exist only inside the
"shop" proper (addresses and orders point at accounts); marketing preferences,
the newsletter list and support calls stand in for separate systems and hold the
account id or contact details without a constraint.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

__all__ = [
    "shop_metadata",
    "accounts",
    "addresses",
    "orders",
    "marketing_preferences",
    "support_calls",
    "newsletter_subscribers",
    "SHOP_TABLES",
]

shop_metadata = MetaData()

accounts = Table(
    "accounts",
    shop_metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("phone", String(20), nullable=True, index=True),
    Column("full_name", String(200), nullable=False),
    Column("date_of_birth", Date, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("loyalty_tier", String(16), nullable=False),
)

addresses = Table(
    "addresses",
    shop_metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", String(32), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("line1", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("postal_code", String(16), nullable=False),
    Column("country", String(2), nullable=False),
)

orders = Table(
    "orders",
    shop_metadata,
    Column("id", Integer, primary_key=True),
    Column("order_number", String(16), nullable=False, unique=True),
    Column("account_id", String(32), ForeignKey("accounts.id"), nullable=True, index=True),
    Column("placed_at", DateTime, nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("tax_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("shipping_name", String(200), nullable=True),
    Column("shipping_address", String(300), nullable=True),
    Column("payment_token", String(64), nullable=True),
    Column("card_last4", String(4), nullable=True),
)

marketing_preferences = Table(
    "marketing_preferences",
    shop_metadata,
    Column("account_id", String(32), primary_key=True),
    Column("email_opt_in", Boolean, nullable=False),
    Column("sms_opt_in", Boolean, nullable=False),
    Column("profiling_opt_in", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

support_calls = Table(
    "support_calls",
    shop_metadata,
    Column("id", Integer, primary_key=True),
    Column("caller_phone", String(20), nullable=False, index=True),
    Column("account_id", String(32), nullable=True, index=True),
    Column("called_at", DateTime, nullable=False),
    Column("duration_s", Integer, nullable=False),
    Column("agent_notes", String(500), nullable=True),
    Column("recording_ref", String(64), nullable=True),
)

newsletter_subscribers = Table(
    "newsletter_subscribers",
    shop_metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("subscribed_at", DateTime, nullable=False),
    Column("source", String(32), nullable=False),
)

Index("ix_orders_placed_at", orders.c.placed_at)

SHOP_TABLES = tuple(shop_metadata.tables)
