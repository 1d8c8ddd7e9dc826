"""One registry of keys: bindings, the footer and the help screen are all built from it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from dutydesk.domain.lifecycle import TRANSITIONS
from dutydesk.domain.disputes import DISPUTE_STEPS
from dutydesk.domain.police import TRANSFER_TRANSITIONS, Section
from dutydesk.domain.revisits import REVISIT_STEPS
from dutydesk.domain.statistics import SECTIONS as STATS_SECTIONS
from dutydesk.tui.boards import BOARDS


@dataclass(frozen=True)
class KeySpec:
    id: str
    keys: str  # Textual key names, comma-separated
    action: str
    label: str  # catalogue key
    show: bool = True
    display: str | None = None
    # Priority keys are decided by the app as each key arrives, before the next one is passed
    # on: a key that moves focus or opens a screen must take effect before the keys typed
    # after it (a burst over SSH, a paste) are delivered. Screens refuse them (check_action)
    # while the officer is typing in a text field, so they are typed as text there.
    priority: bool = True
    help_label: str | None = None  # a fuller name for the help screen than the footer's
    board: str | None = None  # the board a board key opens (listed only for its roles)


# A training run's clock: offered only in one (the app refuses them elsewhere).
TRAINING_KEYS = (
    KeySpec("train-pause", "f8", "app.training_pause", "training.key.pause", display="F8"),
    KeySpec("train-speed", "f9", "app.training_speed", "training.key.speed", display="F9"),
    KeySpec("train-next", "f10", "app.training_next", "training.key.next", display="F10"),
)

APP_KEYS = (
    KeySpec("help", "question_mark,f1", "app.help", "key.help", display="?"),
    # Named here, so that Textual adds no palette key of its own (with an English name).
    KeySpec("palette", "ctrl+p", "app.command_palette", "key.palette", show=False),
    KeySpec("quit", "ctrl+q", "app.quit", "key.quit", show=False),
    KeySpec("quit-q", "q", "app.request_quit", "key.quit", show=False),
    KeySpec("focus-next", "tab", "app.focus_next", "key.focus_next", show=False),
    KeySpec("focus-previous", "shift+tab", "app.focus_previous", "key.focus_previous",
            show=False),
) + TRAINING_KEYS + tuple(  # a board's F-key, from the table of boards
    KeySpec(f"board-{board.name}", board.key, f"app.board('{board.name}')", board.word,
            display=board.key.upper(), help_label=board.title, board=board.name)
    for board in BOARDS
)

# A list's keys: priority bindings of the list (PagedList) so that they are decided as they
# arrive, in order with the board's action keys typed after them. A board whose list holds no
# focus (the dispute lanes, the revisit agenda) binds them itself and passes them on.
LIST_KEYS = (
    KeySpec("list-down", "down", "nav('down')", "key.cursor_down", show=False),
    KeySpec("list-up", "up", "nav('up')", "key.cursor_up", show=False),
    KeySpec("list-page-down", "pagedown", "nav('page_down')", "key.page_down", show=False),
    KeySpec("list-page-up", "pageup", "nav('page_up')", "key.page_up", show=False),
)

QUEUE_KEYS = (
    KeySpec("new", "n", "new_case", "key.new"),
    KeySpec("search", "slash", "search", "key.search", display="/"),
    KeySpec("filter", "s", "filter", "key.filter"),
    KeySpec("view-mine", "1", "view('mine')", "key.view_mine", show=False),
    KeySpec("view-overdue", "2", "view('overdue')", "key.view_overdue", show=False),
    KeySpec("view-all", "3", "view('all')", "key.view_all", show=False),
    KeySpec("select", "space", "toggle_mark", "key.select", show=False),
    KeySpec("timeline", "enter", "toggle_timeline", "key.timeline", show=False),
    KeySpec("reveal-phone", "P", "reveal_phone", "privacy.reveal", show=False),
    KeySpec("claim", "l", "claim", "claim.action.toggle", show=False),
    KeySpec("take-over", "L", "take_over", "claim.action.take_over", show=False),
    KeySpec("whistle", "w", "whistle", "dispute.action.whistle", show=False),
    KeySpec("clear", "escape", "clear", "key.clear_filter", show=False, priority=False),
)

POLICE_KEYS = tuple(
    KeySpec(f"section-{section.value}", str(number), f"section('{section.value}')",
            f"police.section.{section.value}", show=False)
    for number, section in enumerate(Section, start=1)
) + (
    KeySpec("new-110", "n", "new_transfer", "police.new.key"),
    KeySpec("import-110", "i", "import_file", "police.import.key"),
    KeySpec("export-110", "x", "export_feedback", "police.export.key"),
    KeySpec("total-110", "t", "call_total", "police.total.key", show=False),  # listed in ?
    KeySpec("timeline-110", "enter", "toggle_timeline", "key.timeline", show=False),
    KeySpec("reveal-caller", "P", "reveal_caller", "privacy.reveal", show=False),
    KeySpec("claim-110", "l", "claim", "claim.action.toggle", show=False),
    KeySpec("take-over-110", "L", "take_over", "claim.action.take_over", show=False),
    KeySpec("close-timeline-110", "escape", "close_timeline", "key.close_timeline", show=False,
            priority=False),
)

# A 110 transfer's steps come from its own table, as the case actions come from theirs.
TRANSFER_ACTION_KEYS = tuple(
    KeySpec(f"transfer-{tr.action.value}", tr.key, f"transfer_action('{tr.action.value}')",
            f"police.action.{tr.action.value}", show=False)
    for tr in TRANSFER_TRANSITIONS
)

DISPUTE_KEYS = (
    KeySpec("lane-left", "left", "lane(-1)", "dispute.key.lane_left", show=False),
    KeySpec("lane-right", "right", "lane(1)", "dispute.key.lane_right", show=False),
    KeySpec("dispute-escalate", "t", "escalate", "action.escalate", show=False),
    KeySpec("dispute-open-case", "c", "open_case", "dispute.key.open_case"),
    KeySpec("dispute-reveal", "P", "reveal_parties", "privacy.reveal_parties", show=False),
    KeySpec("dispute-filter", "f", "filter", "key.filter"),
    KeySpec("dispute-timeline", "enter", "toggle_timeline", "key.timeline", show=False),
    KeySpec("dispute-close-timeline", "escape", "close_timeline", "key.close_timeline",
            show=False, priority=False),
)

# A dispute's steps come from its own table.
DISPUTE_STEP_KEYS = tuple(
    KeySpec(f"dispute-{step.action.value}", step.key, f"dispute_step('{step.action.value}')",
            f"dispute.action.{step.action.value}", show=False)
    for step in DISPUTE_STEPS
)

# The revisit calendar: the month grid's keys, then those of the month and its lists alike (a
# day, overdue, the chief's). The footer is the same in both, so moving between them never
# rebuilds it: Enter opens (the day, or a revisit's timeline), Esc goes back.
REVISIT_GRID_KEYS = (
    KeySpec("day-left", "left", "move(-1)", "revisit.key.day_before", show=False),
    KeySpec("day-right", "right", "move(1)", "revisit.key.day_after", show=False),
    KeySpec("week-up", "up", "move(-7)", "revisit.key.week_before", show=False),
    KeySpec("week-down", "down", "move(7)", "revisit.key.week_after", show=False),
    KeySpec("month-before", "pageup", "month(-1)", "revisit.key.month_before", show=False),
    KeySpec("month-after", "pagedown", "month(1)", "revisit.key.month_after", show=False),
    KeySpec("today", "t", "today", "revisit.key.today", show=False),
)
REVISIT_LIST_KEYS = (
    KeySpec("open", "enter", "open", "revisit.key.open"),
    KeySpec("overdue", "o", "overdue", "revisit.key.overdue"),
    KeySpec("chief-list", "c", "chief_list", "revisit.key.chief"),
    KeySpec("export-ics", "x", "export_ics", "revisit.key.export", show=False),
    KeySpec("back", "escape", "back", "revisit.key.back", priority=False),
)
REVISIT_STEP_KEYS = tuple(
    KeySpec(f"revisit-{step.action.value}", step.key, f"revisit_step('{step.action.value}')",
            f"revisit.action.{step.action.value}", show=False)
    for step in REVISIT_STEPS
)

STATS_KEYS = (
    # Four period keys and two arrows, each pair of rows shown once in the footer.
    KeySpec("stats-day", "d", "period_kind('day')", "stats.key.kinds", display="dwmy",
            help_label="stats.kind.day"),
    KeySpec("stats-week", "w", "period_kind('week')", "stats.kind.week", show=False),
    KeySpec("stats-month", "m", "period_kind('month')", "stats.kind.month", show=False),
    KeySpec("stats-year", "y", "period_kind('year')", "stats.kind.year", show=False),
    # The brackets step the period; the arrows too on a chart, and scroll a wide table.
    KeySpec("stats-previous", "left_square_bracket", "step(-1)", "stats.key.steps",
            display="[ ]", help_label="stats.key.previous"),
    KeySpec("stats-next", "right_square_bracket", "step(1)", "stats.key.next", show=False),
    KeySpec("stats-left", "left", "arrow(-1)", "stats.key.previous", show=False),
    KeySpec("stats-right", "right", "arrow(1)", "stats.key.next", show=False),
    KeySpec("stats-period", "p", "choose_period", "stats.key.period"),
    KeySpec("stats-place", "n", "choose_place", "stats.key.place"),
    KeySpec("stats-view", "v", "toggle_view", "stats.key.view"),
    KeySpec("stats-export", "x", "export", "stats.key.export"),
) + tuple(
    KeySpec(f"stats-section-{name}", str(number), f"section('{name}')", f"stats.section.{name}",
            show=False)
    for number, name in enumerate(STATS_SECTIONS, start=1)
)

HANDOVER_KEYS = (
    KeySpec("hand-over", "g", "hand_over", "duty.action.hand_over"),
    KeySpec("acknowledge", "a", "acknowledge", "duty.action.acknowledge"),
)

# Case actions come straight from the lifecycle table: one key per transition. They are listed
# in the detail pane (for the highlighted case) rather than the footer, which Textual rebuilds
# widget by widget whenever its bindings change — on every cursor move otherwise.
CASE_ACTION_KEYS = tuple(
    KeySpec(f"case-{tr.action.value}", tr.key, f"case_action('{tr.action.value}')",
            f"action.{tr.action.value}", show=False)
    for tr in TRANSITIONS
)


def bindings(specs: tuple[KeySpec, ...]) -> list[Binding]:
    """A class's BINDINGS from `specs`. The description is the catalogue key: the footer (and
    the palette) put it in the officer's language when they show it, so that one class serves
    both languages; the same specs drive the help screen."""
    return [Binding(spec.keys, spec.action, spec.label, show=spec.show, id=spec.id,
                    key_display=spec.display, priority=spec.priority) for spec in specs]


_KEY_NAMES = {
    "left": "←", "right": "→", "up": "↑", "down": "↓", "pageup": "PgUp", "pagedown": "PgDn",
    "home": "Home", "end": "End", "escape": "Esc", "enter": "⏎", "tab": "Tab", "space": "Space",
    "slash": "/", "question_mark": "?", "left_square_bracket": "[",
    "right_square_bracket": "]", "shift+tab": "Shift+Tab",
}


def key_name(key: str) -> str:
    """A key as a person reads it: ← not left, ] not right_square_bracket, Ctrl+S."""
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "Ctrl+" + key_name(key[5:]).upper()
    return key.upper() if len(key) > 1 and key[0] == "f" and key[1:].isdigit() else key


def shown_key(spec: KeySpec) -> str:
    """The footer's name for a spec: its display (one name for a group), else its key."""
    return spec.display or key_name(spec.keys.split(",")[0])


def help_key(spec: KeySpec) -> str:
    """The help screen's: every spec has a row of its own, so its own key."""
    return key_name(spec.keys.split(",")[0])
