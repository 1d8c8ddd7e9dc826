"""Disputes and the three-colour board (矛盾纠纷 三色分类管控): the words, the grading rule and
the dispute's own table of steps — plain rules, no storage.

A dispute is a case of a dispute category with a record: type, parties, risk factors, colour,
mediation sessions, outcome, departments called in (吹哨). Its colour comes from the checked
risk factors (the configured checklist); the officer may override it with a reason, and a red
dispute is only ever lowered by the duty chief. Escalation up the ladder is the case's own
step (lifecycle 升级), so the board and the queue move the same level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from dutydesk.domain.lifecycle import DESK_ROLES, Role
from dutydesk.domain.workcalendar import WorkCalendar


class DisputeType(StrEnum):
    FAMILY = "family"  # 婚恋家庭
    NEIGHBOUR = "neighbour"  # 邻里
    PROPERTY = "property"  # 物业
    LABOUR = "labour"  # 劳资
    LAND = "land"  # 土地房屋
    DEBT = "debt"  # 债务
    CONSUMER = "consumer"  # 消费
    OTHER = "other"  # 其他


class Colour(StrEnum):
    """Risk, highest first: the board's columns in this order."""

    RED = "red"  # 高风险
    YELLOW = "yellow"  # 中风险
    BLUE = "blue"  # 低风险

    @property
    def rank(self) -> int:
        return {Colour.RED: 3, Colour.YELLOW: 2, Colour.BLUE: 1}[self]


