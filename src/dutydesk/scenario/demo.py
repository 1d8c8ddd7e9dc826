"""Building a demo database from `seed/`: configuration, then reports replayed through the
services on a simulated clock, so every demo row has a true event history."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from dutydesk.clock import Clock, SimulatedClock
from dutydesk.domain.deadlines import LOCAL_TZ, TimeLimit, TimeUnit, WorkingHours, local_date
from dutydesk.domain.disputes import FactThresholds, Colour, DisputeType, RiskFactor
from dutydesk.domain.duty import Shift
from dutydesk.domain.personal import Masks
from dutydesk.domain.lifecycle import Action, Channel, Role, transition_for
from dutydesk.domain.supervision import Ladder
from dutydesk.domain.text import TextLimits
from dutydesk.errors import DutyDeskError, SchemaError
from dutydesk.scenario.seedfiles import Entry, check_keys, entries, read_toml, seed_error
from dutydesk.scenario.when import BadTime, parse_when
from dutydesk.services.cases import ActionInput, CaseDraft, create_case, perform
from dutydesk.scenario.dispute_seed import read_disputes, replay_disputes
from dutydesk.services.context import (
    BoardColumn, Desk, DisputeRules, PoliceRules, Settings, cadence_from_dict,
)
from dutydesk.services.setup import (
    CategorySpec, Configuration, NodeSpec, OfficerSpec, UnitSpec, install_configuration,
)
from dutydesk.store.engine import Database
from dutydesk.store.inuse import sole_use

DEMO_LOGIN = "zhaolei"  # the demo opens as the duty chief
DEMO_OFFICER = "liuyang"  # who takes the demo's 110 transfers in
NODE_KINDS = ("district", "street", "community", "grid")
_STEP_KEYS = {
    "at": str, "by": str, "do": str, "reason": str, "category": str, "node": str,
    "merge_into": str, "lead_unit": str, "co_units": list, "new_due": str, "result": str,
    "evidence": str, "note": str, "on_behalf_of": str,
}


def seed_dir() -> Path:
    """`seed/` beside the source tree (editable install) or packaged inside the wheel."""
    packaged = resources.files("dutydesk").joinpath("_seed")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "seed"


def _masks(privacy: dict) -> Masks:
    """`phone_mask = [3, 4]` and `id_mask = [1, 2]`: the characters kept at each end."""
    kept = {}
    for key, (head, tail) in (("phone_mask", ("phone_head", "phone_tail")),
                              ("id_mask", ("id_head", "id_tail"))):
        if key not in privacy:
            continue
        value = privacy[key]
        if not (isinstance(value, list) and len(value) == 2 and all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 8 for n in value)):
            raise seed_error("settings.toml", f"[privacy] {key}", "seed.bad_settings",
                             detail="[0-8, 0-8]")
        kept[head], kept[tail] = value
    return Masks(**kept)


def read_configuration(folder: Path, *, demo: bool) -> Configuration:
    settings_doc = read_toml(folder / "settings.toml")
    deadlines = settings_doc.get("deadlines", {})
    supervision = settings_doc.get("supervision", {})

    def limit(key: str) -> TimeLimit:
        return TimeLimit(int(deadlines[key]["amount"]), TimeUnit(deadlines[key]["unit"]))

    try:
        settings = Settings(
            ack_limit=limit("ack_limit"), verify_limit=limit("verify_limit"),
            close_limit=limit("close_limit"),
            ladder=Ladder(dt.time.fromisoformat(supervision.get("chase_at", "09:00")),
                          int(supervision.get("circulate_after_working_days", 5))),
            due_soon_fraction=float(deadlines["due_soon_fraction"]),
            office_hours=WorkingHours(tuple(
                (dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                for a, b in deadlines["office_hours"])),
            is_demo=demo,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise seed_error("settings.toml", "deadlines", "seed.bad_settings", detail=str(exc)) from None
    try:
        settings = replace(settings, limits=TextLimits(**settings_doc.get("limits", {})))
    except (TypeError, ValueError) as exc:
        raise seed_error("settings.toml", "limits", "seed.bad_settings", detail=str(exc)) from None
    if "police" in settings_doc:
        police = settings_doc["police"]
        try:
            def police_limit(key: str) -> TimeLimit:
                return TimeLimit(int(police[key]["amount"]), TimeUnit(police[key]["unit"])) \
                    if key in police else getattr(PoliceRules, key)

            rules = PoliceRules(
                police_limit("sign_limit"), police_limit("feedback_limit"),
                tuple(str(term) for term in police["danger_terms"]),
                {str(k): str(v) for k, v in police.get("categories", {}).items()},
                tuple(str(term) for term in police.get("danger_exclusions", ())),
                police_limit("decide_limit"), police_limit("contact_limit"),
                tuple(str(code) for code in police.get("police_units", ())))
        except (KeyError, TypeError, ValueError) as exc:
            raise seed_error("settings.toml", "police", "seed.bad_settings",
                             detail=str(exc)) from None
        settings = replace(settings, police=rules)
    if "shifts" in settings_doc:
        settings = replace(settings, shifts=_shifts(settings_doc["shifts"]),
                           handover_grace=_handover_grace(settings_doc["shifts"]))
    if "revisits" in settings_doc:
        try:
            settings = replace(settings, revisits=cadence_from_dict(settings_doc["revisits"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise seed_error("settings.toml", "revisits", "seed.bad_settings",
                             detail=str(exc)) from None
    if "disputes" in settings_doc:
        settings = replace(settings, disputes=_dispute_rules(settings_doc["disputes"]))
    if "claims" in settings_doc:
        idle = settings_doc["claims"].get("idle_minutes")
        if not isinstance(idle, int) or not 1 <= idle <= 24 * 60:
            raise seed_error("settings.toml", "claims.idle_minutes", "seed.bad_settings",
                             detail=str(idle))
        settings = replace(settings, claim_idle=dt.timedelta(minutes=idle))
    if "privacy" in settings_doc:
        roles = settings_doc["privacy"].get("phone_roles", [])
        known = {r.value for r in Role}
        if not isinstance(roles, list) or not set(map(str, roles)) <= known:
            raise seed_error("settings.toml", "[privacy] phone_roles", "seed.bad_settings",
                             detail=", ".join(sorted(known)))
        settings = replace(settings, phone_roles=frozenset(map(str, roles)),
                           masks=_masks(settings_doc["privacy"]))
    if not 0 < settings.due_soon_fraction < 1:
        raise seed_error("settings.toml", "deadlines.due_soon_fraction", "seed.bad_fraction")

    nodes: list[NodeSpec] = []
    known_nodes: set[str] = set()
    for e in entries(folder / "org.toml", "node", {"code": str, "name": str, "kind": str},
                     {"parent": str, "contacts": list, "aliases": list}):
        if e.get("kind") not in NODE_KINDS:
            raise e.fail("kind", "seed.bad_choice", value=e.get("kind"), choices=", ".join(NODE_KINDS))
        _unique(e, "code", known_nodes)
        parent = e.get("parent")
        if parent is not None and parent not in known_nodes:
            raise e.fail("parent", "seed.unknown_ref", value=parent)
        nodes.append(NodeSpec(e.get("code"), e.get("name"), e.get("kind"), parent,
                              _names(e, "contacts"), _names(e, "aliases")))
        known_nodes.add(e.get("code"))

    categories: list[CategorySpec] = []
    known_categories: set[str] = set()
    for e in entries(folder / "categories.toml", "category",
                     {"code": str, "name": str, "limit": dict}, {"dispute": bool}):
        _unique(e, "code", known_categories)
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
    for e in entries(folder / "units.toml", "unit",
                     {"code": str, "name": str, "node": str, "categories": list},
                     {"round_the_clock": bool, "contacts": list}):
        _unique(e, "code", known_units)
        _known(e, "node", known_nodes)
        for code in e.get("categories"):
            if code not in known_categories:
                raise e.fail("categories", "seed.unknown_ref", value=code)
        units.append(UnitSpec(e.get("code"), e.get("name"), e.get("node"), e.get("categories"),
                              e.get("round_the_clock", False), _names(e, "contacts")))
        known_units.add(e.get("code"))

    officers: list[OfficerSpec] = []
    logins: set[str] = set()
    for e in entries(folder / "officers.toml", "officer",
                     {"login": str, "name": str, "role": str, "node": str}, {"unit": str}):
        _unique(e, "login", logins)
        _known(e, "node", known_nodes)
        try:
            role = Role(e.get("role"))
        except ValueError:
            raise e.fail("role", "seed.bad_choice", value=e.get("role"),
                         choices=", ".join(r.value for r in Role)) from None
        if (role is Role.UNIT) != (e.get("unit") is not None):
            raise e.fail("unit", "seed.unit_role")
        if e.get("unit") is not None:
            _known(e, "unit", known_units)
        officers.append(OfficerSpec(e.get("login"), e.get("name"), role.value, e.get("node"),
                                    e.get("unit")))
        logins.add(e.get("login"))
    if not any(o.role == Role.ADMIN.value for o in officers):
        raise seed_error("officers.toml", "officer", "seed.need_admin")

    years = read_calendar_years(folder / "calendar.toml")
    return Configuration(settings, nodes, categories, units, officers, years)


def read_calendar_years(path: Path) -> dict[int, tuple[list[str], list[str]]]:
    """`[[year]]` entries of official days off and adjusted working days, checked."""
    years: dict[int, tuple[list[str], list[str]]] = {}
    for e in entries(path, "year", {"year": int, "holidays": list, "workdays": list},
                     allow_empty=True):
        for key in ("holidays", "workdays"):
            for value in e.get(key):
                try:
                    day = dt.date.fromisoformat(value)
                except (TypeError, ValueError):
                    raise e.fail(key, "seed.bad_date", value=repr(value)) from None
                if day.year != e.get("year"):
                    raise e.fail(key, "seed.date_other_year", value=value)
        years[e.get("year")] = (e.get("holidays"), e.get("workdays"))
    return years


def _names(e: Entry, key: str) -> list[str]:
    names = e.get(key, [])
    if not all(isinstance(n, str) and n.strip() for n in names) or len(set(names)) < len(names):
        raise e.fail(key, "seed.bad_names")
    return names


def _unique(e: Entry, key: str, seen: set[str]) -> None:
    if e.get(key) in seen:
        raise e.fail(key, "seed.duplicate", value=e.get(key))


def _known(e: Entry, key: str, known: set[str]) -> None:
    if e.get(key) not in known:
        raise e.fail(key, "seed.unknown_ref", value=e.get(key))


@dataclass
class ScriptedStep:
    at: dt.datetime
    by: str
    action: Action
    inputs: ActionInput
    merge_ref: str | None


@dataclass
class ScriptedCase:
    entry: Entry
    ref: str | None
    at: dt.datetime
    by: str
    draft: CaseDraft
    steps: list[ScriptedStep]


def read_cases(path: Path, config: Configuration, base: dt.datetime) -> list[ScriptedCase]:
    logins = {o.login for o in config.officers}
    nodes = {n.code for n in config.nodes}
    categories = {c.code for c in config.categories}
    units = {u.code for u in config.units}
    refs: set[str] = set()
    result: list[ScriptedCase] = []
    required = {"at": str, "by": str, "channel": str, "node": str, "summary": str}
    optional = {"ref": str, "category": str, "reporter": str, "phone": str, "address": str,
                "steps": list}
    for e in entries(path, "case", required, optional):
        at = _when(e, "at", base)
        _known(e, "by", logins)
        _known(e, "node", nodes)
        if e.get("category") is not None:
            _known(e, "category", categories)
        if e.get("channel") not in {c.value for c in Channel}:
            raise e.fail("channel", "seed.bad_choice", value=e.get("channel"),
                         choices=", ".join(c.value for c in Channel))
        if e.get("ref") is not None:
            _unique(e, "ref", refs)
            refs.add(e.get("ref"))
        draft = CaseDraft(channel=e.get("channel"), summary=e.get("summary"), node_code=e.get("node"),
                          reporter_name=e.get("reporter", ""), reporter_phone=e.get("phone", ""),
                          address=e.get("address", ""), category_code=e.get("category", ""))
        steps: list[ScriptedStep] = []
        previous = at
        for number, raw in enumerate(e.get("steps", []), start=1):
            step = Entry(e.file, f"{e.where}.steps[{number}]", raw if isinstance(raw, dict) else {})
            if not isinstance(raw, dict):
                raise step.fail(None, "seed.wrong_type", value=repr(raw))
            check_keys(step, {"at": str, "by": str, "do": str},
                       {k: v for k, v in _STEP_KEYS.items() if k not in ("at", "by", "do")})
            step_at = _when(step, "at", base)
            if step_at < previous:
                raise step.fail("at", "seed.time_order")
            previous = step_at
            _known(step, "by", logins)
            try:
                action = Action(step.get("do"))
            except ValueError:
                raise step.fail("do", "seed.bad_choice", value=step.get("do"),
                                choices=", ".join(a.value for a in Action)) from None
            for key, known in (("node", nodes), ("category", categories), ("lead_unit", units)):
                if step.get(key) is not None:
                    _known(step, key, known)
            for code in step.get("co_units", []):
                if code not in units:
                    raise step.fail("co_units", "seed.unknown_ref", value=code)
            merge_ref = step.get("merge_into")
            if merge_ref is not None and merge_ref not in refs:
                raise step.fail("merge_into", "seed.unknown_ref", value=merge_ref)
            new_due = _when(step, "new_due", base, future_ok=True) if step.get("new_due") else None
            if action is Action.ACCEPT:  # accepting confirms the case's own facts unless told
                step.data.setdefault("category", e.get("category", ""))
                step.data.setdefault("node", e.get("node"))
            inputs = ActionInput(
                reason=step.get("reason", ""), category_code=step.get("category", ""),
                node_code=step.get("node", ""), lead_unit_code=step.get("lead_unit", ""),
                co_unit_codes=step.get("co_units", []), new_due=new_due,
                result=step.get("result", ""), evidence=step.get("evidence", ""),
                note=step.get("note", ""), on_behalf_of=step.get("on_behalf_of", ""),
            )
            transition_for(action)  # every action is in the table (KeyError otherwise)
            steps.append(ScriptedStep(step_at, step.get("by"), action, inputs, merge_ref))
        result.append(ScriptedCase(e, e.get("ref"), at, e.get("by"), draft, steps))
    return result


def _when(e: Entry, key: str, base: dt.datetime, *, future_ok: bool = False) -> dt.datetime:
    try:
        moment = parse_when(e.get(key), base)
    except BadTime:
        raise e.fail(key, "seed.bad_time", value=e.get(key)) from None
    if moment > base and not future_ok:
        raise e.fail(key, "seed.future_time", value=e.get(key))
    return moment


def replay(desk: Desk, clock: SimulatedClock, cases: list[ScriptedCase]) -> dict[str, int]:
    """Run scripted cases through the services; returns the ids of the cases with a ref."""
    ids: dict[str, int] = {}
    for case in cases:
        clock.set(case.at)
        try:
            case_id = create_case(desk, desk.actor(case.by), case.draft)
            if case.ref:
                ids[case.ref] = case_id
            for step in case.steps:
                clock.set(step.at)
                if step.merge_ref:
                    step.inputs.merge_into = ids[step.merge_ref]
                perform(desk, desk.actor(step.by), case_id, step.action, step.inputs)
        except DutyDeskError as exc:
            raise case.entry.fail(None, "seed.replay_failed", detail=exc.message()) from None
    return ids


def build_demo(path: Path, clock: Clock, folder: Path | None = None) -> Path:
    """Build a fresh demo database at `path`, replacing an older demo but never other data."""
    folder = folder or seed_dir()
    path = Path(path).expanduser()
    if path.exists():
        with sole_use(path):  # refuse at once, before the build, when sessions have it open
            pass
        existing = Database.open(path)
        try:
            settings = Desk(existing, clock).settings
        finally:
            existing.dispose()
        if not settings.is_demo:
            raise SchemaError("error.not_a_demo", path=str(path))
    elif not path.parent.is_dir():
        raise SchemaError("error.no_folder", path=str(path.parent))
    base = clock.now()
    config = read_configuration(folder, demo=True)
    cases = read_cases(folder / "cases.toml", config, base)
    scripted_disputes = read_disputes(folder / "disputes.toml", lambda e, key: _when(e, key, base),
                                      {c.ref for c in cases if c.ref})
    building = path.with_name(path.name + ".building")
    _remove_database_files(building)
    db = Database.open(building, create=True)
    try:
        install_configuration(db, clock, config)
        simulated = SimulatedClock(base)
        ids = replay(Desk(db, simulated), simulated, cases)
        replay_disputes(Desk(db, simulated), simulated, scripted_disputes, ids)
        _demo_roster(Desk(db, simulated), folder, base)
        _import_sample_transfers(Desk(db, simulated), folder)
    except BaseException:
        db.dispose()
        _remove_database_files(building)
        raise
    db.dispose()
    with sole_use(path):  # and again while replacing it: nobody may have opened it since
        _remove_database_files(path)
        os.replace(building, path)
    _remove_database_files(building)  # what is left of the build's own (its write lock)
    return path


def _shifts(doc: dict) -> tuple[Shift, ...]:
    """settings.toml [[shifts.shift]]: codes unique, times as HH:MM, and no two shifts over
    the same hour of the day."""
    try:
        shifts = tuple(Shift(str(s["code"]), str(s["name"]), dt.time.fromisoformat(s["start"]),
                             dt.time.fromisoformat(s["end"]), str(s.get("name_en", "")))
                       for s in doc["shift"])
        if not shifts or len({s.code for s in shifts}) != len(shifts):
            raise ValueError("shift codes must be given and unique")
        base = dt.date(2026, 1, 5)
        for hour in range(24):  # every hour is in at most one shift
            moment = dt.datetime.combine(base, dt.time(hour), LOCAL_TZ)
            covering = [s for s in shifts for day in (base, base - dt.timedelta(days=1))
                        if s.bounds(day)[0] <= moment < s.bounds(day)[1]]
            if len(covering) > 1:
                raise ValueError(f"shifts overlap at {hour:02d}:00")
        return shifts
    except (KeyError, TypeError, ValueError) as exc:
        raise seed_error("settings.toml", "shifts", "seed.bad_settings",
                         detail=str(exc)) from None


def _handover_grace(doc: dict) -> dt.timedelta:
    """settings.toml [shifts] handover_grace_minutes: how long after a shift's end its sheet
    may still be made (0 to 180 minutes)."""
    minutes = doc.get("handover_grace_minutes", 30)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 180:
        raise seed_error("settings.toml", "shifts.handover_grace_minutes", "seed.bad_settings",
                         detail=f"{minutes!r}: a whole number of minutes from 0 to 180")
    return dt.timedelta(minutes=minutes)


def _dispute_rules(doc: dict) -> DisputeRules:
    """settings.toml [disputes]: every factor's colour and every column must be known."""
    try:
        checklist = tuple(RiskFactor(str(f["code"]), str(f["label"]), Colour(f["colour"]),
                                     str(f.get("label_en", ""))) for f in doc["factor"])
        if len({f.code for f in checklist}) != len(checklist):
            raise ValueError("a factor code appears twice")
        columns = {Colour(c): BoardColumn(str(v["name"]), str(v.get("name_en", "")),
                                          str(v["style"])) for c, v in doc["columns"].items()}
        if set(columns) != set(Colour):
            raise ValueError("columns must be red, yellow and blue")
        limit = doc["whistle_limit"]
        return DisputeRules(checklist, columns,
                            TimeLimit(int(limit["amount"]), TimeUnit(limit["unit"])),
                            int(doc["confirm_days"]),
                            tuple(str(team) for team in doc.get("teams", [])),
                            {str(k): DisputeType(v).value for k, v in doc.get("types", {}).items()},
                            FactThresholds(int(doc.get("group_people", 5)),
                                           int(doc.get("large_sum_yuan", 100_000)) * 100))
    except (KeyError, TypeError, ValueError) as exc:
        raise seed_error("settings.toml", "disputes", "seed.bad_settings",
                         detail=str(exc)) from None


