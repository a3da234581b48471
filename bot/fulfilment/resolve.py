"""Finding a person across the systems: walk the data map's lookup graph to a fixed point.

Start from the identities a verified request carries; every lookup whose ``by``
identity is known reads its table and yields more identities; repeat until
nothing new appears.  A ``unique`` identity that ends with two values (an e-mail
and a phone that belong to two different accounts) stops everything with
:class:`~bot.fulfilment.errors.AmbiguousPerson`: merging two people's data into one
request is the one mistake fulfilment must never make.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, Mapping

from bot.fulfilment.connectors.base import Connector
from bot.fulfilment.datamap import DataMap
from bot.fulfilment.identities import check_unique, from_request, merged

__all__ = ["resolve_person"]


def resolve_person(
    datamap: DataMap, connectors: Mapping[str, Connector], given: Mapping[str, Iterable[Any]]
) -> Dict[str, FrozenSet[str]]:
    known = from_request(datamap, given)
    if not known:
        return {}
    with_lookups = [connectors[name] for name, system in datamap.systems.items() if system.lookups]
    for _ in range(sum(len(c.system.lookups) for c in with_lookups) + 1):
        grown = known
        for connector in with_lookups:
            grown = merged(grown, connector.lookup(grown))
        check_unique(datamap, grown)
        if grown == known:
            break
        known = grown
    return dict(known)
