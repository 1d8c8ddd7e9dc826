"""The queue list: a DataTable holding exactly one keyset page, never the whole table.

Moving past either edge asks the screen for the neighbouring page instead of scrolling.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from dutydesk.i18n import local_time, t
from dutydesk.services.queue import CaseRow
from dutydesk.tui.format import deadline_cell, fit

# Column widths in cells, each including one cell of gap (the table's own padding is off so
# that 80 columns leave the summary room); the summary takes what is left.
WIDTHS = {"mark": 2, "id": 6, "time": 12, "channel": 9, "category": 9, "node": 9,
          "state": 7, "deadline": 7}
SUMMARY_MIN = 10


class CaseTable(DataTable):
    @dataclass
    class PageRequest(Message):
        direction: str  # "after" (older) or "before" (newer)

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=0, **kwargs)
        self.rows_shown: list[CaseRow] = []

    def setup_columns(self, width: int) -> None:
        self.clear(columns=True)
        summary = max(SUMMARY_MIN, width - sum(WIDTHS.values()) - 2)
        for key in ("mark", "id", "time", "channel", "category", "node"):
            self.add_column(t(f"column.{key}"), width=WIDTHS[key], key=key)
        self.add_column(t("column.summary"), width=summary, key="summary")
        for key in ("state", "deadline"):
            self.add_column(t(f"column.{key}"), width=WIDTHS[key], key=key)
        self.summary_width = summary

    def show_rows(self, rows: list[CaseRow], marked: set[int], cursor_index: int) -> None:
        self.clear()
        self.rows_shown = rows
        for row in rows:
            self.add_row(*self._cells(row, row.id in marked), key=str(row.id))
        if rows:
            self.move_cursor(row=max(0, min(cursor_index, len(rows) - 1)), animate=False)

    def _cells(self, row: CaseRow, marked: bool) -> list:
        return [
            Text("✓" if marked else " ", style="bold"),
            str(row.id),
            local_time(row.created_at),
            fit(t(f"channel.{row.channel}"), WIDTHS["channel"] - 1),
            fit(row.category or "—", WIDTHS["category"] - 1),
            fit(row.node, WIDTHS["node"] - 1),
            fit(row.summary, self.summary_width - 1),
            fit(t(f"state.{row.state}"), WIDTHS["state"] - 1),
            deadline_cell(row.deadline),
        ]

    def set_mark(self, row_index: int, marked: bool) -> None:
        if 0 <= row_index < len(self.rows_shown):
            self.update_cell_at((row_index, 0), Text("✓" if marked else " ", style="bold"))

    @property
    def current(self) -> CaseRow | None:
        if 0 <= self.cursor_row < len(self.rows_shown):
            return self.rows_shown[self.cursor_row]
        return None

    @property
    def visible_rows(self) -> int:
        """How many data rows fit: the page size."""
        return max(1, self.size.height - 1)

    def action_cursor_down(self) -> None:
        if self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequest("after"))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.PageRequest("before"))
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        self.post_message(self.PageRequest("after"))

    def action_page_up(self) -> None:
        self.post_message(self.PageRequest("before"))
