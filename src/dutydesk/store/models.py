"""SQLModel tables. Indexes follow the queue's filters and its (created_at, id) order."""

import datetime as dt
from typing import Any

from sqlalchemy import Column, Index, Integer, Text, text
from sqlalchemy.orm import declared_attr
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from dutydesk.domain.lifecycle import OPEN_STATES, redo_actions
from dutydesk.store.types import UTCDateTime

SCHEMA_VERSION = 13  # Alembic's head revision (store/migrations), 0013

# The steps the statistics count from the log (退单, 重办): a query names the same clause so that
# SQLite sees it may read the small partial index.
STAT_STEPS_SQL = "action IN ({})".format(
    ", ".join(f"'{a}'" for a in ("return_", *redo_actions())))  # table order: as indexed

# A co-unit's part of a case (not its lead): queries name the clause as the partial index does.
PARTS_SQL = "lead = 0"

OPEN_STATES_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES)))


# An index that says this is partial on both engines; store/postgres.py gives PostgreSQL its
# clause (the SQLite one), since naming a `postgresql_` option here would load that dialect at
# every start (15 ms) for the desks on a file too.
PARTIAL_ON_BOTH = "partial_on_both"


def _open_work(name: str, *columns: str) -> Index:
    """An index of the open cases alone, on both engines."""
    return Index(name, *columns, sqlite_where=text(OPEN_STATES_SQL),
                 info={PARTIAL_ON_BOTH: True})


class _Table(SQLModel):
    """Every table's base. Pydantic's validators are built when first used, not at import:
    rows are made by the services and read from the database, and most classes never need
    them (importing the 25 tables: 94 -> 78 ms median; the annotations are plain, not
    postponed, for the same reason: nothing to evaluate from strings)."""

    model_config = ConfigDict(defer_build=True)


class Meta(_Table, table=True):
    key: str = Field(primary_key=True)
    value: str


