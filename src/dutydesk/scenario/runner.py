"""A training run: a fresh training database made from the scenario's own configuration, and
the scenario's events fed in at their moments on the run's clock through the same services
real data goes through (a 110 transfer is received, a report registered, a unit takes its
step). Each event fed is itself in the log, with the item it made, so the score card can be
read again from the database alone."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from dutydesk.clock import Clock, SimulatedClock, SystemClock
from dutydesk.domain.lifecycle import DESK_ROLES, Action, Role
from dutydesk.errors import DutyDeskError, SchemaError
from dutydesk.scenario.training import Scenario, ScenarioEvent, duration
from dutydesk.services import training
from dutydesk.services.cases import ActionInput, CaseDraft, create_case, may_take, perform
from dutydesk.services.context import Actor, Desk
from dutydesk.services.police import TransferDraft, receive_transfer
from dutydesk.services.revisits import due_revisit_of, record_revisit
from dutydesk.services.setup import install_configuration
from dutydesk.store.engine import Database, is_url, peek_meta, schema_version
from dutydesk.store.models import SCHEMA_VERSION
from dutydesk.store.inuse import sole_use

WAIT = object()  # an event that cannot happen yet
TRAINING = "training"  # the meta key that marks a training database (and names its scenario)


def training_info(db: Database) -> dict | None:
    raw = db.meta(TRAINING)
    return json.loads(raw) if raw else None


def digest(scenario: Scenario) -> str:
    """The scenario file's fingerprint: a run is taken up again only under the same story."""
    return hashlib.sha256(scenario.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Prepared:
    path: Path | str  # a file, or a PostgreSQL URL
    resume_at: dt.datetime | None  # a run taken up again: where its clock had got to


def prepare_training(path: Path | str, scenario: Scenario, *, fresh: bool = False) -> Prepared:
    """The training database at `path` for `scenario`: an earlier run of the same scenario
    there is taken up again (nothing a trainee did is lost to a dropped connection), unless
    `fresh`; any other training database there is replaced; a working desk is refused."""
    if is_url(path):
        return _prepare_on_server(str(path), scenario, fresh)
    path = Path(path).expanduser()
    if path.exists() and not fresh:
        with sole_use(path):  # refused at once while a session has it open
            pass
        if _same_run(peek_meta(path, TRAINING), scenario) and schema_version(path) == SCHEMA_VERSION:  # (an older run starts again)
            existing = Database.open(path)
            try:
                return Prepared(path, training.last_moment(Desk(existing, SystemClock())))
            finally:
                existing.dispose()
    return Prepared(build_training(path, scenario), None)


def _same_run(raw: str | None, scenario: Scenario) -> bool:
    """A training mark (meta) of this very scenario: its file's digest."""
    return raw is not None and json.loads(raw).get("digest") == digest(scenario)


def _prepare_on_server(url: str, scenario: Scenario, fresh: bool) -> Prepared:
    """As on a file: the same scenario's run taken up again, else a new one in its place."""
    if not fresh:
        try:
            existing = Database.open(url)
        except SchemaError:  # empty, or not a desk: the rebuild says what it may do
            existing = None
        if existing is not None:
            try:
                if _same_run(existing.meta(TRAINING), scenario):
                    return Prepared(url, training.last_moment(Desk(existing, SystemClock())))
            finally:
                existing.dispose()
    return Prepared(build_training(url, scenario), None)


def build_training(path: Path | str, scenario: Scenario) -> Path | str:
    """A fresh training database at `path` (an older training database there is replaced;
    any other desk is refused: a live desk is never touched)."""
    from dutydesk.scenario.demo import fresh_database, remove_database_files

    def fill(db: Database) -> None:
        install_configuration(db, SimulatedClock(scenario.start), scenario.config,
                              training={"scenario": scenario.path.name,
                                        "title": scenario.title, "trainee": scenario.trainee,
                                        "speed": scenario.speed, "digest": digest(scenario)})
        _roster(Desk(db, SimulatedClock(scenario.start)), scenario)

    if is_url(path):  # PostgreSQL: rebuilt in place
        from dutydesk.store.postgres import PostgresDatabase

        def may_replace(db) -> None:
            if db.meta(TRAINING) is None:
                raise SchemaError("training.error.not_training", path=db.path)

        return PostgresDatabase.rebuild(str(path), may_replace, fill)
    path = Path(path).expanduser()
    if path.exists():
        with sole_use(path):  # refused at once while a session has it open
            pass
        if peek_meta(path, TRAINING) is None:  # read, never upgraded: a live desk untouched
            raise SchemaError("training.error.not_training", path=str(path))
        with sole_use(path):  # and nobody may have opened it since
            remove_database_files(path)
    elif not path.parent.is_dir():
        raise SchemaError("error.no_folder", path=str(path.parent))
    return fresh_database(path, fill)


def _roster(desk: Desk, scenario: Scenario) -> None:
    """The trainee on every shift the scenario spans, with the org's duty chief (a handover
    sheet is made by someone of the shift)."""
    from dutydesk.domain.deadlines import local_date
    from dutydesk.services.duty import set_roster

    chiefs = [o.login for o in scenario.config.officers if o.role == Role.DUTY_CHIEF.value]
    if not chiefs:
        return
    chief = desk.actor(chiefs[0])
    first, last = local_date(scenario.start), local_date(scenario.start + scenario.ends)
    for offset in range(-1, (last - first).days + 1):
        for shift in desk.settings.shifts:
            set_roster(desk, chief, first + dt.timedelta(days=offset), shift.code,
                       sorted({scenario.trainee, chief.login}), chief.login)


class TrainingRun:
    """The scenario's events fed into `desk` as its clock reaches them."""

    def __init__(self, scenario: Scenario, desk: Desk) -> None:
        self.scenario = scenario
        self.desk = desk
        self.trainee = desk.actor(scenario.trainee)
        self.feeder = self._feeder()
        # One feeder at a time: the session's tick and F10 may both be feeding.
        self._feeding = threading.Lock()
        done = training.fed(desk)  # a run taken up again goes on where it was
        self._done = set(done)
        self._items = {ref: item for _at, ref, item in done.values() if ref}
        self.next_index = 0  # the next event whose moment has not come
        # Events whose moment has come but not what they need: a unit's 签收 before the case
        # was dispatched to it, a revisit before the dispute was resolved. Each is tried again
        # on every feed, in order, and happens once it can.
        self.waiting: list[int] = []
        self._come_due(desk.clock.now())

    def _feeder(self) -> Actor:
        """Who the world's events come in through: a colleague on the desk, not the trainee
        (the trainee's own steps are what is scored)."""
        desk_people = [o for o in self.scenario.config.officers
                       if Role(o.role) in DESK_ROLES and o.login != self.scenario.trainee]
        return self.desk.actor(desk_people[0].login if desk_people else self.scenario.trainee)

    def moment_of(self, index: int) -> dt.datetime:
        return self.scenario.start + self.scenario.events[index].at

    @property
    def next_moment(self) -> dt.datetime | None:
        if self.next_index >= len(self.scenario.events):
            return None
        return self.moment_of(self.next_index)

    @property
    def ends(self) -> dt.datetime:
        return self.scenario.start + self.scenario.ends

    @property
    def over(self) -> bool:
        return self.desk.clock.now() >= self.ends

    def feed_due(self) -> list[ScenarioEvent]:
        """Every event whose moment has come and can happen, in order (for a notice)."""
        with self._feeding:
            return self._feed_due()

    def _come_due(self, now: dt.datetime) -> None:
        """Every event whose moment has come and has not happened waits to happen."""
        while self.next_moment is not None and self.next_moment <= now:
            if self.next_index not in self._done:
                self.waiting.append(self.next_index)
            self.next_index += 1

    def _feed_due(self) -> list[ScenarioEvent]:
        self._come_due(self.desk.clock.now())
        fed = []
        for index in list(self.waiting):
            event = self.scenario.events[index]
            item = self._happen(event)
            if item is WAIT:
                continue
            training.record_fed(self.desk, self.feeder, index, event.ref, item)
            self.waiting.remove(index)
            self._done.add(index)
            if event.ref and item:
                self._items[event.ref] = item
            fed.append(event)
        return fed

    def _happen(self, event: ScenarioEvent) -> str | None | object:
        """The event, through the services: the item it made or met ("case:12"), None for
        the shift's end, or WAIT when what it needs has not happened yet."""
        c = event.content
        if event.kind == "transfer":
            number = receive_transfer(self.desk, self.feeder, TransferDraft(
                number=c["number"], called_at=self.desk.clock.now(), summary=c["summary"],
                caller=c.get("caller", ""), phone=c.get("phone", ""),
                address=c.get("address", ""), station=c.get("station", ""),
                category_110=c.get("category", "")))
            return f"transfer:{number}"
        if event.kind in ("report", "call_again"):
            original = self._case_of(c["case"]) if event.kind == "call_again" else None
            case_id = create_case(self.desk, self.feeder, CaseDraft(
                channel=c.get("channel", "phone"), summary=c["summary"],
                node_code=c.get("node") or self._node_of(original),
                reporter_name=c.get("reporter", ""), reporter_phone=c.get("phone", ""),
                address=c.get("address", ""), category_code=c.get("category", "")))
            return f"case:{case_id}"
        if event.kind == "shift_end":
            return None  # nothing comes in
        case_id = self._case_of(c["case"])
        if case_id is None:
            return WAIT
        by = self.desk.actor(c["by"])
        try:
            if event.kind == "revisit":
                revisit = due_revisit_of(self.desk, case_id)
                if revisit is None:
                    return WAIT
                record_revisit(self.desk, by, revisit, c.get("method", "phone"),
                               c["result"], notes=c.get("notes", ""))
            else:  # a unit's own step, or a community's failed 核查
                action = Action(c["step"]) if event.kind == "unit_step" else Action.VERIFY_FAIL
                if not may_take(self.desk, by, case_id, action):
                    return WAIT
                later = duration(c["new_due"]) if "new_due" in c else None  # 延期 to
                perform(self.desk, by, case_id, action, ActionInput(
                    reason=c.get("reason", ""), result=c.get("result", ""),
                    new_due=self.desk.clock.now() + later if later else None))
        except DutyDeskError:
            return WAIT  # the case moved on between the look and the step: try again
        return f"case:{case_id}"

    def _case_of(self, ref: str) -> int | None:
        """The case an earlier event's item is (a transfer's once it has one), or None."""
        item = self._items.get(ref)
        kind, _, number = (item or "").partition(":")
        if kind == "case":
            return int(number)
        if kind != "transfer":
            return None
        from dutydesk.services.police import transfer_detail

        return transfer_detail(self.desk, self.feeder, int(number)).row.case_id

    def _node_of(self, case_id: int | None) -> str:
        from dutydesk.services.queue import case_detail

        if case_id is None:
            return self.scenario.config.nodes[0].code
        return case_detail(self.desk, self.feeder, case_id).node_code


def open_training(path: Path, scenario: Scenario, clock: Clock) -> tuple[Desk, TrainingRun]:
    db = Database.open(path)
    desk = Desk(db, clock)
    return desk, TrainingRun(scenario, desk)
