"""A desk's organisation, as a configuration folder gives it: the org tree (org.toml), the
categories with their time limits (categories.toml), the units (units.toml) and the officers
(officers.toml) — checked against each other before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dutydesk.config.settings import Settings
from dutydesk.config.tomlfiles import entries, seed_error
from dutydesk.domain.deadlines import TimeLimit, TimeUnit
from dutydesk.domain.lifecycle import Level, Role

NODE_KINDS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)  # an org tree's


@dataclass
class NodeSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    contacts: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # road, 小区, building names (110 routing)


@dataclass
class CategorySpec:
    code: str
    name: str
    limit_amount: int
    limit_unit: str
    is_dispute: bool


@dataclass
class UnitSpec:
    code: str
    name: str
    node: str
    categories: list[str]
    round_the_clock: bool = False
    contacts: list[str] = field(default_factory=list)


@dataclass
class OfficerSpec:
    login: str
    name: str
    role: str
    node: str
    unit: str | None


@dataclass
class Configuration:
    settings: Settings
    nodes: list[NodeSpec]
    categories: list[CategorySpec]
    units: list[UnitSpec]
    officers: list[OfficerSpec]
    calendar_years: dict[int, tuple[list[str], list[str]]] = field(default_factory=dict)


@dataclass
class Org:
    nodes: list[NodeSpec]
    categories: list[CategorySpec]
    units: list[UnitSpec]
    officers: list[OfficerSpec]


def read_org(file: Callable[[str], Path]) -> Org:
    """The four org files, each found by `file(name)` (a folder's, or a scenario's own)."""
    nodes: list[NodeSpec] = []
    known_nodes: set[str] = set()
    for e in entries(file("org.toml"), "node", {"code": str, "name": str, "kind": str},
                     {"parent": str, "contacts": list, "aliases": list}):
        e.one_of("kind", NODE_KINDS)
        e.unique("code", known_nodes)
        parent = e.get("parent")
        if parent is not None and parent not in known_nodes:
            raise e.fail("parent", "seed.unknown_ref", value=parent)
        nodes.append(NodeSpec(e.get("code"), e.get("name"), e.get("kind"), parent,
                              e.names("contacts"), e.names("aliases")))
        known_nodes.add(e.get("code"))

    categories: list[CategorySpec] = []
    known_categories: set[str] = set()
    for e in entries(file("categories.toml"), "category",
                     {"code": str, "name": str, "limit": dict}, {"dispute": bool}):
        e.unique("code", known_categories)
        limit = e.get("limit")
        try:
            TimeLimit(int(limit["amount"]), TimeUnit(limit["unit"]))
            if set(limit) != {"amount", "unit"}:
                raise ValueError(limit)
        except (KeyError, TypeError, ValueError):
            raise e.fail("limit", "seed.bad_limit", value=repr(limit)) from None
        categories.append(CategorySpec(e.get("code"), e.get("name"), int(limit["amount"]),
                                       limit["unit"], e.get("dispute", False)))
        known_categories.add(e.get("code"))

    units: list[UnitSpec] = []
    known_units: set[str] = set()
    for e in entries(file("units.toml"), "unit",
                     {"code": str, "name": str, "node": str, "categories": list},
                     {"round_the_clock": bool, "contacts": list}):
        e.unique("code", known_units)
        e.known("node", known_nodes)
        for code in e.get("categories"):
            if code not in known_categories:
                raise e.fail("categories", "seed.unknown_ref", value=code)
        units.append(UnitSpec(e.get("code"), e.get("name"), e.get("node"), e.get("categories"),
                              e.get("round_the_clock", False), e.names("contacts")))
        known_units.add(e.get("code"))

    officers: list[OfficerSpec] = []
    logins: set[str] = set()
    for e in entries(file("officers.toml"), "officer",
                     {"login": str, "name": str, "role": str, "node": str}, {"unit": str}):
        e.unique("login", logins)
        e.known("node", known_nodes)
        role = Role(e.one_of("role", (r.value for r in Role)))
        if (role is Role.UNIT) != (e.get("unit") is not None):
            raise e.fail("unit", "seed.unit_role")
        if e.get("unit") is not None:
            e.known("unit", known_units)
        officers.append(OfficerSpec(e.get("login"), e.get("name"), role.value, e.get("node"),
                                    e.get("unit")))
        logins.add(e.get("login"))
    if not any(o.role == Role.ADMIN.value for o in officers):
        raise seed_error("officers.toml", "officer", "seed.need_admin")
    return Org(nodes, categories, units, officers)
