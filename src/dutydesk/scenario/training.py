"""Training scenarios (培训演练): a TOML file in seed/scenarios/ tells a situation as it unfolds —
the place it is set in, when it starts, how fast its clock runs, and a timeline of events at
offsets from the start, each with what the trainee is expected to do about it.

    [scenario]
    title = "夜班：一夜的110非警务警情"
    story = "seeds/001"           # the news report it is drawn from
    start = "2026-11-24 21:00"    # local time
    speed = 10                    # simulated seconds per real second
    trainee = "liuyang"           # who the trainee works as
    org = "seed"                  # the configuration folder: "seed", or one beside the file
    ends = "+8h"                  # the shift's end

    [[event]]
    at = "+5m"
    kind = "transfer"             # a 110 transfer arrives
    ref = "knife"
    number = "J2026112400001"
    summary = "邻居持刀争吵"
    [[event.expect]]
    step = "send_back"            # the event-log step the trainee should take
    within = "10m"
    points = 20
    rule = "涉及人身安全的警情不是非警务警情：退回110并说明理由"

Expectations name the steps of the desk's own tables (the case lifecycle, the 110 transfer,
the dispute and the revisit steps, the handover), so a score is read from the event log like
every other figure. A malformed file is refused with the file, the key and the problem before
anything is created.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dutydesk.config.org import Configuration
from dutydesk.config.reading import read_configuration
from dutydesk.config.tomlfiles import Entry, Spec, check_keys, seed_error
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.disputes import DisputeAction
from dutydesk.domain.lifecycle import Action, Channel, Role, transition_for
from dutydesk.domain.police import TransferAction
from dutydesk.domain.revisits import (
    REVISIT_STEP,
    RESULTS,
    RevisitAction,
    RevisitKind,
    RevisitMethod,
)
from dutydesk.errors import SeedError

SCENARIO_KEYS: tuple[Spec, Spec] = (
    {"title": str, "start": str, "speed": int, "trainee": str},
    {"story": str, "org": str, "ends": str, "summary": str},
)
# What may happen in a scenario: its kind -> (required, optional) content keys. `at`, `ref`
# and `expect` belong to every event.
EVENT_KINDS: dict[str, tuple[Spec, Spec]] = {
    "transfer": ({"number": str, "summary": str},  # a 110 transfer arrives
                 {"caller": str, "phone": str, "address": str, "station": str,
                  "category": str}),
    "report": ({"channel": str, "summary": str, "node": str},  # walk-in, phone, grid …
               {"category": str, "reporter": str, "phone": str, "address": str}),
    "unit_step": ({"case": str, "step": str, "by": str},  # 签收, 退单, 回告, 延期 by a unit
                  {"reason": str, "result": str, "new_due": str}),
    "verify_fail": ({"case": str, "by": str}, {"reason": str}),  # a community's failed 核查
    # A revisit of a mediated dispute (a relapse, say), by whoever is assigned to it.
    "revisit": ({"case": str, "by": str, "result": str}, {"method": str, "notes": str}),
    "call_again": ({"case": str, "summary": str}, {"reporter": str, "phone": str}),
    "shift_end": ({}, {}),
}
COMMON_KEYS: Spec = {"at": str, "ref": str, "expect": list}
EXPECT_KEYS: tuple[Spec, Spec] = ({"step": str},
                                  {"within": str, "with": dict, "points": int, "rule": str})
# The steps an expectation may name: the desk's tables' own, as the event log records them.
STEPS = frozenset({a.value for a in Action} | {a.value for a in TransferAction}
                  | {a.value for a in DisputeAction} | {a.value for a in RevisitAction}
                  | {"hand_over"})
UNIT_STEPS = frozenset({Action.ACKNOWLEDGE.value, Action.RETURN.value, Action.REPLY.value,
                        Action.REQUEST_EXTENSION.value})
REVISITORS = REVISIT_STEP[RevisitAction.RECORD].roles
SPEED_MAX = 600  # ten simulated minutes a second: an eight-hour shift in under a minute
_DURATION = re.compile(r"^\+?(?=\d)(?:(\d{1,2})d)?(?:(\d{1,3})h)?(?:(\d{1,4})m)?$")
_POINTS_DEFAULT = 10


@dataclass(frozen=True)
class Expectation:
    step: str
    within: dt.timedelta | None  # from the event's moment
    with_: dict[str, Any]  # payload values the step must carry (a unit, a colour …)
    points: int
    rule: str  # DOMAIN's words, shown when it is missed


@dataclass(frozen=True)
class ScenarioEvent:
    at: dt.timedelta  # from the start
    kind: str
    ref: str | None
    content: dict[str, Any]
    expect: tuple[Expectation, ...]


@dataclass
class Scenario:
    path: Path
    title: str
    story: str
    start: dt.datetime  # aware, local
    speed: int
    trainee: str
    ends: dt.timedelta
    config: Configuration
    events: list[ScenarioEvent] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(e.points for event in self.events for e in event.expect)


def scenario_dir() -> Path:
    from dutydesk.scenario.demo import seed_dir

    return seed_dir() / "scenarios"


def scenario_path(given: str) -> Path:
    """A scenario named on the command line: a seeded one by its name, or a file."""
    path = Path(given)
    if not path.suffix and not path.exists():
        return scenario_dir() / f"{given}.toml"
    return path


def list_scenarios(folder: Path | None = None) -> list[Path]:
    return sorted((folder or scenario_dir()).glob("*.toml"))


def duration(text: str) -> dt.timedelta:
    """"+90m", "+8h", "+7h55m", "10m", "+7d2h": a span of days, hours and minutes."""
    match = _DURATION.match(text.strip())
    if match is None or not any(match.groups()):
        raise ValueError(text)
    days, hours, minutes = match.groups()
    return dt.timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))


def load_scenario(path: Path) -> Scenario:
    """The scenario in `path`, checked whole; SeedError (file, key, problem) otherwise."""
    name = path.name
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise seed_error(name, "-", "seed.missing_file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise seed_error(name, "-", "seed.bad_toml", detail=str(exc)) from None
    unknown = set(document) - {"scenario", "event"}
    if unknown:
        raise seed_error(name, sorted(unknown)[0], "seed.unknown_key")
    if not isinstance(document.get("scenario"), dict):
        raise seed_error(name, "scenario", "seed.missing_key")
    head = Entry(name, "scenario", document["scenario"])
    check_keys(head, *SCENARIO_KEYS)
    config = _configuration(head, path)
    scenario = Scenario(
        path=path, title=head.get("title"), story=head.get("story", ""),
        start=_start(head), speed=_speed(head), trainee=head.get("trainee"),
        ends=_duration(head, "ends", "+8h"), config=config)
    head.known("trainee", {o.login for o in config.officers})
    events = document.get("event", [])
    if not isinstance(events, list) or not events:
        raise seed_error(name, "event", "seed.need_entries")
    refs: set[str] = set()
    for number, raw in enumerate(events, start=1):
        entry = Entry(name, f"event[{number}]", raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            raise entry.fail(None, "seed.wrong_type", value=repr(raw)[:80])
        scenario.events.append(_event(entry, config, refs, scenario))
    return scenario


def _configuration(head: Entry, path: Path) -> Configuration:
    from dutydesk.scenario.demo import seed_dir

    org = head.get("org", "seed")
    folder = seed_dir() if org == "seed" else (path.parent / org)
    if org != "seed" and (not folder.is_dir() or path.parent.resolve()
                          not in (folder.resolve(), *folder.resolve().parents)):
        raise head.fail("org", "training.bad_org", value=org)
    return read_configuration(folder, demo=True, fallback=seed_dir())


def _start(head: Entry) -> dt.datetime:
    try:
        start = dt.datetime.fromisoformat(head.get("start"))
    except ValueError:
        raise head.fail("start", "training.bad_start", value=head.get("start")) from None
    if start.tzinfo is not None:
        raise head.fail("start", "training.bad_start", value=head.get("start"))
    return start.replace(tzinfo=LOCAL_TZ)


def _speed(head: Entry) -> int:
    speed = head.get("speed")
    if isinstance(speed, bool) or not 1 <= speed <= SPEED_MAX:
        raise head.fail("speed", "training.bad_speed", value=speed, most=SPEED_MAX)
    return speed


def _duration(entry: Entry, key: str, default: str | None = None) -> dt.timedelta:
    text = entry.get(key, default)
    try:
        return duration(text)
    except (ValueError, AttributeError):
        raise entry.fail(key, "training.bad_duration", value=repr(text)[:40]) from None


def _event(entry: Entry, config: Configuration, refs: set[str],
           scenario: Scenario) -> ScenarioEvent:
    kind = entry.one_of("kind", EVENT_KINDS)
    required, optional = EVENT_KINDS[kind]
    check_keys(Entry(entry.file, entry.where, {k: v for k, v in entry.data.items()
                                               if k != "kind"}),
               {**required, "at": str}, {**optional, "ref": str, "expect": list})
    at = _duration(entry, "at")
    if at > scenario.ends:
        raise entry.fail("at", "training.after_end", value=entry.get("at"))
    if scenario.events and at < scenario.events[-1].at:
        raise entry.fail("at", "seed.time_order")
    if "case" in required:
        entry.known("case", refs)
    if kind == "report":
        entry.one_of("channel", (c.value for c in Channel))
        entry.known("node", {n.code for n in config.nodes})
    if kind == "unit_step":
        entry.one_of("step", sorted(UNIT_STEPS))
        entry.known("by", {o.login for o in config.officers if o.unit})
        # What the step needs, from the lifecycle table (a 延期 its new date, from the event).
        for needed in transition_for(Action(entry.get("step"))).fields:
            if needed.value not in entry.data:
                raise entry.fail(needed.value, "seed.missing_key")
        if "new_due" in entry.data:
            _duration(entry, "new_due")
    if kind == "verify_fail":  # the community's grid supervisor finds it not done
        entry.known("by", {o.login for o in config.officers if o.role == Role.COMMUNITY.value})
    if kind == "revisit":  # a dispute's revisit, by the community or a colleague on the desk
        entry.known("by", {o.login for o in config.officers
                           if Role(o.role) in REVISITORS and o.login != scenario.trainee})
        entry.one_of("result", (r.value for r in RESULTS[RevisitKind.DISPUTE.value]))
        if "method" in entry.data:
            entry.one_of("method", (m.value for m in RevisitMethod))
    ref = entry.get("ref")
    if ref is not None:
        entry.unique("ref", refs)
        refs.add(ref)
    content = {k: v for k, v in entry.data.items() if k not in ("at", "kind", "ref", "expect")}
    return ScenarioEvent(at, kind, ref, content, tuple(_expectations(entry)))


def _expectations(entry: Entry) -> list[Expectation]:
    found = []
    for number, raw in enumerate(entry.get("expect", []), start=1):
        item = Entry(entry.file, f"{entry.where}.expect[{number}]",
                     raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            raise item.fail(None, "seed.wrong_type", value=repr(raw)[:80])
        check_keys(item, *EXPECT_KEYS)
        if item.get("step") not in STEPS:
            raise item.fail("step", "training.bad_step", value=repr(item.get("step"))[:40])
        points = item.get("points", _POINTS_DEFAULT)
        if isinstance(points, bool) or not 1 <= points <= 100:
            raise item.fail("points", "training.bad_points", value=points)
        within = _duration(item, "within") if item.get("within") is not None else None
        found.append(Expectation(item.get("step"), within, dict(item.get("with", {})), points,
                                 item.get("rule", "")))
    return found


def check(path: Path) -> Scenario | SeedError:
    """`dutydesk train --check`: the scenario, or why it is refused."""
    try:
        return load_scenario(path)
    except SeedError as error:
        return error
