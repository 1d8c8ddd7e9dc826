"""The settings a desk runs by (written into its database from settings.toml when it is made):
timers, the supervision ladder, the 110 desk's, the dispute board's, the revisit cadence, the
shifts, claims and privacy. Plain types; reading and checking the TOML is `config.reading`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from dutydesk.domain.claims import DEFAULT_IDLE
from dutydesk.domain.deadlines import TimeLimit, TimeUnit, WorkingHours
from dutydesk.domain.disputes import (
    CONFIRM_WINDOW_DAYS, DEFAULT_CHECKLIST, Colour, FactThresholds, RiskFactor,
)
from dutydesk.domain.duty import DEFAULT_SHIFTS, Shift
from dutydesk.domain.personal import Masks
from dutydesk.domain.revisits import Cadence, RiskPeriod
from dutydesk.domain.supervision import Ladder
from dutydesk.domain.text import TextLimits


@dataclass(frozen=True)
class PoliceRules:
    """The 110 desk's configuration: its timers, the danger words, and how 110's categories
    map onto the desk's (seed/settings.toml [police])."""

    sign_limit: TimeLimit = TimeLimit(10, TimeUnit.NATURAL_MINUTES)
    feedback_limit: TimeLimit = TimeLimit(24, TimeUnit.NATURAL_HOURS)
    danger_terms: tuple[str, ...] = ("持刀", "打人", "自杀", "轻生", "跳楼", "着火", "燃气泄漏")
    categories: dict[str, str] = field(default_factory=dict)  # 110 category -> category code
    danger_exclusions: tuple[str, ...] = ()  # phrases that only look like danger (宠物走失)
    decide_limit: TimeLimit = TimeLimit(30, TimeUnit.NATURAL_MINUTES)  # 待分流: 签收 to decision
    contact_limit: TimeLimit = TimeLimit(1, TimeUnit.NATURAL_HOURS)  # 分流 to the first contact
    police_units: tuple[str, ...] = ()  # never suggested for a call diverted from the police

    def to_dict(self) -> dict:
        return {"sign_limit": [self.sign_limit.amount, self.sign_limit.unit.value],
                "feedback_limit": [self.feedback_limit.amount, self.feedback_limit.unit.value],
                "danger_terms": list(self.danger_terms), "categories": self.categories,
                "danger_exclusions": list(self.danger_exclusions),
                "decide_limit": [self.decide_limit.amount, self.decide_limit.unit.value],
                "contact_limit": [self.contact_limit.amount, self.contact_limit.unit.value],
                "police_units": list(self.police_units)}

    @classmethod
    def from_dict(cls, data: dict) -> PoliceRules:
        def limit(key: str) -> TimeLimit:
            return TimeLimit(data[key][0], TimeUnit(data[key][1])) if key in data \
                else getattr(cls, key)

        return cls(limit("sign_limit"), limit("feedback_limit"),
                   tuple(data["danger_terms"]), dict(data["categories"]),
                   tuple(data.get("danger_exclusions", ())), limit("decide_limit"),
                   limit("contact_limit"), tuple(data.get("police_units", ())))


