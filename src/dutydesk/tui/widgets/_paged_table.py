"""One keyset-paged list for every board: a page of rows drawn line by line (Line API).

It holds exactly one page — never the whole table — and renders each row once per page into a
Strip; moving the cursor repaints two lines. PagedList (a subclass) reads the pages. (Textual's DataTable re-renders every cell through Rich
on each repaint: about 150 ms per page at 120×40 here.)

A board configures it with its columns and a function from a row to its cells; rows need an
`id` (marks, keeping the cursor on a row) and a `cursor` (the keyset position). A board whose
rows are cards gives a second line too (`second_line`): each row is then two lines high.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from dutydesk.i18n import t
from dutydesk.tui.format import fit_pad

FLEX_MIN = 10  # the flexible column (a summary) never gets less
FLEX_COMFORT = 30  # it gets this much before the growing columns grow


@dataclass(frozen=True)
class Column:
    """A column: its catalogue label and width in cells (with one cell of gap). `keep` ranks
    the optional ones (0: always shown; 1 first to be added on a narrow terminal…); `grows`
    columns widen to their longest label on wide terminals; the one `flex` column takes the
    rest."""

    key: str
    label: str
    width: int = 9
    keep: int = 0
    grows: bool = False
    flex: bool = False


def layout(columns: tuple[Column, ...], width: int, natural: dict[str, int],
           fixed: dict[str, int] | None = None) -> dict[str, int]:
    """Widths for a terminal `width` cells wide, in display order: the kept columns always; the
    optional ones while the flexible column keeps its minimum; then it grows to a comfortable
    width; then growing columns widen to `natural`; the flexible column takes the rest.
    `fixed` overrides widths measured at run time (labels of the current language)."""
    fixed = fixed or {}
    base = {c.key: fixed.get(c.key, c.width) for c in columns if not c.flex}
    widths = {c.key: base[c.key] for c in columns if not c.flex and c.keep == 0}
    free = width - sum(widths.values()) - FLEX_MIN - 1
    for column in sorted((c for c in columns if c.keep and not c.flex), key=lambda c: c.keep):
        if base[column.key] <= free:
            widths[column.key] = base[column.key]
            free -= base[column.key]
    grow = max(0, free - (FLEX_COMFORT - FLEX_MIN))
    for column in sorted((c for c in columns if c.grows), key=lambda c: c.keep):
        if column.key in widths and grow > 0:
            extra = min(grow, max(0, natural.get(column.key, 0) - widths[column.key]))
            widths[column.key] += extra
            grow -= extra
    for column in columns:
        if column.flex:
            widths[column.key] = max(FLEX_MIN, width - sum(widths.values()) - 1)
    return {c.key: widths[c.key] for c in columns if c.key in widths}


@lru_cache(maxsize=32)
def _style(definition: str) -> Style:
    return Style.parse(definition)


Cells = dict[str, tuple[str, str]]  # column key -> (text, style)


class PagedTable(Widget, can_focus=True):
    BINDINGS = [Binding("enter", "select", show=False)]
    COMPONENT_CLASSES = {"paged-table--header", "paged-table--cursor"}
    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--cursor {
        background: $primary-muted; color: $text; text-style: bold;
    }
    PagedTable:focus > .paged-table--cursor { background: $primary-darken-2; color: $text; }
    PagedTable:nocolor > .paged-table--cursor { text-style: bold reverse; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)
    loaded = False  # a page has been shown (until then an empty list is still loading)
    # A board of several lists (the dispute board's lanes) shows one cursor, in its lane.
    show_cursor: reactive[bool] = reactive(True)

    @dataclass
    class RowHighlighted(Message):
        row: Any | None

    @dataclass
    class RowSelected(Message):
        row: Any

    def __init__(self, columns: tuple[Column, ...], cells: Callable[[Any, bool], Cells],
                 second_line: Callable[[Any, bool], tuple[str, str]] | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.cells = cells  # (row, no_color) -> its cells
        self.second_line = second_line  # (row, no_color) -> (text, style), a card's 2nd line
        self.row_height = 2 if second_line else 1
        self.rows_shown: list[Any] = []
        self._marked: set[int] = set()
        self._strips: dict[tuple[int, int], Strip] = {}  # (row, line of the row)
        self._header: Strip | None = None
        self._style_cache: tuple[Style, Style, Style] | None = None
        self.natural: dict[str, int] = {}
        self.widths = layout(columns, 80, {}, self.fixed_widths())
        self._page_rows = 20  # until the list has been laid out

    # -- data -----------------------------------------------------------------------------------

    def fixed_widths(self) -> dict[str, int]:
        """Widths measured from the current language's labels (a board may override)."""
        return {}

    def setup_columns(self, width: int, natural: dict[str, int] | None = None) -> None:
        """Lay the columns out for `width` cells; `natural` gives the longest label each
        growing column may show (they grow to it on wide terminals)."""
        if natural is not None:
            self.natural = natural
        self.widths = layout(self.columns, width, self.natural, self.fixed_widths())
        self._header = None
        self._strips.clear()
        self.refresh()

    def show_rows(self, rows: list[Any], marked: set[int], cursor_index: int) -> None:
        self.loaded = True
        self.rows_shown = rows
        self._marked = marked
        self._strips.clear()
        self.cursor_row = max(0, min(cursor_index, len(rows) - 1)) if rows else 0
        self.refresh()

    def set_mark(self, row_index: int, marked: bool) -> None:
        for line in range(self.row_height):
            self._strips.pop((row_index, line), None)
        self._refresh_row(row_index)

    @property
    def current(self) -> Any | None:
        if 0 <= self.cursor_row < len(self.rows_shown):
            return self.rows_shown[self.cursor_row]
        return None

    @property
    def visible_rows(self) -> int:
        """How many rows fit under the header: the page size. While the list is hidden (the
        timeline fills the screen) it keeps the size it had, so a reload keeps its page."""
        if self.size.height > self.row_height:
            self._page_rows = (self.size.height - 1) // self.row_height
        return self._page_rows

    def _refresh_row(self, index: int) -> None:
        self.refresh(Region(0, 1 + index * self.row_height, self.size.width, self.row_height))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self.post_message(self.RowHighlighted(self.current))

    # -- drawing --------------------------------------------------------------------------------

    def _row_strip(self, row: Any, base: Style) -> Strip:
        """One row as single-style segments: no Rich layout on the hot path."""
        cells = self.cells(row, self.app.no_color)
        if "mark" in self.widths:
            cells["mark"] = ("✓" if row.id in self._marked else " ", "bold")
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
                                 self.get_component_rich_style("paged-table--header"),
                                 self.get_component_rich_style("paged-table--cursor"))
        return self._style_cache

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = None
        self._header = None
        self._strips.clear()

    def _on_focus(self, event) -> None:
        self._style_cache = None  # the cursor's colour depends on focus
        self._refresh_row(self.cursor_row)

    def _on_blur(self, event) -> None:
        self._style_cache = None
        self._refresh_row(self.cursor_row)

    def render_line(self, y: int) -> Strip:
        base, header_style, cursor_style = self._styles()
        if y == 0:
            if self._header is None:
                labels = {c.key: t(c.label) for c in self.columns}
                header = Text("".join(fit_pad(labels[key], width)
                                      for key, width in self.widths.items()))
                self._header = self._render_text(header, base + header_style)
            return self._header
        index, line = divmod(y - 1, self.row_height)
        if y == 1 and not self.rows_shown and self.loaded:  # an empty list says so
            return self._render_text(Text(" " + t("list.empty"), style="dim"), base)
        if index >= len(self.rows_shown):
            return Strip([Segment(" " * self.size.width, base)])
        strip = self._strips.get((index, line))
        if strip is None:
            row = self.rows_shown[index]
            strip = self._strips[(index, line)] = (
                self._row_strip(row, base) if line == 0 else self._second_strip(row, base))
        if index == self.cursor_row and self.show_cursor:
            strip = strip.apply_style(cursor_style)
        return strip

    def _second_strip(self, row: Any, base: Style) -> Strip:
        assert self.second_line is not None
        text, style = self.second_line(row, self.app.no_color)
        segment = Segment(fit_pad(text, self.size.width), base + _style(style) if style else base)
        return Strip([segment], self.size.width)

    def on_resize(self) -> None:
        self._header = None
        self._strips.clear()

    # -- keys -----------------------------------------------------------------------------------

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.RowSelected(self.current))
