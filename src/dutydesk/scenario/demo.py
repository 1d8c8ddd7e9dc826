"""Building a demo database from `seed/`: configuration, then reports replayed through the
services on a simulated clock, so every demo row has a true event history."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dutydesk.clock import Clock, SimulatedClock
from dutydesk.config.org import Configuration
from dutydesk.config.settings import Settings
from dutydesk.config.reading import read_configuration
from dutydesk.config.tomlfiles import Entry, check_keys, entries
from dutydesk.domain.deadlines import local_date
from dutydesk.domain.lifecycle import Action, Channel, transition_for
from dutydesk.errors import DutyDeskError, SchemaError
from dutydesk.scenario.when import BadTime, parse_when
from dutydesk.services.cases import ActionInput, CaseDraft, create_case, perform
from dutydesk.scenario.dispute_seed import read_disputes, replay_disputes
from dutydesk.services.context import Desk
from dutydesk.services.setup import install_configuration
from dutydesk.store.engine import Database, is_url, peek_meta
from dutydesk.store.inuse import sole_use

DEMO_LOGIN = "zhaolei"  # the demo opens as the duty chief
DEMO_OFFICER = "liuyang"  # who takes the demo's 110 transfers in
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
        e.known("by", logins)
        e.known("node", nodes)
        if e.get("category") is not None:
            e.known("category", categories)
        e.one_of("channel", (c.value for c in Channel))
        if e.get("ref") is not None:
            e.unique("ref", refs)
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
            step.known("by", logins)
            action = Action(step.one_of("do", (a.value for a in Action)))
            for key, known in (("node", nodes), ("category", categories), ("lead_unit", units)):
                if step.get(key) is not None:
                    step.known(key, known)
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


def build_demo(path: Path | str, clock: Clock, folder: Path | None = None) -> Path | str:
    """Build a fresh demo database at `path` (a file, or a PostgreSQL URL), replacing an
    older demo but never other data."""
    folder = folder or seed_dir()
    fill = _read_demo(folder, clock)  # a bad seed is refused before anything is touched
    if is_url(path):
        return _build_demo_on_server(str(path), fill)
    path = Path(path).expanduser()
    if path.exists():
        with sole_use(path):  # refuse at once, before the build, when sessions have it open
            pass
        # Read without opening it as a desk: an older file is looked at, never upgraded.
        if not Settings.from_json(peek_meta(path, "settings")).is_demo:
            raise SchemaError("error.not_a_demo", path=str(path))
    elif not path.parent.is_dir():
        raise SchemaError("error.no_folder", path=str(path.parent))
    building = path.with_name(path.name + ".building")
    remove_database_files(building)
    db = Database.open(building, create=True)
    try:
        fill(db)
    except BaseException:
        db.dispose()
        remove_database_files(building)
        raise
    db.dispose()
    with sole_use(path):  # and again while replacing it: nobody may have opened it since
        remove_database_files(path)
        os.replace(building, path)
    remove_database_files(building)  # what is left of the build's own (its write lock)
    return path


def _read_demo(folder: Path, clock: Clock) -> Callable[[Database], None]:
    """The seed read and checked; what fills a new database with it: the configuration, then
    its reports, disputes, roster and 110 calls replayed from now on a simulated clock."""
    base = clock.now()
    config = read_configuration(folder, demo=True)
    cases = read_cases(folder / "cases.toml", config, base)
    scripted_disputes = read_disputes(folder / "disputes.toml", lambda e, key: _when(e, key, base),
                                      {c.ref for c in cases if c.ref})

    def fill(db: Database) -> None:
        install_configuration(db, clock, config)
        simulated = SimulatedClock(base)
        ids = replay(Desk(db, simulated), simulated, cases)
        replay_disputes(Desk(db, simulated), simulated, scripted_disputes, ids)
        _demo_roster(Desk(db, simulated), folder, base)
        _import_sample_transfers(Desk(db, simulated), folder)

    return fill


def _build_demo_on_server(url: str, fill: Callable[[Database], None]) -> str:
    """A PostgreSQL demo is rebuilt in place, never over a desk that is not a demo."""
    from dutydesk.store.postgres import PostgresDatabase

    def may_replace(db) -> None:
        if not Settings.from_json(db.meta("settings")).is_demo:
            raise SchemaError("error.not_a_demo", path=db.path)

    return PostgresDatabase.rebuild(url, may_replace, fill)


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
    config = read_configuration(folder, demo=False)
    if is_url(path):  # a PostgreSQL database: made whole in it, or refused if it holds one
        db = Database.open(str(path), create=True)
        try:
            install_configuration(db, clock, config)
        finally:
            db.dispose()
        return path
    path = Path(path).expanduser()
    if path.exists():
        raise SchemaError("error.exists", path=str(path))
    if not path.parent.is_dir():
        raise SchemaError("error.no_folder", path=str(path.parent))
    return fresh_database(path, lambda db: install_configuration(db, clock, config))


def fresh_database(path: Path, fill: Callable[[Database], None]) -> Path:
    """A new database at `path` (a free one), filled by `fill`: whole, or not there at all."""
    db = Database.open(path, create=True)
    try:
        fill(db)
    except BaseException:
        db.dispose()
        remove_database_files(path)
        raise
    db.dispose()
    return path


def remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-writelock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
