"""The demo's disputes (seed/disputes.toml): records, mediation sessions, 吹哨, outcomes and
revisits (a family dispute's stages follow from them) on cases of cases.toml, replayed through
the dispute services on the simulated clock.
A bad entry is refused with its file, entry and key, like every seed file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from dutydesk.clock import SimulatedClock
from dutydesk.domain.deadlines import local_date
from dutydesk.errors import DutyDeskError
from dutydesk.config.tomlfiles import Entry, check_keys, entries
from dutydesk.domain.revisits import RevisitStatus
from dutydesk.services import disputes, revisits
from dutydesk.services.context import Desk
from dutydesk.services.disputes import DisputeDraft, MediationDraft, PartyDraft
from dutydesk.store.models import Event, Revisit

_LISTS = {"mediations": {"at": str, "by": str, "mediator": str, "method": str, "result": str},
          "whistles": {"at": str, "by": str, "units": list, "reason": str}}
_LIST_OPTIONAL = {"mediations": {"participants": str, "notes": str}, "whistles": {}}


@dataclass
class ScriptedDispute:
    entry: Entry
    case_ref: str
    at: dt.datetime
    by: str
    draft: DisputeDraft
    steps: list[tuple[dt.datetime, str, str, dict[str, Any]]]  # at, by, kind, values


def read_disputes(path: Path, when, refs: set[str]) -> list[ScriptedDispute]:
    """`when(entry, key)` reads a time as cases.toml does; `refs` are the cases' refs."""
    if not path.exists():
        return []
    result = []
    for e in entries(path, "dispute", {"case": str, "at": str, "by": str, "type": str},
                     {"factors": list, "people": int, "amount": str, "parties": list,
                      "colour": str, "reason": str, "mediations": list, "whistles": list,
                      "outcome": dict, "revisits": list}):
        if e.get("case") not in refs:
            raise e.fail("case", "seed.unknown_ref", value=e.get("case"))
        parties = []
        for number, raw in enumerate(e.get("parties", []), start=1):
            party = _sub(e, f"parties[{number}]", raw)
            check_keys(party, {"role": str, "name": str}, {"phone": str, "id_number": str})
            parties.append(PartyDraft(party.get("role"), party.get("name"),
                                      party.get("phone", ""), party.get("id_number", "")))
        draft = DisputeDraft(
            type=e.get("type"), parties=parties, factors=[str(f) for f in e.get("factors", [])],
            colour=e.get("colour", ""), reason=e.get("reason", ""),
            people=str(e.get("people", "")), amount=e.get("amount", ""))
        steps = []
        for kind in ("mediations", "whistles"):
            for number, raw in enumerate(e.get(kind, []), start=1):
                step = _sub(e, f"{kind}[{number}]", raw)
                check_keys(step, _LISTS[kind], _LIST_OPTIONAL[kind])
                steps.append((when(step, "at"), step.get("by"), kind, step.data))
        if e.get("outcome") is not None:
            outcome = _sub(e, "outcome", e.get("outcome"))
            check_keys(outcome, {"at": str, "by": str, "outcome": str}, {})
            steps.append((when(outcome, "at"), outcome.get("by"), "outcome", outcome.data))
        for number, raw in enumerate(e.get("revisits", []), start=1):
            visit = _sub(e, f"revisits[{number}]", raw)
            check_keys(visit, {"at": str, "by": str, "method": str, "result": str},
                       {"notes": str})
            steps.append((when(visit, "at"), visit.get("by"), "revisits", visit.data))
        steps.sort(key=lambda s: s[0])
        result.append(ScriptedDispute(e, e.get("case"), when(e, "at"), e.get("by"), draft, steps))
    return result


def _revisit(desk: Desk, actor, case_id: int, values: dict[str, Any]) -> None:
    """The plan's revisit now due is recorded (a scripted revisit records the next one)."""
    with desk.db.read() as session:
        due = session.exec(select(Revisit.id).where(
            Revisit.case_id == case_id, Revisit.status == RevisitStatus.DUE.value)).first()
    if due is None:
        raise DutyDeskError("seed.no_revisit_due")
    revisits.record_revisit(desk, actor, due, values["method"], values["result"],
                            notes=values.get("notes", ""))


def _sub(e: Entry, where: str, raw: Any) -> Entry:
    entry = Entry(e.file, f"{e.where}.{where}", raw if isinstance(raw, dict) else {})
    if not isinstance(raw, dict):
        raise entry.fail(None, "seed.wrong_type", value=repr(raw))
    return entry


def replay_disputes(desk: Desk, clock: SimulatedClock, scripted: list[ScriptedDispute],
                    ids: dict[str, int]) -> None:
    for d in scripted:
        case_id = ids[d.case_ref]
        with desk.db.read() as session:  # a timeline reads in order of time
            last = session.exec(select(func.max(Event.at)).where(Event.case_id == case_id)).one()
        if last is not None and d.at < last:
            raise d.entry.fail("at", "seed.time_order")
        try:
            clock.set(d.at)
            disputes.record(desk, desk.actor(d.by), case_id, d.draft)
            for at, by, kind, values in d.steps:
                clock.set(at)
                actor = desk.actor(by)
                if kind == "mediations":
                    disputes.record_mediation(desk, actor, case_id, MediationDraft(
                        local_date(at), values["mediator"], values["method"],
                        values["result"], values.get("participants", ""),
                        values.get("notes", "")))
                elif kind == "whistles":
                    disputes.whistle(desk, actor, case_id, list(values["units"]),
                                     values["reason"])
                elif kind == "outcome":
                    disputes.record_outcome(desk, actor, case_id, values["outcome"],
                                            agreement_on=local_date(at))
                else:
                    _revisit(desk, actor, case_id, values)
        except DutyDeskError as exc:
            raise d.entry.fail(None, "seed.replay_failed", detail=exc.message()) from None