def _demo_roster(desk: Desk, folder: Path, base: dt.datetime) -> None:
    """seed/roster.toml: the same roster for the day before the demo's start, its day and the
    next, set by the demo's duty chief through the roster service."""
    from dutydesk.services.duty import set_roster

    path = folder / "roster.toml"
    if not path.exists():
        return
    chief = desk.actor(DEMO_LOGIN)
    today = local_date(base)
    for e in entries(path, "roster", {"shift": str, "officers": list, "chief": str}):
        for offset in (-1, 0, 1):
            try:
                set_roster(desk, chief, today + dt.timedelta(days=offset), e.get("shift"),
                           [str(login) for login in e.get("officers")], e.get("chief"))
            except DutyDeskError as exc:
                raise e.fail(None, "seed.replay_failed", detail=exc.message()) from None


def _import_sample_transfers(desk: Desk, folder: Path) -> None:
    """The night's 110 transfers of the demo come in as the desk would take them: through the
    importer, from the sample exports in seed/samples."""
    from dutydesk.services.police_import import import_file

    samples = folder / "samples"
    for name in ("110-export.csv", "110-export.jsonl", "110-export.xlsx"):
        if (samples / name).exists():
            import_file(desk, desk.actor(DEMO_OFFICER), samples / name)


def build_desk(path: Path, clock: Clock, folder: Path | None = None) -> Path:
    """Create a new, empty working database from the configuration in `folder` (no reports).

    Refuses an existing path: a desk's data is never replaced.
    """
    folder = folder or seed_dir()
    path = Path(path).expanduser()
    if path.exists():
        raise SchemaError("error.exists", path=str(path))
    if not path.parent.is_dir():
        raise SchemaError("error.no_folder", path=str(path.parent))
    config = read_configuration(folder, demo=False)
    db = Database.open(path, create=True)
    try:
        install_configuration(db, clock, config)
    except BaseException:
        db.dispose()
        _remove_database_files(path)
        raise
    db.dispose()
    return path


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-writelock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
