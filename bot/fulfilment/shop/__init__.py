"""The demo company's own systems: a "shop" database the demo customers live in.

It stands in for the databases a real company already runs.  Privacy Desk never
imports these tables to do its work: it reaches them only through the connectors
named in the data map (``datamap.yml``), exactly as it would reach a real shop.
This package exists to create and fill that stand-in (``privacy-desk shop seed``).
"""

from bot.fulfilment.shop.schema import SHOP_TABLES, shop_metadata
from bot.fulfilment.shop.seed import SeedReport, default_shop_url, seed_shop

__all__ = ["SHOP_TABLES", "shop_metadata", "SeedReport", "default_shop_url", "seed_shop"]
