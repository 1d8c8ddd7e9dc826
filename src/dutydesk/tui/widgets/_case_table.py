"""The queue list: one keyset page drawn line by line (Textual's Line API).

It holds exactly one page — never the whole table — and renders each row once per page into a
Strip; moving the cursor repaints two lines. Moving past either edge asks the screen for the
neighbouring page instead of scrolling. (Textual's DataTable re-renders every cell through Rich
on each repaint: about 150 ms per page at 120×40 here.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.domain.lifecycle import CaseState
from dutydesk.domain.text import printable
from dutydesk.i18n import local_time, t
from dutydesk.services.queue import CaseRow, DeadlineView
from dutydesk.tui.format import deadline_label, fit_pad, fitted_width

UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)  # any moment: only labels matter
ORDER = ("mark", "id", "time", "channel", "category", "node", "summary", "state", "deadline")
# Widths in cells, each including one cell of gap. The mark, number, state and deadline are
# always shown; the others are dropped on a narrow terminal in this order of need…
OPTIONAL = ("node", "time", "category", "channel")
FIXED_WIDTHS = {"mark": 2, "id": 7, "time": 12}
BASE_WIDTH = 9  # …and shown this wide at 80 columns; wider terminals give them their labels
SUMMARY_MIN = 10
SUMMARY_COMFORT = 30  # the summary gets this much before the narrow columns grow


def status_widths() -> dict[str, int]:
    """The state and deadline columns, sized to the current language's labels."""
    states = [t(f"state.{s.value}") for s in CaseState]
    deadlines = [deadline_label(DeadlineView("due", d, UTC_EPOCH, True))[0] for d in DeadlineState]
    return {"state": fitted_width(states, 12), "deadline": fitted_width(deadlines, 12)}


def layout_columns(width: int, natural: dict[str, int]) -> dict[str, int]:
    """Column widths for a terminal `width` cells wide, in display order.

    Status and deadline always show; optional columns are added while the summary keeps its
    minimum; then the summary grows to a comfortable width; then channel, category and place
    grow to their longest labels (`natural`); the summary takes the rest.
    """
    widths = {"mark": FIXED_WIDTHS["mark"], "id": FIXED_WIDTHS["id"], **status_widths()}
    free = width - sum(widths.values()) - SUMMARY_MIN - 1
    for key in OPTIONAL:
        need = FIXED_WIDTHS.get(key, BASE_WIDTH)
        if need <= free:
            widths[key], free = need, free - need
    grow = max(0, free - (SUMMARY_COMFORT - SUMMARY_MIN))
    for key in ("node", "category", "channel"):
        if key in widths and grow > 0:
            extra = min(grow, max(0, natural.get(key, 0) - widths[key]))
            widths[key] += extra
            grow -= extra
    widths["summary"] = max(SUMMARY_MIN, width - sum(widths.values()) - 1)
    return {key: widths[key] for key in ORDER if key in widths}


@lru_cache(maxsize=32)
def _style(definition: str) -> Style:
    return Style.parse(definition)


