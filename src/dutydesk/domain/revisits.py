"""Revisits (回访): a resolved dispute's plan by risk period and a closed case's satisfaction
call-back — plain rules, no storage.

A plan revisits at its period's cadence; after `stable_to_step_down` stable revisits in a row
the period steps down, and from 常态跟踪期 that ends the plan; a relapse (反弹) steps it up (and
the dispute's colour with it). Due dates fall on working days: a revisit due on a day off moves
to the next working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from dutydesk.domain.disputes import Colour
from dutydesk.domain.lifecycle import DESK_ROLES, Role
from dutydesk.domain.workcalendar import WorkCalendar


class RiskPeriod(StrEnum):
    """Highest risk first."""

    HIGH = "high"  # 高风险期
    MEDIUM = "medium"  # 中风险期
    LOW = "low"  # 低风险期
    NORMAL = "normal"  # 常态跟踪期


PERIODS = tuple(RiskPeriod)
PERIOD_OF_COLOUR = {Colour.RED: RiskPeriod.HIGH, Colour.YELLOW: RiskPeriod.MEDIUM,
                    Colour.BLUE: RiskPeriod.LOW}
COLOUR_OF_PERIOD = {RiskPeriod.HIGH: Colour.RED, RiskPeriod.MEDIUM: Colour.YELLOW,
                    RiskPeriod.LOW: Colour.BLUE, RiskPeriod.NORMAL: Colour.BLUE}


class RevisitKind(StrEnum):
    DISPUTE = "dispute"  # a dispute's plan
    SATISFACTION = "satisfaction"  # 主动电话回访 after closing


class RevisitMethod(StrEnum):
    ON_SITE = "on_site"  # 实地走访
    PHONE = "phone"  # 电话
    WECHAT = "wechat"  # 微信


class RevisitResult(StrEnum):
    STABLE = "stable"  # 稳定
    RELAPSE = "relapse"  # 有反弹
    UNREACHABLE = "unreachable"  # 无法联系
    REACHED = "reached"  # 已联系上: a call-back, whose satisfaction says how it went


# What a revisit of each kind may find: a call-back asks about satisfaction, not stability.
RESULTS: dict[str, tuple[RevisitResult, ...]] = {
    "dispute": (RevisitResult.STABLE, RevisitResult.RELAPSE, RevisitResult.UNREACHABLE),
    "satisfaction": (RevisitResult.REACHED, RevisitResult.UNREACHABLE),
}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意: to the duty chief


class RevisitStatus(StrEnum):
    DUE = "due"
    DONE = "done"
    CANCELLED = "cancelled"  # the case was reopened, or the plan ended otherwise
    WAIVED = "waived"  # missed, and let go by the duty chief with a reason (still late)


@dataclass(frozen=True)
class Cadence:
    """Days between revisits by period (configurable; DOMAIN's defaults), how many stable
    revisits in a row step a period down, and the call-back's limit in working days."""

    days: dict[RiskPeriod, int] = field(default_factory=lambda: {
        RiskPeriod.HIGH: 3, RiskPeriod.MEDIUM: 7, RiskPeriod.LOW: 15, RiskPeriod.NORMAL: 30})
    stable_to_step_down: int = 3
    callback_working_days: int = 3


@dataclass(frozen=True)
class PlanState:
    period: RiskPeriod
    stable_streak: int = 0
    ended: bool = False


def step_plan(state: PlanState, result: RevisitResult, cadence: Cadence) -> PlanState:
    """The plan after one revisit: stable ones count towards stepping down (from 常态 that
    ends it), a relapse steps up one period and starts the count again, and a revisit that
    reached nobody changes nothing."""
    if state.ended:
        return state
    index = PERIODS.index(state.period)
    if result is RevisitResult.RELAPSE:
        return PlanState(PERIODS[max(0, index - 1)], 0)
    if result is RevisitResult.UNREACHABLE:
        return state
    streak = state.stable_streak + 1
    if streak < cadence.stable_to_step_down:
        return PlanState(state.period, streak)
    if state.period is RiskPeriod.NORMAL:
        return PlanState(state.period, streak, ended=True)
    return PlanState(PERIODS[index + 1], 0)


def working_day_on_or_after(day: dt.date, calendar: WorkCalendar) -> dt.date:
    """A revisit due on a day off moves to the next working day."""
    for _ in range(60):  # the longest run of days off is far shorter
        if calendar.is_working(day):
            return day
        day += dt.timedelta(days=1)
    return day


def next_due(after: dt.date, period: RiskPeriod, cadence: Cadence,
             calendar: WorkCalendar) -> dt.date:
    return working_day_on_or_after(after + dt.timedelta(days=cadence.days[period]), calendar)


def callback_due(closed_on: dt.date, cadence: Cadence, calendar: WorkCalendar) -> dt.date:
    """The satisfaction call-back's last day: the given number of working days after closing."""
    day, left = closed_on, cadence.callback_working_days
    while left:
        day += dt.timedelta(days=1)
        if calendar.is_working(day):
            left -= 1
    return day


class RevisitAction(StrEnum):
    RECORD = "record_revisit"  # 记录回访
    RESCHEDULE = "reschedule"  # 改期 (a reason), only before it is late
    REVIEW = "review"  # the duty chief's decision on 不满意 or a relapse
    WAIVE = "waive"  # 免访: a missed revisit let go by the duty chief, with a reason


@dataclass(frozen=True)
class RevisitStep:
    action: RevisitAction
    key: str
    roles: frozenset[Role]
    needs_due: bool = True  # only on a revisit not yet done
    needs_chief_flag: bool = False
    late: bool | None = None  # only on a late revisit (True), only before (False), or either


REVISIT_STEPS = (
    RevisitStep(RevisitAction.RECORD, "r", DESK_ROLES | {Role.COMMUNITY}),
    # 改期 never hides lateness: a late revisit is recorded late, or waived by the chief.
    RevisitStep(RevisitAction.RESCHEDULE, "e", DESK_ROLES | {Role.COMMUNITY}, late=False),
    RevisitStep(RevisitAction.REVIEW, "v", frozenset({Role.DUTY_CHIEF}), needs_due=False,
                needs_chief_flag=True),
    RevisitStep(RevisitAction.WAIVE, "w", frozenset({Role.DUTY_CHIEF}), late=True),
)
REVISIT_STEP = {step.action: step for step in REVISIT_STEPS}


def step_refusal(step: RevisitStep, status: RevisitStatus, awaiting_chief: bool, role: Role,
                 late: bool) -> str | None:
    """Why the table refuses `step` on a revisit in this condition (a catalogue key), or None
    when it allows it."""
    if role not in step.roles:
        return "error.permission"
    if step.needs_due and status is not RevisitStatus.DUE:
        return "revisit.error.not_now"
    if step.needs_chief_flag and not awaiting_chief:
        return "revisit.error.not_now"
    if step.late is not None and step.late != late:
        return "revisit.error.late_reschedule" if late else "revisit.error.not_late"
    return None


def revisit_steps(status: RevisitStatus, awaiting_chief: bool, role: Role,
                  late: bool = False) -> list[RevisitStep]:
    return [step for step in REVISIT_STEPS
            if step_refusal(step, status, awaiting_chief, role, late) is None]