class Node(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    kind: str  # district / street / community / grid
    parent_id: int | None = Field(default=None, foreign_key="node.id", index=True)
    street_id: int | None = Field(default=None)  # the street it lies in (itself for a street)
    community_id: int | None = Field(default=None)  # the responsible community (飞地 included)
    aliases: str = "[]"  # JSON: road, 小区 and building names that place an address here


class Category(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    limit_amount: int
    limit_unit: str
    is_dispute: bool = False


class Unit(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    node_id: int = Field(foreign_key="node.id")
    round_the_clock: bool = False  # on duty day and night (派出所, 消防, 交警): 签收 in natural hours


class UnitCategory(_Table, table=True):
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    category_id: int = Field(foreign_key="category.id", primary_key=True)


class Contact(_Table, table=True):
    """A person at a unit or a community whose step the desk may record on their behalf (代录):
    a liaison who phones answers in, a grid supervisor who checks a site."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    node_id: int | None = Field(default=None, foreign_key="node.id", index=True)


class Officer(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True)
    name: str
    role: str
    node_id: int = Field(foreign_key="node.id")  # scope
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = True


class Case(_Table, table=True):
    __tablename__ = "case_"
    __table_args__ = (
        Index("ix_case_created", "created_at", "id"),
        Index("ix_case_state_created", "state", "created_at", "id"),
        Index("ix_case_channel_created", "channel", "created_at", "id"),
        Index("ix_case_node_created", "node_id", "created_at", "id"),
        Index("ix_case_community_created", "community_id", "created_at", "id"),
        Index("ix_case_street_created", "street_id", "created_at", "id"),
        Index("ix_case_open_created", "created_at", "id", sqlite_where=text(OPEN_STATES_SQL)),
        Index("ix_case_open_due", "due_at", sqlite_where=text(OPEN_STATES_SQL)),
        # Counting a place's open work ("mine", new, overdue) reads only the open rows, from
        # the index alone: its deadlines are in it (超期 at 1M cases 63 -> 2.6 ms), and the
        # extension requests the duty chief decides (the chief's "mine" 22 -> 4 ms).
        _open_work("ix_case_open_street_work", "street_id", "state", "due_at", "ack_due_at",
                   "extension_due_at"),
        _open_work("ix_case_open_community_work", "community_id", "state", "due_at",
                   "ack_due_at", "extension_due_at"),
        # A place's open work newest first (a street's or community's 待我处理): walked in
        # order, where (place, state) sorted every open row of the place for one page.
        _open_work("ix_case_open_street_created", "street_id", "created_at", "id"),
        _open_work("ix_case_open_community_created", "community_id", "created_at", "id"),
        Index("ix_case_merged_into", "merged_into_id"),  # a survivor's merged duplicates
        # 超期 in a period: units still running late, and units that stopped their clock
        Index("ix_case_unit_open", "unit_due_at",
              sqlite_where=text("unit_replied_at IS NULL AND unit_due_at IS NOT NULL")),
        Index("ix_case_unit_replied", "unit_replied_at", "unit_due_at", "street_id",
              "community_id", "node_id", "lead_unit_id"),  # covering, as the others
        # The statistics count milestones in a period, by place and unit, from these alone.
        Index("ix_case_stat_filed", "filed_at", "street_id", "community_id", "node_id"),
        Index("ix_case_stat_dispatched", "dispatched_at", "street_id", "community_id", "node_id",
              "lead_unit_id"),
        Index("ix_case_stat_closed", "closed_at", "street_id", "community_id", "node_id",
              "lead_unit_id", "closed_on_time", "dispatched_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    state: str
    category_id: int | None = Field(default=None, foreign_key="category.id")
    node_id: int | None = Field(default=None, foreign_key="node.id")
    community_id: int | None = Field(default=None)
    street_id: int | None = Field(default=None)
    summary: str
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""  # E.164
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Milestones the statistics count: the first 立案 and 派单, and whether the unit's 回告
    # behind the latest 结案 was in time (None: not closed, or closed without a unit).
    filed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispatched_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_on_time: bool | None = None
    ack_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    ack_unit: str | None = None
    due_start_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_unit: str | None = None
    due_provisional: bool = False
    extension_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The unit's 办结时限 as it last ran, and when the unit's clock stopped (回告, 退单): None
    # while it runs. The desk's own later limits never overwrite them.
    unit_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    unit_replied_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    level: str = "grid"
    redo_count: int = 0
    urge_count: int = 0
    merged_into_id: int | None = Field(default=None, foreign_key="case_.id")
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class CaseUnit(_Table, table=True):
    """A unit a case is dispatched to. It repeats the case's creation time so that a unit's
    queue is read in order from one index, not filtered out of the whole case table."""

    __tablename__ = "case_unit"
    __table_args__ = (Index("ix_case_unit_queue", "unit_id", "created_at", "case_id"),
                      Index("ix_case_unit_parts", "unit_id", "case_id",
                            sqlite_where=text(PARTS_SQL)))

    case_id: int = Field(foreign_key="case_.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    lead: bool = False
    created_at: dt.datetime = Field(sa_type=UTCDateTime)  # the case's, never changes
    # A co-unit's own part (联合处置): signed for, and its 协办回告 recorded.
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    replied_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Event(_Table, table=True):
    """The append-only log: audit trail, case timeline and change feed. Each event's `hash`
    chains it to the one before (store/chain.py); nothing updates or deletes an event."""

    __table_args__ = (
        Index("ix_event_case", "case_id", "id"),
        Index("ix_event_subject", "subject", "id"),  # a 110 transfer's own timeline
        Index("ix_event_stat_steps", "action", "at", "case_id",
              sqlite_where=text(STAT_STEPS_SQL)),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int = Field(foreign_key="officer.id")
    case_id: int | None = Field(default=None, foreign_key="case_.id")
    subject: str
    action: str
    on_behalf_of: str | None = None
    payload: str = "{}"  # JSON
    hash: str | None = None  # SHA-256 over its fields and the previous event's hash


class CalendarYear(_Table, table=True):
    """An administrator's entry of a year's official days off and adjusted working days."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True)
    holidays: str  # JSON list of ISO dates
    workdays: str  # JSON list of ISO dates


class PoliceTransfer(_Table, table=True):
    """A call 110 hands over as not a police matter (非警务警情), and what the desk did with it."""

    __tablename__ = "police_transfer"
    __table_args__ = (Index("ix_police_transfer_state_created", "state", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True)  # 警情编号
    called_at: dt.datetime = Field(sa_type=UTCDateTime)  # 接警时间
    caller: str = ""
    phone: str = ""  # E.164
    address: str = ""
    station: str = ""  # 管辖派出所
    category_110: str = ""  # 110's own category
    summary: str
    danger: str = "[]"  # JSON: the danger words the summary mentions
    state: str
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    sign_due_at: dt.datetime = Field(sa_type=UTCDateTime)
    signed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    diverted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Two clocks after 分流: the first contact with the caller (from 分流), and the result
    # feedback (from `result_at`, when the case's result is known: 回告, 直接办结 or 结案).
    contacted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    result_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    fed_back_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    case_id: int | None = Field(default=None, foreign_key="case_.id")
    import_event_id: int | None = None  # the import event that brought it (its arrival)
    return_reason: str = ""
    feedback: str = ""
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class PoliceCallTotal(_Table, table=True):
    """All 110 calls of a period, as the 110 system reports them: what the share of
    non-police calls is measured against."""

    __tablename__ = "police_call_total"

    first_day: dt.date = Field(primary_key=True)
    last_day: dt.date = Field(primary_key=True)
    total: int


class Dispute(_Table, table=True):
    """A dispute's record on its case (矛盾纠纷): the board is a second way of looking at
    the same cases. Colour changes, sessions and calls-in are in the event log too."""

    __table_args__ = (
        Index("ix_dispute_colour_created", "colour", "created_at", "case_id"),
        Index("ix_dispute_created", "created_at", "case_id"),  # a period's disputes (统计)
    )

    case_id: int = Field(foreign_key="case_.id", primary_key=True)
    type: str  # DisputeType
    colour: str  # Colour
    factors: str = "[]"  # JSON: the checked risk factors' codes
    people: int | None = None  # people involved
    amount_fen: int | None = None  # amount involved, in fen: exact
    mediator: str = ""  # the mediator or team of the latest session
    outcome: str | None = None  # Outcome
    agreement_on: dt.date | None = None  # 调解成功: when the agreement took effect
    confirm_due_on: dt.date | None = None  # the last day to apply for 司法确认
    court: str = ""
    applied_on: dt.date | None = None  # 司法确认: the parties' application
    court_on: dt.date | None = None
    stage: str | None = None  # FamilyStage, for family disputes
    created_at: dt.datetime = Field(sa_type=UTCDateTime)  # the case's: the board's order
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class DisputeParty(_Table, table=True):
    __tablename__ = "dispute_party"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_.id", index=True)
    role: str  # PartyRole
    name: str
    phone: str = ""  # E.164
    id_number: str = ""  # 居民身份证号码, validated


class Mediation(_Table, table=True):
    """One mediation session (调解)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_.id", index=True)
    held_on: dt.date
    mediator: str
    method: str  # Method
    participants: str = ""
    result: str  # SessionResult
    notes: str = ""
    actor_id: int = Field(foreign_key="officer.id")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Whistle(_Table, table=True):
    """A department called in (吹哨) and its answer (报到)."""

    __table_args__ = (Index("ix_whistle_unit_open", "unit_id", "reported_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    reason: str
    called_at: dt.datetime = Field(sa_type=UTCDateTime)
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    reported_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    response: str = ""


class RevisitPlan(_Table, table=True):
    """A resolved dispute's revisit plan: its risk period and how many stable revisits in a
    row it has had (the cadence's state; domain.revisits.step_plan)."""

    __tablename__ = "revisit_plan"

    case_id: int = Field(foreign_key="case_.id", primary_key=True)
    period: str  # RiskPeriod
    stable_streak: int = 0
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Revisit(_Table, table=True):
    """One revisit, due on a working day: of a dispute's plan, or a closed case's call-back."""

    __table_args__ = (
        Index("ix_revisit_status_due", "status", "due_on", "id"),  # the month, overdue
        Index("ix_revisit_day", "due_on", "id"),  # a day's agenda, done or not
        Index("ix_revisit_case", "case_id", "id"),
        Index("ix_revisit_chief", "needs_chief", "reviewed_at"),
        Index("ix_revisit_first_due", "first_due_on", "status", "done_at"),  # on time (统计)
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_.id")
    kind: str  # RevisitKind
    period: str | None = None  # RiskPeriod, for a plan's revisits
    due_on: dt.date
    first_due_on: dt.date | None = None  # as first scheduled: on time is judged against it
    status: str  # RevisitStatus
    assignee_id: int | None = Field(default=None, foreign_key="officer.id")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorder_id: int | None = Field(default=None, foreign_key="officer.id")
    method: str = ""  # RevisitMethod
    result: str = ""  # RevisitResult
    satisfaction: str = ""  # Satisfaction
    notes: str = ""
    needs_chief: bool = False  # 不满意 or a relapse: the duty chief decides
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class RosterEntry(_Table, table=True):
    """Who is on a shift of a day (排班), and who of them is its duty chief."""

    __tablename__ = "roster_entry"

    day: dt.date = Field(primary_key=True)
    shift: str = Field(primary_key=True)  # a configured shift's code
    officer_id: int = Field(foreign_key="officer.id", primary_key=True)
    chief: bool = False


class Handover(_Table, table=True):
    """A handover sheet (交接班): what was open when a shift ended, kept as it was then, and
    who acknowledged it on both sides."""

    __table_args__ = (Index("ix_handover_created", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date  # the ending shift's day
    shift: str
    sheet: str  # JSON: the sheet's sections, frozen at the moment it was made
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: int = Field(foreign_key="officer.id")
    outgoing_by: int | None = Field(default=None, foreign_key="officer.id")
    outgoing_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    incoming_by: int | None = Field(default=None, foreign_key="officer.id")
    incoming_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class SupervisionStep(_Table, table=True):
    """A step of the supervision ladder written for a deadline: each (case, card, deadline)
    once, whichever process saw it first (the primary key makes a second write a no-op)."""

    __tablename__ = "supervision_step"

    case_id: int = Field(foreign_key="case_.id", primary_key=True)
    card: str = Field(primary_key=True)  # Card: yellow 催办, red 通报
    due_at: dt.datetime = Field(sa_type=UTCDateTime, primary_key=True)
    event_id: int = Field(foreign_key="event.id")


class CaseClosure(_Table, table=True):
    """Each closing of a case (结案 or 直接办结) and its reopening (重办), if any: a past period
    is counted as its end saw it, whatever happened since."""

    __tablename__ = "case_closure"
    __table_args__ = (Index("ix_case_closure_case", "case_id", "closed_at", "reopened_at",
                            "on_time"),  # covering: the cohort's join
                      Index("ix_case_closure_closed", "closed_at", "case_id"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_.id")
    closed_at: dt.datetime = Field(sa_type=UTCDateTime)
    reopened_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    on_time: bool | None = None  # the unit's 回告 behind it was in time (None: no unit)


class PartSupervisionStep(_Table, table=True):
    """The ladder's step for a co-unit's late part (联合处置): each (case, co-unit, card,
    deadline) once, like the lead's."""

    __tablename__ = "part_supervision_step"

    case_id: int = Field(foreign_key="case_.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    card: str = Field(primary_key=True)
    due_at: dt.datetime = Field(sa_type=UTCDateTime, primary_key=True)
    event_id: int = Field(foreign_key="event.id")


class Claim(_Table, table=True):
    """认领: who works an item now ("case:12", "transfer:3"); lapses when left idle."""

    subject: str = Field(primary_key=True)
    officer_id: int = Field(foreign_key="officer.id")
    claimed_at: dt.datetime = Field(sa_type=UTCDateTime)
    active_at: dt.datetime = Field(sa_type=UTCDateTime)
