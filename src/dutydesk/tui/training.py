"""The desk in a training run: the normal boards, with the run's clock in the title (训练 · 12:05
×10) and three keys for it — F8 pause, F9 faster, F10 on to the next event. The scenario's
events come in as the clock reaches them (a worker feeds them through the services, and the
boards hear of them as of any change); the sweep keeps simulated time. When the run ends its
score card is kept in the training database and shown."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.text import printable
from dutydesk.i18n import t
from dutydesk.clock import TrainingClock
from dutydesk.scenario.runner import Prepared, TrainingRun, open_training
from dutydesk.scenario.training import Scenario
from dutydesk.scenario.scoring import Card, card_tables, event_title, score
from dutydesk.services import training
from dutydesk.services.queue import last_change, reference_choices
from dutydesk.services.sweep import sweep
from dutydesk.tui.app import DutyDeskApp
from dutydesk.tui.messages import FeedChanged

TICK_SECONDS = 0.5  # how often (real time) the run looks for events come due
SPEEDS = (1, 10, 60, 600)  # F9 steps through them


@dataclass
class EventsFed(Message):
    titles: list[str]  # what came in, as the trainee meets it
    last_event_id: int
    over: bool


@dataclass
class RunScored(Message):
    card: Card


def training_app(prepared: Prepared, scenario: Scenario, real: Callable[[], float] = time.monotonic,
                 **options) -> TrainingApp:
    """The app on a prepared training database: its clock from the start, or from where a
    run taken up again had got to; a finished run with its card as it was scored. The caller
    disposes `app.desk.db` once it has run."""
    start = prepared.resume_at or scenario.start
    desk, run = open_training(prepared.path, scenario,
                              TrainingClock(start, scenario.speed, real=real))
    actor = desk.actor(scenario.trainee)
    saved = training.saved_score(desk) if prepared.resume_at else None
    return TrainingApp(desk, actor, reference_choices(desk, actor), run,
                       resumed=prepared.resume_at is not None,
                       scored=Card.from_dict(saved) if saved else None, **options)


class TrainingApp(DutyDeskApp):
    training = True

    def __init__(self, desk, actor, choices, run: TrainingRun, *, resumed: bool = False,
                 scored: Card | None = None, **kwargs) -> None:
        super().__init__(desk, actor, choices, **kwargs)
        self.training_run = run
        self.resumed = resumed  # an earlier run of the scenario, taken up where it was
        self.card: Card | None = scored  # a run that had ended: its card as it was scored
        self._swept_at: dt.datetime | None = None

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)

    def _show_first_board(self) -> None:
        super()._show_first_board()
        self._taken_up()  # over the desk's own first board

    def _taken_up(self) -> None:
        if self.card is not None:
            self.desk.clock.set_paused(True)
            self._clock_changed()
            self.push_screen(ScoreScreen(self.card))
        elif self.resumed:
            at = self.desk.clock.now().astimezone(LOCAL_TZ)
            self.notify(t("training.run.resumed", at=f"{at:%m-%d %H:%M}"), markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("training_"):
            if self.card is not None:
                return False  # the run is over once scored
            # Pausing is always at hand; moving the clock on only from a board, not from
            # under a form being filled in.
            return action == "training_pause" or self.screen in self.boards.values()
        return super().check_action(action, parameters)

    # -- the clock's keys -------------------------------------------------------------------

    def action_training_pause(self) -> None:
        clock = self.desk.clock
        clock.set_paused(not clock.paused)
        self._clock_changed()

    def action_training_speed(self) -> None:
        clock = self.desk.clock
        later = [s for s in SPEEDS if s > clock.speed]
        clock.set_speed(later[0] if later else SPEEDS[0])
        self._clock_changed()

    def action_training_next(self) -> None:
        moment = self.training_run.next_moment or self.training_run.ends
        self.desk.clock.skip_to(moment)
        self._clock_changed()
        self._tick()

    def _clock_changed(self) -> None:
        for title in self.screen.query("TitleBar"):
            title.refresh()

    # -- feeding the run ----------------------------------------------------------------------

    def _tick(self) -> None:
        if self.card is None:
            self._feed()

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def _feed(self) -> None:
        titles = [event_title(event) for event in self.training_run.feed_due()]
        now = self.desk.clock.now()
        if self._swept_at is None or now - self._swept_at >= dt.timedelta(minutes=1):
            sweep(self.desk)  # the ladder on simulated time, as a desk sweeps each minute
            self._swept_at = now
        if titles or self.training_run.over:
            self.post_message(EventsFed(titles, last_change(self.desk), self.training_run.over))

    @on(EventsFed)
    def _events_fed(self, message: EventsFed) -> None:
        if message.titles:
            self.bell()
            self.notify(printable(t("training.run.arrived", what=" · ".join(message.titles))),
                        markup=False)
            # This session wrote them (its own writes do not show in the change feed): every
            # board opened is told, as of a change from elsewhere.
            for screen in self.boards.values():
                if screen.is_mounted:
                    screen.post_message(FeedChanged(message.last_event_id))
        if message.over and self.card is None:
            self._score()

    @work(thread=True, exclusive=True, group="training-score", exit_on_error=False)
    def _score(self) -> None:
        card = score(self.desk, self.training_run.scenario)
        training.record_score(self.desk, self.actor, card.to_dict())
        self.post_message(RunScored(card))

    @on(RunScored)
    def _scored(self, message: RunScored) -> None:
        self.card = message.card
        self.desk.clock.set_paused(True)
        self._clock_changed()
        self.notify(t("training.run.over", earned=message.card.earned,
                      points=message.card.points), markup=False)
        self.push_screen(ScoreScreen(message.card))


class ScoreScreen(ModalScreen):
    """The score card: the totals on top, then each event with what was expected, what was done
    and when, the points, and the rule behind any lost — one expectation a line, its reason in
    full beneath it (at 80 columns too). Esc closes it (the desk stays open to look around)."""

    DEFAULT_CSS = """
    ScoreScreen { align: center middle; }
    ScoreScreen > Vertical {
        width: 100%; height: 100%; max-width: 120; border: round $primary;
        background: $surface; padding: 0 1;
    }
    ScoreScreen #card-head { height: auto; border-bottom: solid $primary; }
    ScoreScreen #card-lines { height: 1fr; }
    ScoreScreen #card-keys { height: 1; color: $text-muted; }
    """
    BINDINGS = [Binding("escape,q", "dismiss", show=False)]

    def __init__(self, card: Card) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        title, made, _tables = card_tables(self.card)
        with Vertical():
            yield Static(Text.assemble((printable(title), "bold"), "\n", printable(made)),
                         id="card-head")
            with VerticalScroll(id="card-lines"):
                yield Static(Group(*_card_lines(self.card)))
            yield Static(t("training.card.keys"), id="card-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#card-lines").focus()  # ↑ ↓ PageUp PageDown scroll it

    def action_dismiss(self) -> None:
        self.dismiss(None)


def _card_lines(card: Card) -> list:
    """Each event once, then each expectation of it: ✓ earned, ! late (half), ✗ lost."""
    shown: list = []
    event = None
    for line in card.lines:
        if line.event != event:
            event = line.event
            shown.append(Text(printable(f"{line.event}. {line.what}"), style="bold",
                              overflow="fold"))
        mark = "✓" if line.earned == line.points else "!" if line.earned else "✗"
        row = Table.grid(padding=(0, 1), expand=True)
        row.add_column(width=3)
        row.add_column(ratio=3, overflow="fold")
        row.add_column(ratio=2, overflow="fold")
        row.add_column(justify="right", no_wrap=True)
        done = f"{line.done} {line.at}" if line.done else "—"
        row.add_row(f" {mark}", printable(line.expected), printable(done),
                    f"{line.earned}/{line.points}")
        shown.append(row)
        if line.reason:
            shown.append(Padding(Text(printable(line.reason), overflow="fold"), (0, 0, 0, 4)))
    return shown
