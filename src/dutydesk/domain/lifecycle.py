"""The case lifecycle as one declarative table.

Menus, key bindings, permission checks, the "mine" filter and the tests are all derived from
`TRANSITIONS`; change a rule here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    DUTY_CHIEF = "duty_chief"
    COMMUNITY = "community"
    UNIT = "unit"
    ADMIN = "admin"


DESK_ROLES = frozenset({Role.OFFICER, Role.DUTY_CHIEF})


class Channel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    GRID_REPORT = "grid_report"
    POLICE_110 = "police_110"
    HOTLINE_12345 = "hotline_12345"
    QR_CODE = "qr_code"
    CAMERA_ALERT = "camera_alert"
    ASSIGNED = "assigned"


class CaseState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    FILED = "filed"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    VERIFIED = "verified"
    CLOSED = "closed"


END_STATES = frozenset({CaseState.REJECTED, CaseState.MERGED, CaseState.CLOSED})
OPEN_STATES = frozenset(CaseState) - END_STATES
# States in which the unit's clock runs (签收时限, 办结时限); it stops at 回告.
UNIT_CLOCK_STATES = frozenset({CaseState.DISPATCHED, CaseState.IN_PROGRESS})


class Level(StrEnum):
    """The escalation ladder: 楼栋 → 网格 → 社区 → 街道 → 区 → 市 (seeds/003 五会: "小事不出网格、
    大事不出社区、难事不出街道")."""

    BUILDING = "building"
    GRID = "grid"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    CITY = "city"


LADDER = (Level.BUILDING, Level.GRID, Level.COMMUNITY, Level.STREET, Level.DISTRICT, Level.CITY)


def level_of_node(kind: str) -> Level:
    """Where a case starts on the ladder: at the level of its place (a district's case is the
    district's from the start; a grid's, or a building's in it, the grid's)."""
    own = (Level.COMMUNITY, Level.STREET, Level.DISTRICT, Level.CITY)
    return Level(kind) if kind in own else Level.GRID


def next_level(level: Level) -> Level | None:
    index = LADDER.index(level)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    RESOLVE = "resolve"
    FILE = "file"
    DISPATCH = "dispatch"
    ACKNOWLEDGE = "acknowledge"
    RETURN = "return_"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    REPLY = "reply"
    VERIFY = "verify"
    VERIFY_FAIL = "verify_fail"
    CLOSE = "close"
    REOPEN = "reopen"
    URGE = "urge"
    ESCALATE = "escalate"
    EXPEDITE = "expedite"
    # A co-unit's own part in 联合处置 (the case's state does not change).
    CO_ACKNOWLEDGE = "co_acknowledge"
    CO_REPLY = "co_reply"
    CO_RETURN = "co_return"


class Field(StrEnum):
    """Inputs an action needs from the user, beyond the case itself."""

    REASON = "reason"
    CATEGORY = "category"
    NODE = "node"
    MERGE_INTO = "merge_into"
    LEAD_UNIT = "lead_unit"
    CO_UNITS = "co_units"
    NEW_DUE = "new_due"
    RESULT = "result"
    EVIDENCE = "evidence"
    NOTE = "note"


class Guard(StrEnum):
    """Conditions on the case beyond its state."""

    NONE = "none"
    EXTENSION_PENDING = "extension_pending"
    EXTENSION_ALLOWED = "extension_allowed"  # before the deadline, none pending
    CAN_ESCALATE = "can_escalate"
    HAS_DEADLINE = "has_deadline"
    PART_NOT_ACKNOWLEDGED = "part_not_acknowledged"
    PART_ACKNOWLEDGED = "part_acknowledged"  # and not yet replied
    PART_OPEN = "part_open"  # not yet replied


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[CaseState]
    target: CaseState | None  # None: the state does not change
    roles: frozenset[Role]
    key: str  # the key that performs it in the TUI
    fields: tuple[Field, ...] = ()
    optional: tuple[Field, ...] = ()
    on_behalf_roles: frozenset[Role] = frozenset()  # desk may record it for these roles (代录)
    guard: Guard = Guard.NONE
    counts_redo: bool = False  # 重办: counted against the case and its unit
    part: bool = False  # acts on the acting co-unit's own part, not on the lead's case
    gives_result: bool = False  # the case's result is known (110's feedback clock starts)

    @property
    def reason_required(self) -> bool:
        return Field.REASON in self.fields

    def allows(self, role: Role) -> bool:
        """May `role` perform this action, directly or by recording it on someone's behalf?"""
        if role in self.roles:
            return True
        return role in DESK_ROLES and bool(self.on_behalf_roles)

    def needs_on_behalf(self, role: Role) -> bool:
        return role not in self.roles and role in DESK_ROLES and bool(self.on_behalf_roles)


def _roles(*roles: Role) -> frozenset[Role]:
    # The duty chief may do all an officer may.
    result = set(roles)
    if Role.OFFICER in result:
        result.add(Role.DUTY_CHIEF)
    return frozenset(result)


S = CaseState
_UNIT = frozenset({Role.UNIT})
_COMMUNITY = frozenset({Role.COMMUNITY})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.ACCEPT, frozenset({S.NEW}), S.ACCEPTED, _roles(Role.OFFICER), "a",
               fields=(Field.CATEGORY, Field.NODE)),
    Transition(Action.REJECT, frozenset({S.NEW}), S.REJECTED, _roles(Role.OFFICER), "x",
               fields=(Field.REASON,)),
    Transition(Action.MERGE, frozenset({S.NEW, S.ACCEPTED}), S.MERGED, _roles(Role.OFFICER), "m",
               fields=(Field.MERGE_INTO,)),
    Transition(Action.RESOLVE, frozenset({S.ACCEPTED}), S.CLOSED, _roles(Role.OFFICER), "j",
               fields=(Field.RESULT,), gives_result=True),
    Transition(Action.FILE, frozenset({S.ACCEPTED}), S.FILED, _roles(Role.DUTY_CHIEF), "f"),
    # A reason is needed only for a lead unit that does not handle the category in that place.
    Transition(Action.DISPATCH, frozenset({S.FILED}), S.DISPATCHED, _roles(Role.OFFICER), "p",
               fields=(Field.LEAD_UNIT,), optional=(Field.CO_UNITS, Field.REASON)),
    Transition(Action.ACKNOWLEDGE, frozenset({S.DISPATCHED}), S.IN_PROGRESS, _UNIT, "k",
               on_behalf_roles=_UNIT),
    Transition(Action.RETURN, frozenset({S.DISPATCHED}), S.FILED, _UNIT, "b",
               fields=(Field.REASON,), on_behalf_roles=_UNIT),
    Transition(Action.REQUEST_EXTENSION, frozenset({S.IN_PROGRESS}), None, _UNIT, "e",
               fields=(Field.NEW_DUE, Field.REASON), on_behalf_roles=_UNIT,
               guard=Guard.EXTENSION_ALLOWED),
    Transition(Action.APPROVE_EXTENSION, frozenset({S.IN_PROGRESS}), None,
               _roles(Role.DUTY_CHIEF), "g", guard=Guard.EXTENSION_PENDING),
    Transition(Action.REFUSE_EXTENSION, frozenset({S.IN_PROGRESS}), None,
               _roles(Role.DUTY_CHIEF), "G", fields=(Field.REASON,),
               guard=Guard.EXTENSION_PENDING),
    # The lead's 回告 needs every co-unit's part, or a reason (checked by the service).
    Transition(Action.REPLY, frozenset({S.IN_PROGRESS}), S.REPLIED, _UNIT, "r",
               fields=(Field.RESULT,), optional=(Field.EVIDENCE, Field.REASON),
               on_behalf_roles=_UNIT, gives_result=True),
    Transition(Action.VERIFY, frozenset({S.REPLIED}), S.VERIFIED, _COMMUNITY, "v",
               optional=(Field.NOTE,), on_behalf_roles=_COMMUNITY),
    Transition(Action.VERIFY_FAIL, frozenset({S.REPLIED}), S.IN_PROGRESS, _COMMUNITY, "V",
               fields=(Field.REASON,), on_behalf_roles=_COMMUNITY, counts_redo=True),
    Transition(Action.CLOSE, frozenset({S.VERIFIED}), S.CLOSED, _roles(Role.DUTY_CHIEF), "c",
               gives_result=True),
    Transition(Action.REOPEN, frozenset({S.CLOSED}), S.FILED, _roles(Role.DUTY_CHIEF), "o",
               fields=(Field.REASON,), counts_redo=True),
    # 督办 only where someone else must act: the unit (派单, 处置中) or the checker (已回告).
    Transition(Action.URGE, frozenset({S.DISPATCHED, S.IN_PROGRESS, S.REPLIED}), None,
               _roles(Role.OFFICER), "u", optional=(Field.NOTE,)),
    Transition(Action.ESCALATE, OPEN_STATES, None, _roles(Role.OFFICER), "t",
               fields=(Field.REASON,), guard=Guard.CAN_ESCALATE),
    Transition(Action.CO_ACKNOWLEDGE, frozenset({S.DISPATCHED, S.IN_PROGRESS}), None, _UNIT,
               "K", guard=Guard.PART_NOT_ACKNOWLEDGED, part=True),
    Transition(Action.CO_REPLY, frozenset({S.DISPATCHED, S.IN_PROGRESS}), None, _UNIT, "R",
               fields=(Field.RESULT,), optional=(Field.EVIDENCE,),
               guard=Guard.PART_ACKNOWLEDGED, part=True),
    Transition(Action.CO_RETURN, frozenset({S.DISPATCHED, S.IN_PROGRESS}), None, _UNIT, "B",
               fields=(Field.REASON,), guard=Guard.PART_OPEN, part=True),
    # 加急: an urgent case gets an earlier 办结时限 than its category's, with a reason.
    Transition(Action.EXPEDITE, frozenset({S.DISPATCHED, S.IN_PROGRESS}), None,
               _roles(Role.OFFICER), "h", fields=(Field.NEW_DUE, Field.REASON),
               guard=Guard.HAS_DEADLINE),
)

BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


def transition_for(action: Action) -> Transition:
    return BY_ACTION[action]


def available_actions(state: CaseState, role: Role) -> list[Transition]:
    """Actions whose source state and role fit (guards are checked against the case later)."""
    return [t for t in TRANSITIONS if state in t.sources and t.allows(role)]


def redo_actions() -> tuple[str, ...]:
    """The steps that count as 重办 (核查不通过 and 重新打开): one rule for the case's count,
    its detail and the statistics."""
    return tuple(t.action.value for t in TRANSITIONS if t.counts_redo)


def states_needing(role: Role) -> frozenset[CaseState]:
    """States in which `role` itself has a state-changing step to take: the "mine" queue."""
    return frozenset(
        state
        for t in TRANSITIONS
        if t.target is not None and role in t.roles
        for state in t.sources
        if state in OPEN_STATES
    )


def part_states() -> frozenset[CaseState]:
    """States in which a co-unit's open part is its work (its "mine" queue)."""
    return frozenset(state for t in TRANSITIONS if t.part for state in t.sources)


def decides_extensions(role: Role) -> bool:
    """Whether `role` has extension requests to decide (they belong in its "mine" queue)."""
    return any(t.guard is Guard.EXTENSION_PENDING and role in t.roles for t in TRANSITIONS)


