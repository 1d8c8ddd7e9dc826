"""Installing configuration into a database: the org tree, categories, units, officers,
settings and calendar years. One transaction, one event."""

from __future__ import annotations

import json

from sqlmodel import select

from dutydesk.clock import Clock
from dutydesk.domain.lifecycle import Level, Role
from dutydesk.config.org import Configuration
from dutydesk.services.context import Actor
from dutydesk.services.events import append_event
from dutydesk.store.engine import Database
from dutydesk.store.models import (
    CalendarYear, Category, Contact, Meta, Node, Officer, Unit, UnitCategory,
)


def install_configuration(db: Database, clock: Clock, config: Configuration,
                          training: dict | None = None) -> None:
    """Write a checked configuration into an empty database (a training database's also says
    which scenario it is for)."""
    now = clock.now()
    with db.write() as session:
        session.add(Meta(key="settings", value=config.settings.to_json()))
        if training is not None:
            session.add(Meta(key="training", value=json.dumps(training, ensure_ascii=False)))
        nodes: dict[str, Node] = {}
        for spec in config.nodes:  # parents come first: checked when the files were read
            parent = nodes.get(spec.parent) if spec.parent else None
            node = Node(code=spec.code, name=spec.name, kind=spec.kind,
                        parent_id=parent.id if parent else None,
                        aliases=json.dumps(spec.aliases, ensure_ascii=False))
            session.add(node)
            session.flush()
            node.street_id = node.id if spec.kind == Level.STREET else (parent.street_id if parent else None)
            node.community_id = (node.id if spec.kind == Level.COMMUNITY
                                 else parent.community_id if parent else None)
            nodes[spec.code] = node
            for name in spec.contacts:
                session.add(Contact(name=name, node_id=node.id))
        categories: dict[str, Category] = {}
        for c in config.categories:
            categories[c.code] = Category(code=c.code, name=c.name, limit_amount=c.limit_amount,
                                          limit_unit=c.limit_unit, is_dispute=c.is_dispute)
            session.add(categories[c.code])
        session.flush()
        units: dict[str, Unit] = {}
        for u in config.units:
            unit = Unit(code=u.code, name=u.name, node_id=nodes[u.node].id,
                        round_the_clock=u.round_the_clock)
            session.add(unit)
            session.flush()
            units[u.code] = unit
            for name in u.contacts:
                session.add(Contact(name=name, unit_id=unit.id))
            for code in u.categories:
                session.add(UnitCategory(unit_id=unit.id, category_id=categories[code].id))
        for o in config.officers:
            session.add(Officer(login=o.login, name=o.name, role=o.role, node_id=nodes[o.node].id,
                                unit_id=units[o.unit].id if o.unit else None))
        for year, (holidays, workdays) in config.calendar_years.items():
            session.add(CalendarYear(year=year, holidays=json.dumps(holidays),
                                     workdays=json.dumps(workdays)))
        session.flush()
        admin = session.exec(select(Officer).where(Officer.role == Role.ADMIN.value)).first()
        assert admin is not None, "configuration without an administrator"
        actor = Actor(admin.id, admin.login, admin.name, Role.ADMIN, admin.node_id, "district",
                      None, None, None)
        append_event(session, actor, now, "configure", subject="desk", payload={
            "nodes": len(config.nodes), "categories": len(config.categories),
            "units": len(config.units), "officers": len(config.officers),
        })
