"""The duty desk application shell: screens, the change feed, help and the command palette."""

from __future__ import annotations

import select
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.screen import Screen
from textual.timer import Timer

from dutydesk import startup
from dutydesk.domain.boards import boards_for
from dutydesk.domain.text import printable
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk
from dutydesk.services.notices import Notice, due_soon, notices_since
from dutydesk.services.police import newest_transfer
from dutydesk.services.sweep import sweep
from dutydesk.services.queue import Choice, last_change
from dutydesk.tui import keys
from dutydesk.tui.commands import QueueCommands
from dutydesk.tui.messages import (
    CountLoaded, DueSoonSeen, FeedChanged, NoticesFound, TransfersSeen,
)
from dutydesk.tui.boards import BOARD
from dutydesk.tui.screens.help import HelpScreen
from dutydesk.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from dutydesk.tui.screens.queue import Opening

FEED_INTERVAL = 0.1  # seconds between change-feed polls (PRAGMA data_version: microseconds)


SWEEP_SECONDS = 60
TERMINAL_CHECK_SECONDS = 2.0
FIRST_SWEEP_LATEST = 3.0  # seconds after start
NOTICES_SHOWN = 3


class DutyDeskApp(ReportsWorkerErrors, App):
    BINDINGS = keys.bindings(keys.APP_KEYS)
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {QueueCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, desk: Desk, actor: Actor, choices: dict[str, list[Choice]],
                 *, feed_interval: float = FEED_INTERVAL, opening: Opening | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.opening = opening  # the queue's first page and counts, when read before the start
        # Read the desk's configuration now, before the event loop: never on the UI thread.
        desk.settings, desk.rules  # noqa: B018
        self.actor = actor
        self.choices = choices
        self.feed_interval = feed_interval
        self.last_event_id: int | None = None
        self.last_transfer_id: int | None = None
        self.due_soon_ids: set[int] | None = None  # None until the first look
        self._feed_version: int | None = None
        self.board_names = boards_for(actor.role)  # the boards this officer works on
        self.boards: dict[str, Screen] = {}  # those opened so far (each keeps its place)
        self._first_sweep: Timer | None = None  # until the first sweep has started
        self._first_board_whole = False
        self.title = t("app.title")

    training = False  # a training run (TrainingApp)

    def on_mount(self) -> None:
        # The first board is pushed once the app's mount is over. Pushed during it, inside
        # Textual's batch of start-up updates, its first drawing was made and dropped, and
        # the next drew only what had changed since: the search field and the detail pane's
        # rule came a frame later.
        self.call_later(self._show_first_board)
        if not self.is_headless:
            self.set_interval(TERMINAL_CHECK_SECONDS, self._end_if_terminal_gone)
        if self.feed_interval > 0:
            self.set_interval(self.feed_interval, self.poll_feed)
            self.poll_feed()
            # The supervision ladder is written by whichever running desk sees it first, and
            # each session looks for its own 临期 on the same minute. The first sweep waits for
            # the first board to be whole — its page, then its counts (at a million cases the
            # sweep reads for half a second, and counts that shared the CPU with it came a
            # quarter of a second late) — and for the change feed's starting point (the cards
            # it writes are then news to this session, announced), or a few seconds.
            self.set_interval(SWEEP_SECONDS, self.run_sweep)
            self._first_sweep = self.set_timer(FIRST_SWEEP_LATEST, self._sweep_first)

    def _end_if_terminal_gone(self) -> None:
        """A desk started without a controlling terminal (a supervisor, setsid) gets no SIGHUP
        when its terminal closes; Textual's reader then sees end of input over and over and
        spins. Everything is saved as it is done: the session ends."""
        if terminal_gone(sys.__stdin__):
            self.exit()

    def _show_first_board(self) -> None:
        opening, self.opening = self.opening, None
        self.push_screen(self._board_screen("queue", opening=opening))

    @on(CountLoaded)  # (bubbled up from the queue, which counts once its page is shown)
    def _board_whole(self) -> None:
        startup.release()  # the session has started: the collector runs again
        self._first_board_whole = True
        if self.last_event_id is not None:
            self._sweep_first()

    def _sweep_first(self) -> None:
        if self._first_sweep is not None:
            self._first_sweep.stop()
            self._first_sweep = None
            self.run_sweep()

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def run_sweep(self) -> None:
        if self.desk.db.writer is not None:  # a read-only session only watches
            sweep(self.desk)
        soon = due_soon(self.desk, self.actor)
        self.post_message(DueSoonSeen(soon))

    @on(DueSoonSeen)
    def _due_soon_seen(self, message: DueSoonSeen) -> None:
        """临期: the bell for cases that turned due-soon since the last look (not for those
        already so when the session began)."""
        soon = message.soon
        previous, self.due_soon_ids = self.due_soon_ids, set(soon)
        fresh = [] if previous is None else [i for i in soon if i not in previous]
        if fresh:
            self._notices_seen([Notice(i, t("notice.due_soon", case=i, summary=soon[i][:30]))
                                for i in fresh])

    @work(thread=True, exclusive=True, group="feed", exit_on_error=False)
    def poll_feed(self) -> None:
        # Only this worker (one at a time: exclusive) touches _feed_version.
        version = self.desk.db.data_version()
        if version != self._feed_version:
            self._feed_version = version
            self.post_message(FeedChanged(last_change(self.desk)))

    @on(FeedChanged)
    def _feed(self, message: FeedChanged) -> None:
        previous, self.last_event_id = self.last_event_id, message.last_event_id
        if previous is None and self._first_board_whole:
            self._sweep_first()
        if previous is None and "police" in self.board_names:
            self.check_new_transfers()  # where arrivals are counted from
        if previous is None or previous == message.last_event_id:
            return
        # Someone may have entered a year's official days: workers re-read the calendar.
        self.desk.forget_rules()
        for screen in self.boards.values():  # every board opened, shown or not, keeps up
            if screen.is_mounted:
                screen.post_message(FeedChanged(message.last_event_id))
        if "police" in self.board_names:
            self.check_new_transfers()
        self.check_notices(previous)

    @work(thread=True, group="notices", exit_on_error=False)
    def check_notices(self, after_event_id: int) -> None:
        notices = notices_since(self.desk, self.actor, after_event_id)
        if notices:
            self.post_message(NoticesFound(notices))

    def _notices_seen(self, notices: list) -> None:
        """A case dispatched to me, a dispute turning red, a 催办 or 通报: the bell once, and
        one toast — a burst (the sweep's 催办 for several units) summed up in it, not
        stacked over the board."""
        self.bell()
        lines = [n.text for n in notices[:NOTICES_SHOWN]]
        if len(notices) > NOTICES_SHOWN:
            lines.append(t("notice.more", count=len(notices) - NOTICES_SHOWN))
        title = t("notice.count", count=len(notices)) if len(notices) > 1 else ""
        self.notify(printable("\n".join(lines), multiline=True), title=title, markup=False,
                    timeout=8)

    @work(thread=True, exclusive=True, group="arrivals", exit_on_error=False)
    def check_new_transfers(self) -> None:
        latest, number, count = newest_transfer(self.desk, self.last_transfer_id)
        self.post_message(TransfersSeen(latest, number, count))

    @on(NoticesFound)
    def _notices_found(self, message: NoticesFound) -> None:
        self._notices_seen(message.notices)

    @on(TransfersSeen)
    def _transfers_seen(self, message: TransfersSeen) -> None:
        latest, number, count = message.latest, message.number, message.count
        previous, self.last_transfer_id = self.last_transfer_id, latest
        if previous is not None and latest > previous:
            self.bell()  # a new 110 transfer: its sign-for clock runs in minutes
            self.notify(t("police.board.new_arrival", number=number) if count <= 1
                        else t("police.board.new_arrivals", count=count, number=number),
                        markup=False)

    async def action_request_quit(self) -> None:
        """q asks first; ctrl+q quits at once."""
        from dutydesk.tui.screens.forms import ConfirmScreen

        def answer(quit_: bool | None) -> None:
            if quit_:
                self.exit()

        await self.push_screen(ConfirmScreen(t("app.confirm_quit")), answer)

    async def action_board(self, name: str) -> None:
        """Switch boards with one key; each keeps its place (its page, cursor and section).
        Awaited, so that keys typed right after it reach the board that is now shown."""
        if name in self.board_names and self.screen is not self.boards.get(name):
            await self.switch_screen(self._board_screen(name))

    def _board_screen(self, name: str, **given) -> Screen:
        """A board's screen, made (and its module imported) the first time it is opened."""
        if name not in self.boards:
            self.boards[name] = BOARD[name].make_screen(**given)
            self.install_screen(self.boards[name], name)
        return self.boards[name]

    async def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            await self.push_screen(CommandPalette(placeholder=t("palette.placeholder"),
                                                  id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette's own commands, in the officer's language. (Textual's Theme, Keys,
        Maximize and Screenshot are left out: the colours are chosen for legibility, help is
        `?`, and a screenshot cannot be saved from an SSH session.)"""
        yield SystemCommand(t("key.help"), t("help.title"), self.action_help)
        yield SystemCommand(t("key.quit"), t("app.confirm_quit"), self.action_quit)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help" and self._typing("?"):
            return False  # `?` typed into a text field is a question mark
        if action == "request_quit":  # from a board, not while typing (forms bind q anew)
            return self.screen in self.boards.values() and not self._typing("q")
        if action.startswith("training_"):
            return False  # a training run's keys (TrainingApp)
        if action == "board":  # the footer offers the other boards, not the one shown
            name = str(parameters[0])
            return name in self.board_names and self.screen is not self.boards.get(name) \
                and self.screen in self.boards.values()
        return True

    def _typing(self, character: str) -> bool:
        """Does the focused widget take `character` as text (a text field)?"""
        focused = self.focused
        return focused is not None and focused.check_consume_key(character, character)

    async def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            await self.push_screen(HelpScreen(self.actor.role, self.training))


def terminal_gone(stream) -> bool:
    """Has the terminal behind `stream` hung up (its other end closed)?"""
    try:
        watch = select.poll()
        watch.register(stream.fileno(), select.POLLIN)
        return any(events & (select.POLLHUP | select.POLLERR | select.POLLNVAL)
                   for _, events in watch.poll(0))
    except (AttributeError, OSError, ValueError):  # no such stream, or closed
        return False
