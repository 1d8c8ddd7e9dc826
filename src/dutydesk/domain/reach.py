"""Whose cases an officer sees: one rule, read both as a SQL filter (services.scope's
`place_clause`) and as a check on one place (`in_reach`). An officer placed at a node of the
tree sees the cases placed at or under it: the district all of them, a street those of its
street, a community those of its community, a grid only its own node's."""

from __future__ import annotations

from dutydesk.domain.lifecycle import Level

# The part of a place an officer's node must share with it, by the node's kind (None: every
# place). The names are the place's columns: a case's, or a node's own.
REACH: dict[str, str | None] = {
    Level.DISTRICT: None,
    Level.STREET: "street_id",
    Level.COMMUNITY: "community_id",
}
OWN_NODE = "node_id"  # any other kind (a grid): its own node


def reach_key(kind: str) -> str | None:
    return REACH.get(kind, OWN_NODE)


def in_reach(kind: str, officer_place: dict[str, int | None],
             place: dict[str, int | None]) -> bool:
    """Whether `place` (node_id, street_id, community_id) is in the reach of an officer at a
    node of `kind` whose own place is `officer_place`."""
    key = reach_key(kind)
    return key is None or place[key] == officer_place[key]