@dataclass(frozen=True)
class BoardColumn:
    """A column of the three-colour board: its names and its colour (configuration)."""

    name: str
    name_en: str
    style: str

    def text(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


DEFAULT_COLUMNS = {
    Colour.RED: BoardColumn("红色 · 高风险", "Red · high risk", "#ff8787"),
    Colour.YELLOW: BoardColumn("黄色 · 中风险", "Yellow · medium risk", "#ffd75f"),
    Colour.BLUE: BoardColumn("蓝色 · 低风险", "Blue · low risk", "#87afff"),
}


@dataclass(frozen=True)
class DisputeRules:
    """The dispute board's configuration (seed/settings.toml [disputes]): the risk checklist,
    the columns, the report-back limit after a 吹哨, the 司法确认 window and the mediation
    teams."""

    checklist: tuple[RiskFactor, ...] = DEFAULT_CHECKLIST
    columns: dict[Colour, BoardColumn] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    whistle_limit: TimeLimit = TimeLimit(3, TimeUnit.WORKING_DAYS)
    confirm_days: int = CONFIRM_WINDOW_DAYS
    teams: tuple[str, ...] = ()
    category_types: dict[str, str] = field(default_factory=dict)  # category -> DisputeType
    facts: FactThresholds = field(default_factory=FactThresholds)  # facts that are factors

    def to_dict(self) -> dict:
        return {
            "checklist": [[f.code, f.label, f.colour.value, f.label_en] for f in self.checklist],
            "columns": {c.value: [col.name, col.name_en, col.style]
                        for c, col in self.columns.items()},
            "whistle_limit": [self.whistle_limit.amount, self.whistle_limit.unit.value],
            "confirm_days": self.confirm_days, "teams": list(self.teams),
            "category_types": self.category_types,
            "facts": [self.facts.group_people, self.facts.large_sum_fen],
        }

    @classmethod
    def from_dict(cls, data: dict) -> DisputeRules:
        return cls(
            tuple(RiskFactor(code, label, Colour(colour), label_en)
                  for code, label, colour, label_en in data["checklist"]),
            {Colour(c): BoardColumn(*col) for c, col in data["columns"].items()},
            TimeLimit(data["whistle_limit"][0], TimeUnit(data["whistle_limit"][1])),
            int(data["confirm_days"]), tuple(data["teams"]), dict(data["category_types"]),
            FactThresholds(*data["facts"]) if "facts" in data else FactThresholds())


def cadence_to_dict(cadence: Cadence) -> dict:
    return {"days": {p.value: n for p, n in cadence.days.items()},
            "stable_to_step_down": cadence.stable_to_step_down,
            "callback_working_days": cadence.callback_working_days}


def cadence_from_dict(data: dict) -> Cadence:
    days = {RiskPeriod(p): int(n) for p, n in data["days"].items()}
    if set(days) != set(RiskPeriod) or min(days.values()) < 1:
        raise ValueError("a cadence needs every period, each at least one day")
    steps, callback = int(data["stable_to_step_down"]), int(data["callback_working_days"])
    if steps < 1 or callback < 1:
        raise ValueError("stable_to_step_down and callback_working_days must be at least 1")
    return Cadence(days, steps, callback)


@dataclass(frozen=True)
class Settings:
    """Per-database configuration, written from seed/settings.toml when a database is built."""

    ack_limit: TimeLimit = TimeLimit(2, TimeUnit.WORKING_HOURS)  # natural hours for 24-h units
    verify_limit: TimeLimit = TimeLimit(1, TimeUnit.WORKING_DAYS)  # the desk's 核查 after 回告
    close_limit: TimeLimit = TimeLimit(1, TimeUnit.WORKING_DAYS)  # the desk's 结案 after 核查
    ladder: Ladder = field(default_factory=Ladder)
    due_soon_fraction: float = 0.8
    office_hours: WorkingHours = field(default_factory=WorkingHours)
    is_demo: bool = False
    limits: TextLimits = field(default_factory=TextLimits)
    police: PoliceRules = field(default_factory=lambda: PoliceRules())
    disputes: DisputeRules = field(default_factory=lambda: DisputeRules())
    revisits: Cadence = field(default_factory=Cadence)
    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS
    # A handover sheet made this soon after a shift's end is still the outgoing shift's.
    handover_grace: dt.timedelta = dt.timedelta(minutes=30)
    claim_idle: dt.timedelta = DEFAULT_IDLE  # a claim left this long unused lapses
    phone_roles: frozenset[str] = frozenset()  # roles shown phones in full (others: masked)
    masks: Masks = Masks()  # how much of a phone or ID number lists and exports keep

    def to_json(self) -> str:
        return json.dumps({
            "ack_limit": [self.ack_limit.amount, self.ack_limit.unit.value],
            "verify_limit": [self.verify_limit.amount, self.verify_limit.unit.value],
            "close_limit": [self.close_limit.amount, self.close_limit.unit.value],
            "ladder": [self.ladder.chase_at.strftime("%H:%M"),
                       self.ladder.circulate_after_working_days],
            "due_soon_fraction": self.due_soon_fraction,
            "office_hours": [[a.strftime("%H:%M"), b.strftime("%H:%M")]
                             for a, b in self.office_hours.periods],
            "is_demo": self.is_demo,
            "limits": vars(self.limits),
            "police": self.police.to_dict(),
            "disputes": self.disputes.to_dict(),
            "revisits": cadence_to_dict(self.revisits),
            "shifts": [[s.code, s.name, s.start.strftime("%H:%M"), s.end.strftime("%H:%M"),
                        s.name_en] for s in self.shifts],
            "handover_grace_minutes": self.handover_grace.total_seconds() / 60,
            "claim_idle_minutes": self.claim_idle.total_seconds() / 60,
            "phone_roles": sorted(self.phone_roles),
            "masks": vars(self.masks),
        })

    @classmethod
    def from_json(cls, raw: str | None) -> Settings:
        if not raw:
            return cls()
        data = json.loads(raw)
        defaults = cls()

        def limit(key: str) -> TimeLimit:
            return TimeLimit(data[key][0], TimeUnit(data[key][1])) if key in data \
                else getattr(defaults, key)

        ladder = data.get("ladder")
        return cls(
            ack_limit=limit("ack_limit"), verify_limit=limit("verify_limit"),
            close_limit=limit("close_limit"),
            ladder=Ladder(dt.time.fromisoformat(ladder[0]), int(ladder[1])) if ladder
            else defaults.ladder,
            due_soon_fraction=float(data["due_soon_fraction"]),
            office_hours=WorkingHours(tuple(
                (dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                for a, b in data["office_hours"])),
            is_demo=bool(data.get("is_demo", False)),
            limits=TextLimits(**data.get("limits", {})),
            police=PoliceRules.from_dict(data["police"]) if "police" in data
            else defaults.police,
            disputes=DisputeRules.from_dict(data["disputes"]) if "disputes" in data
            else defaults.disputes,
            revisits=cadence_from_dict(data["revisits"]) if "revisits" in data
            else defaults.revisits,
            shifts=tuple(Shift(code, name, dt.time.fromisoformat(a), dt.time.fromisoformat(b),
                               en) for code, name, a, b, en in data["shifts"])
            if "shifts" in data else defaults.shifts,
            handover_grace=dt.timedelta(minutes=data["handover_grace_minutes"])
            if "handover_grace_minutes" in data else defaults.handover_grace,
            claim_idle=dt.timedelta(minutes=data["claim_idle_minutes"])
            if "claim_idle_minutes" in data else defaults.claim_idle,
            phone_roles=frozenset(data.get("phone_roles", ())),
            masks=Masks(**data["masks"]) if "masks" in data else defaults.masks,
        )