@dataclass(frozen=True)
class PartFacts:
    """The acting unit's own co-unit part of a case, if it has one."""

    acknowledged: bool
    replied: bool


@dataclass(frozen=True)
class CaseFacts:
    """What the guards look at, as plain values."""

    state: CaseState
    level: Level
    due_at: object | None  # an aware datetime
    extension_pending: bool
    part: PartFacts | None = None


def guard_refusal(transition: Transition, facts: CaseFacts, now: object) -> str | None:
    """The catalogue key saying why the guard refuses, or None when it allows."""
    match transition.guard:
        case Guard.EXTENSION_PENDING if not facts.extension_pending:
            return "error.no_extension_pending"
        case Guard.EXTENSION_ALLOWED if facts.extension_pending:
            return "error.extension_pending"
        case Guard.EXTENSION_ALLOWED if facts.due_at is not None and now >= facts.due_at:
            return "error.extension_after_due"
        case Guard.CAN_ESCALATE if next_level(facts.level) is None:
            return "error.top_level"
        case Guard.HAS_DEADLINE if facts.due_at is None:
            return "error.no_deadline"
        case Guard.PART_NOT_ACKNOWLEDGED if facts.part is None or facts.part.acknowledged:
            return "error.part_acknowledged"
        case Guard.PART_ACKNOWLEDGED if facts.part is None or not facts.part.acknowledged \
                or facts.part.replied:
            return "error.part_not_acknowledged"
        case Guard.PART_OPEN if facts.part is None or facts.part.replied:
            return "error.part_replied"
    return None


ROLE_REFUSAL = "error.role_only"  # the one refusal that is about who, not about the case


def refusal(transition: Transition, facts: CaseFacts, role: Role, now: object) -> str | None:
    """The catalogue key saying why `role` may not take this step on a case with these facts
    now, from the table's own columns in their order — who (roles), then when (sources), then
    the condition (guard) — or None when it may. One rule for the menu, the refused key and
    the service."""
    if not transition.allows(role):
        return ROLE_REFUSAL
    if facts.state not in transition.sources:
        return "error.transition"
    return guard_refusal(transition, facts, now)


def permitted_actions(facts: CaseFacts, role: Role, now: object) -> list[Transition]:
    """Actions `role` may take on a case with these facts right now: the UI's menu."""
    return [t for t in TRANSITIONS if refusal(t, facts, role, now) is None]
