"""A training run's score card: for each scenario event what was expected, what the trainee did,
when, and the points — read from the training database's event log. A step done but late earns
half its points; a step not done, or another step done instead, none, with the rule it broke."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.i18n import catalogue, language, step_label, t
from dutydesk.scenario.training import Expectation, Scenario, ScenarioEvent
from dutydesk.services import training
from dutydesk.services.context import Desk
from dutydesk.services.training import StepSeen


@dataclass(frozen=True)
class Line:
    event: int  # its number in the scenario, from 1
    what: str  # the event, as the trainee met it
    step: str  # the step expected (the event log's name)
    expected: str
    done: str  # what the trainee did on the item ("" when nothing)
    at: str  # when (local HH:MM), or ""
    points: int
    earned: int
    on_time: bool | None  # None: not done
    reason: str  # why points were lost (the rule), or ""


@dataclass(frozen=True)
class Card:
    title: str
    trainee: str  # name (login)
    ended: str
    earned: int
    points: int
    correct: int  # expectations met
    on_time: int  # of them, within their time
    expected: int
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        return cls(**{**data, "lines": tuple(Line(**line) for line in data["lines"])})


def score(desk: Desk, scenario: Scenario) -> Card:
    """The card as of now: events not yet come earn nothing and say so."""
    fed = training.fed(desk)
    now = desk.clock.now()
    lines = []
    for index, event in enumerate(scenario.events):
        what = event_title(event)
        if index not in fed:
            why = t("training.score.not_come") if scenario.start + event.at > now else None
            lines += [_line(index, what, e, None, None, why or t(
                "training.score.never_happened", waits=_waited_for(event),
                rule=e.rule or _expected_text(e))) for e in event.expect]
            continue
        # Counted from when it happened: its moment in the story, or later when it waited
        # (a unit's 签收 once the case was dispatched to it).
        moment, _ref, item = fed[index]
        seen = [s for s in training.steps_on(desk, item, moment) if s.login == scenario.trainee]
        for expectation in event.expect:
            match = next((s for s in seen if _matches(s, expectation)), None)
            # Other expected steps of the event (签收 before 退回) are not "instead".
            others = [s for s in seen if s.action not in {e.step for e in event.expect}]
            lines.append(_line(index, what, expectation, match, moment, _reason(
                expectation, match, moment, others, seen)))
    met = [line for line in lines if line.on_time is not None]
    trainee = next((f"{o.name}（{o.login}）" for o in scenario.config.officers
                    if o.login == scenario.trainee), scenario.trainee)
    return Card(scenario.title, trainee,
                f"{now.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
                sum(line.earned for line in lines), sum(line.points for line in lines),
                len(met), sum(1 for line in met if line.on_time), len(lines), tuple(lines))


def _matches(step: StepSeen, expectation: Expectation) -> bool:
    if step.action != expectation.step:
        return False
    for key, wanted in expectation.with_.items():
        value = step.payload.get(key)
        if value != wanted and not (isinstance(value, list) and wanted in value):
            return False
    return True


def _line(index: int, what: str, expectation: Expectation, match: StepSeen | None,
          moment: dt.datetime | None, reason: str) -> Line:
    on_time = None if match is None or moment is None else (
        expectation.within is None or match.at - moment <= expectation.within)
    earned = 0 if on_time is None else expectation.points if on_time \
        else expectation.points // 2
    return Line(index + 1, what, expectation.step, _expected_text(expectation),
                step_label(match.action) if match else "",
                _when(match.at, moment) if match and moment else "",
                expectation.points, earned, on_time, reason)


def _when(at: dt.datetime, moment: dt.datetime) -> str:
    """HH:MM, with the day when it was not the event's own."""
    at, moment = at.astimezone(LOCAL_TZ), moment.astimezone(LOCAL_TZ)
    return f"{at:%H:%M}" if at.date() == moment.date() else f"{at:%m-%d %H:%M}"


def _expected_text(expectation: Expectation) -> str:
    text = step_label(expectation.step)
    if expectation.with_:
        text += "（" + "、".join(_value_label(v) for v in expectation.with_.values()) + "）"
    if expectation.within is not None:
        minutes = int(expectation.within.total_seconds() // 60)
        text += t("training.score.within_hours", hours=minutes // 60) if minutes % 60 == 0 \
            else t("training.score.within", minutes=minutes)
    return text


def _value_label(value: Any) -> str:
    """A payload value in words where it is a catalogue code (a colour, an outcome)."""
    for prefix in (("colour",), ("dispute", "outcome"), ("level",)):  # catalogue sections
        key = ".".join((*prefix, str(value)))
        if key in catalogue(language()):
            return t(key)
    return str(value)


def _reason(expectation: Expectation, match: StepSeen | None, moment: dt.datetime,
            others: list[StepSeen], others_and_same: list[StepSeen]) -> str:
    rule = expectation.rule or _expected_text(expectation)
    if match is None:
        unlike = next((s for s in others_and_same if s.action == expectation.step), None)
        if unlike is not None:  # the step, but not as expected (another unit, colour …)
            return t("training.score.unlike", step=step_label(unlike.action), values="、".join(
                _value_label(unlike.payload.get(key, "—")) for key in expectation.with_),
                rule=rule)
        instead = list(dict.fromkeys(step_label(s.action) for s in others))
        return t("training.score.instead", steps="、".join(instead), rule=rule) if instead \
            else t("training.score.missed", rule=rule)
    if expectation.within is not None and match.at - moment > expectation.within:
        late = int((match.at - moment - expectation.within).total_seconds() // 60)
        return t("training.score.late", minutes=late, rule=rule)
    return ""


def _waited_for(event: ScenarioEvent) -> str:
    """What a waiting event needed that never came: the unit's step, the 核查, a revisit due."""
    if event.kind == "unit_step":
        return step_label(event.content["step"])
    if event.kind == "verify_fail":
        return step_label("verify")
    return t("training.score.revisit_due")


def event_title(event: ScenarioEvent) -> str:
    """The event as the trainee meets it: its kind and what it says (a revisit: what it found)."""
    content = event.content
    if event.kind == "revisit":
        return f"{t('training.kind.revisit')} · {t('revisit.result.' + content['result'])}"
    text = content.get("summary") or content.get("number") or ""
    return f"{t('training.kind.' + event.kind)} {text}".strip()


def card_tables(card: Card) -> tuple[str, str, list]:
    """The card as the statistics reports are written: a title, an as-of line, and its table
    (Markdown, XLSX or CSV through reports.writers.write_tables)."""
    from dutydesk.reports.tables import Column, Kind, Table

    columns = (Column(t("training.card.event"), Kind.TEXT),
               Column(t("training.card.expected"), Kind.TEXT),
               Column(t("training.card.done"), Kind.TEXT), Column(t("training.card.at"), Kind.TEXT),
               Column(t("training.card.earned")), Column(t("training.card.points")),
               Column(t("training.card.reason"), Kind.TEXT))
    rows = [(f"{line.event}. {line.what}", line.expected, line.done or "—", line.at or "—",
             line.earned, line.points, line.reason or "✓") for line in card.lines]
    title = t("training.card.title", title=card.title)
    made = t("training.card.made", trainee=card.trainee, ended=card.ended, earned=card.earned,
             points=card.points, correct=card.correct, expected=card.expected,
             on_time=card.on_time)
    return title, made, [Table("card", t("training.card.sheet"), columns, rows)]