@dataclass(frozen=True)
class RiskFactor:
    """One line of the configured checklist and the colour it calls for when checked."""

    code: str
    label: str  # in Chinese
    colour: Colour
    label_en: str = ""

    def text(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label


# DOMAIN.md's checklist, used where a database's settings predate a configured one.
DEFAULT_CHECKLIST = (
    RiskFactor("violence", "扬言暴力或极端行为", Colour.RED, "Threats of violence or extreme acts"),
    RiskFactor("group", "5人以上群体性", Colour.RED, "Five or more people (group dispute)"),
    RiskFactor("criminal", "可能民转刑", Colour.RED, "Risk of turning criminal"),
    RiskFactor("petitions", "多次信访", Colour.RED, "Repeated petitions"),
    RiskFactor("flare_ups", "反复发作", Colour.YELLOW, "Repeated flare-ups"),
    RiskFactor("vulnerable", "涉未成年人、老年人或精神障碍者", Colour.YELLOW,
               "Minors, elderly or mentally ill parties"),
    RiskFactor("large_sum", "涉及金额较大", Colour.YELLOW, "A large sum involved"),
)


def suggest_colour(checked: Iterable[str], checklist: Sequence[RiskFactor]) -> Colour:
    """The highest colour any checked factor calls for; blue when none is checked."""
    chosen = set(checked)
    colours = [f.colour for f in checklist if f.code in chosen]
    return max(colours, key=lambda c: c.rank, default=Colour.BLUE)


# The recorded facts that are factors by themselves, ticked or not: 涉及人数 at or over the
# group size is 群体性, an amount over the configured sum is 数额较大.
GROUP_FACTOR, LARGE_SUM_FACTOR = "group", "large_sum"


@dataclass(frozen=True)
class FactThresholds:
    group_people: int = 5
    large_sum_fen: int = 100_000 * 100  # ¥100,000


def implied_factors(people: int | None, amount_fen: int | None,
                    thresholds: FactThresholds) -> list[str]:
    """The checklist factors the recorded facts make true."""
    implied = []
    if people is not None and people >= thresholds.group_people:
        implied.append(GROUP_FACTOR)
    if amount_fen is not None and amount_fen > thresholds.large_sum_fen:
        implied.append(LARGE_SUM_FACTOR)
    return implied


def may_set_colour(role: Role, old: Colour | None, new: Colour, suggested: Colour) -> bool:
    """Anyone may grade at or above the checklist; only the duty chief grades below it (with
    a reason) — and only the duty chief lowers a red dispute."""
    if role is Role.DUTY_CHIEF:
        return True
    return new.rank >= suggested.rank and (old is not Colour.RED or new is Colour.RED)


class PartyRole(StrEnum):
    APPLICANT = "applicant"  # 申请人
    RESPONDENT = "respondent"  # 被申请人


class Method(StrEnum):
    ON_SITE = "on_site"  # 现场
    PHONE = "phone"  # 电话
    VIDEO = "video"  # 视频


class SessionResult(StrEnum):
    AGREED = "agreed"  # 达成协议
    PARTIAL = "partial"  # 部分达成
    NONE = "none"  # 未达成


class Outcome(StrEnum):
    MEDIATED = "mediated"  # 调解成功 (an agreement: the 30-day window for 司法确认 opens)
    COURT_CONFIRMED = "court_confirmed"  # 司法确认 (court and date)
    LITIGATION = "litigation"  # 转诉讼
    PETITION = "petition"  # 转信访
    ARBITRATION = "arbitration"  # 转仲裁
    WITHDRAWN = "withdrawn"  # 撤回
    FAILED = "failed"  # 调解失败


# 人民调解法 art. 33: the parties apply jointly within 30 days of the agreement taking effect.
CONFIRM_WINDOW_DAYS = 30


class FamilyStage(StrEnum):
    """Family and marriage disputes move 推送 → 化解 → 关注 → 回访 (seeds/000), by the work done
    on them, never by a free switch."""

    PUSHED = "pushed"  # recorded (建档)
    RESOLVING = "resolving"  # a mediation session held
    WATCHING = "watching"  # resolved (调解成功 / 司法确认): the revisit plan runs
    REVISITING = "revisiting"  # the plan's revisits are being made


FAMILY_STAGES = tuple(FamilyStage)


class StageStep(StrEnum):
    """The work that moves a family dispute on."""

    RECORDED = "recorded"
    MEDIATED = "mediated"
    RESOLVED = "resolved"
    REVISITED = "revisited"


STAGE_AFTER = {
    StageStep.RECORDED: FamilyStage.PUSHED, StageStep.MEDIATED: FamilyStage.RESOLVING,
    StageStep.RESOLVED: FamilyStage.WATCHING, StageStep.REVISITED: FamilyStage.REVISITING,
}


def stage_after(current: FamilyStage | None, step: StageStep) -> FamilyStage:
    """The stage after `step`: the stage that work belongs to, never one already passed."""
    reached = STAGE_AFTER[step]
    if current is not None and FAMILY_STAGES.index(current) > FAMILY_STAGES.index(reached):
        return current
    return reached


class DisputeAction(StrEnum):
    RECORD = "record"  # 建档: type, parties, amounts, risk factors and colour
    REGRADE = "regrade"  # 调整颜色 (checklist, colour, reason)
    MEDIATE = "mediate"  # 记录调解
    OUTCOME = "outcome"  # 调解结果
    WHISTLE = "whistle"  # 吹哨: call departments in, with a report-back deadline
    REPORT = "report"  # 报到: a department answers its whistle
    STAGE = "stage"  # a family dispute's stage set by hand: only in older timelines


_DESK_AND_COMMUNITY = DESK_ROLES | {Role.COMMUNITY}


@dataclass(frozen=True)
class DisputeStep:
    action: DisputeAction
    key: str  # on the dispute board (the case's own keys stay the queue's)
    roles: frozenset[Role]
    fields: tuple[str, ...] = ()  # the form's inputs (建档 has its own form)
    needs_record: bool = True  # only on a graded dispute
    needs_open: bool = True  # not once an outcome ends it (报到 and 建档 excepted)
    any_case: bool = False  # 吹哨报到 serves any hard case, not only disputes


DISPUTE_STEPS: tuple[DisputeStep, ...] = (
    DisputeStep(DisputeAction.RECORD, "d", _DESK_AND_COMMUNITY, needs_record=False,
                needs_open=False),
    DisputeStep(DisputeAction.REGRADE, "g", _DESK_AND_COMMUNITY,
                ("factors", "colour", "reason")),
    DisputeStep(DisputeAction.MEDIATE, "m", _DESK_AND_COMMUNITY,
                ("held_on", "mediator", "method", "result", "participants", "notes")),
    DisputeStep(DisputeAction.OUTCOME, "o", _DESK_AND_COMMUNITY,
                ("outcome", "agreement_on", "applied_on", "court", "court_on", "note")),
    DisputeStep(DisputeAction.WHISTLE, "w", DESK_ROLES, ("units", "reason"), needs_record=False,
                any_case=True),
    DisputeStep(DisputeAction.REPORT, "r", DESK_ROLES | {Role.UNIT}, ("unit", "response"),
                needs_record=False, needs_open=False, any_case=True),
)
DISPUTE_STEP = {step.action: step for step in DISPUTE_STEPS}


@dataclass(frozen=True)
class DisputeFacts:
    """What the table's conditions look at."""

    recorded: bool
    dispute_case: bool  # of a dispute category (others get only the any-case steps: 吹哨报到)
    ended: bool  # an outcome other than 调解成功 awaiting 司法确认 ends the dispute's work
    whistles_open: bool  # a department has yet to report


def dispute_steps(facts: DisputeFacts, role: Role) -> list[DisputeStep]:
    """The steps open to `role` on a dispute in this condition, in table order."""
    steps = []
    for step in DISPUTE_STEPS:
        if role not in step.roles:
            continue
        if not (step.any_case or facts.dispute_case):
            continue
        if step.needs_record and not facts.recorded:
            continue
        if step.needs_open and facts.ended:
            continue
        if step.action is DisputeAction.REPORT and not facts.whistles_open:
            continue
        if step.action is DisputeAction.RECORD and facts.recorded and role is Role.UNIT:
            continue
        steps.append(step)
    return steps


def ends_work(outcome: Outcome) -> bool:
    """Every outcome ends the mediation except 调解成功, which waits for 司法确认 or its window."""
    return outcome is not Outcome.MEDIATED


def confirm_due(agreement_on: dt.date, days: int = CONFIRM_WINDOW_DAYS,
                calendar: WorkCalendar | None = None) -> dt.date:
    """The last day to apply for 司法确认 after an agreement takes effect; a window ending on a
    day off (法定休假日) ends on the first working day after it (民法典 art. 203)."""
    last = agreement_on + dt.timedelta(days=days)
    for _ in range(60):  # the longest run of days off is far shorter
        if calendar is None or calendar.is_working(last):
            break
        last += dt.timedelta(days=1)
    return last


AMOUNT_MAX = Decimal("1000000000000")  # a trillion yuan: beyond any real dispute


class BadAmount(ValueError):
    pass


def parse_amount(raw: str) -> int | None:
    """An amount in yuan (up to two decimals, commas allowed) as whole fen, exactly; None for
    an empty entry; BadAmount for anything else."""
    text = raw.strip().replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadAmount(raw) from None
    if not value.is_finite() or value < 0 or value >= AMOUNT_MAX \
            or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BadAmount(raw)
    return int(value * 100)


def format_amount(fen: int | None) -> str:
    """Whole fen as yuan with two decimals and thousands separators: 1,234.50."""
    if fen is None:
        return ""
    return f"{Decimal(fen) / 100:,.2f}"


def check_id_number(raw: str) -> str:
    """A mainland resident ID number (居民身份证号码) in its compact form, or ValueError: its
    check digit and its birth date must be right (python-stdnum's cn.ric)."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    try:
        return ric.validate(raw)
    except ValidationError as exc:
        raise ValueError(raw) from exc