class CaseTable(Widget, can_focus=True):
    BINDINGS = [
        Binding("down", "cursor_down", show=False),
        Binding("up", "cursor_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("enter", "select", show=False),
    ]
    COMPONENT_CLASSES = {"case-table--header", "case-table--cursor"}
    DEFAULT_CSS = """
    CaseTable { height: 1fr; }
    CaseTable > .case-table--header { text-style: bold; background: $panel; }
    CaseTable > .case-table--cursor { background: $primary-muted; color: $text; text-style: bold; }
    CaseTable:focus > .case-table--cursor { background: $primary-darken-2; color: $text; }
    CaseTable:nocolor > .case-table--cursor { text-style: bold reverse; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    @dataclass
    class RowHighlighted(Message):
        row: CaseRow | None

    @dataclass
    class RowSelected(Message):
        row: CaseRow

    @dataclass
    class PageRequest(Message):
        direction: str  # "after" (older) or "before" (newer)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows_shown: list[CaseRow] = []
        self._marked: set[int] = set()
        self._strips: dict[int, Strip] = {}
        self._header: Strip | None = None
        self._style_cache: tuple[Style, Style, Style] | None = None
        self.widths = layout_columns(80, {})
        self.natural: dict[str, int] = {}
        self._page_rows = 20  # until the list has been laid out

    # -- data -----------------------------------------------------------------------------------

    def setup_columns(self, width: int, natural: dict[str, int] | None = None) -> None:
        """Lay the columns out for `width` cells; `natural` gives the longest label of the
        channel, category and place columns (they grow to it on wide terminals)."""
        if natural is not None:
            self.natural = natural
        self.widths = layout_columns(width, self.natural)
        self._header = None
        self._strips.clear()
        self.refresh()

    def show_rows(self, rows: list[CaseRow], marked: set[int], cursor_index: int) -> None:
        self.rows_shown = rows
        self._marked = marked
        self._strips.clear()
        self.cursor_row = max(0, min(cursor_index, len(rows) - 1)) if rows else 0
        self.refresh()

    def set_mark(self, row_index: int, marked: bool) -> None:
        self._strips.pop(row_index, None)
        self._refresh_line(row_index + 1)

    @property
    def current(self) -> CaseRow | None:
        if 0 <= self.cursor_row < len(self.rows_shown):
            return self.rows_shown[self.cursor_row]
        return None

    @property
    def visible_rows(self) -> int:
        """How many rows fit under the header: the page size. While the list is hidden (the
        timeline fills the screen) it keeps the size it had, so a reload keeps its page."""
        if self.size.height > 1:
            self._page_rows = self.size.height - 1
        return self._page_rows

    def _refresh_line(self, y: int) -> None:
        self.refresh(Region(0, y, self.size.width, 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_line(old + 1)
        self._refresh_line(new + 1)
        self.post_message(self.RowHighlighted(self.current))

    # -- drawing --------------------------------------------------------------------------------

    def _row_strip(self, row: CaseRow, base: Style) -> Strip:
        """One row as single-style segments: no Rich layout on the hot path."""
        deadline, deadline_style = deadline_label(row.deadline, self.app.no_color)
        cells = {
            "mark": ("✓" if row.id in self._marked else " ", "bold"),
            "id": (str(row.id), ""),
            "time": (local_time(row.created_at), ""),
            "channel": (t(f"channel.{row.channel}"), ""),
            "category": (printable(row.category) or "—", ""),
            "node": (printable(row.node), ""),
            "summary": (printable(row.summary), ""),
            "state": (t(f"state.{row.state}"), ""),
            "deadline": (deadline, deadline_style),
        }
        segments = [
            Segment(fit_pad(cells[key][0], width),
                    base + _style(cells[key][1]) if cells[key][1] else base)
            for key, width in self.widths.items()
        ]
        return Strip(segments, sum(self.widths.values())).crop_extend(0, self.size.width, base)

    def _render_text(self, text: Text, base: Style) -> Strip:
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, self.size.width, base).apply_style(base)

    def _styles(self) -> tuple[Style, Style, Style]:
        # Resolving a style walks the DOM: do it once per style change, not once per line.
        if self._style_cache is None:
            self._style_cache = (self.rich_style,
                                 self.get_component_rich_style("case-table--header"),
                                 self.get_component_rich_style("case-table--cursor"))
        return self._style_cache

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = None
        self._header = None
        self._strips.clear()

    def _on_focus(self, event) -> None:
        self._style_cache = None  # the cursor's colour depends on focus
        self._refresh_line(self.cursor_row + 1)

    def _on_blur(self, event) -> None:
        self._style_cache = None
        self._refresh_line(self.cursor_row + 1)

    def render_line(self, y: int) -> Strip:
        base, header_style, cursor_style = self._styles()
        if y == 0:
            if self._header is None:
                header = Text("".join(fit_pad(t(f"column.{key}"), width)
                                      for key, width in self.widths.items()))
                self._header = self._render_text(header, base + header_style)
            return self._header
        index = y - 1
        if index >= len(self.rows_shown):
            return Strip([Segment(" " * self.size.width, base)])
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = self._row_strip(self.rows_shown[index], base)
        if index == self.cursor_row:
            strip = strip.apply_style(cursor_style)
        return strip

    def on_resize(self) -> None:
        self._header = None
        self._strips.clear()

    # -- keys -----------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        if self.cursor_row >= len(self.rows_shown) - 1:
            self.post_message(self.PageRequest("after"))
        else:
            self.cursor_row += 1

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.PageRequest("before"))
        else:
            self.cursor_row -= 1

    def action_page_down(self) -> None:
        self.post_message(self.PageRequest("after"))

    def action_page_up(self) -> None:
        self.post_message(self.PageRequest("before"))

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.RowSelected(self.current))
