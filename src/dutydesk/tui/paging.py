"""Paging a board's list: a keyset page at a time, read off the UI thread, with the detail of the
row the cursor lands on in the same round trip. Shared by every board that shows a PagedTable.

Page loads are numbered so that only the newest lands; a page turn asked for while one is
loading waits for it, so keys in a burst never turn from a stale page. The arrow and page keys
are decided as each key arrives (priority bindings, like the keys that act on a row), and an
action key waits for `settled_detail` — so in a burst such as ↓↓k the k acts on the row the
arrows chose, never on the row the cursor was on when the burst began. A board provides
`fetch_page`, `fetch_detail` (both run in worker threads; a detail has the `id` of its row),
`paged_table` and `show_detail`; it may react in `page_shown` and `row_moved`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual import work
from textual.worker import Worker, WorkerState

from dutydesk.errors import DutyDeskError
from dutydesk.services.keyset import Cursor, Page
from dutydesk.tui.messages import DetailLoaded, PageLoaded
from dutydesk.tui.widgets import PagedTable


class DeskBound:
    """The desk and the signed-in officer, as every board reads them from the app."""

    @property
    def desk(self):
        return self.app.desk  # type: ignore[attr-defined]

    @property
    def actor(self):
        return self.app.actor  # type: ignore[attr-defined]


class PagedBoard(DeskBound):
    """Mixed into a Screen, or into a widget that holds one list of several on a screen.
    (Handlers are named, not @on-decorated: mixins are not scanned.)"""

    def init_paging(self) -> None:
        self.anchor: tuple = ("top",)
        self.first_index = 0  # position of the page's first row in the whole result
        self.has_before = self.has_after = False
        self.detail: Any = None
        self.marked: set[int] = set()
        self._page_generation = self._page_landed = 0
        # Arrow and page keys that came while a page was loading, replayed in order when it
        # lands: a later key must never act on the page an earlier one is leaving.
        self._pending_moves: list[str] = []

    # -- what a board provides ------------------------------------------------------------------

    @property
    def paged_table(self) -> PagedTable:
        raise NotImplementedError

    def page_query(self) -> Any:
        """What the page is of (a filter, a section), read on the UI thread for the worker."""
        return None

    def fetch_page(self, query: Any, limit: int, after: Cursor | None,
                   before: Cursor | None) -> Page:
        raise NotImplementedError

    def fetch_detail(self, row_id: int) -> Any:
        raise NotImplementedError

    def show_detail(self, detail: Any) -> None:
        raise NotImplementedError

    def page_shown(self) -> None:
        """After a page has landed on screen."""

    def row_moved(self) -> None:
        """After the cursor moved to another row."""

    # -- loading (workers touch no widgets: they post messages) --------------------------------

    def reload(self) -> None:
        """The same page again (after a change), keeping the cursor on its row if it is still
        in the view, else on the same line (the row that took its place)."""
        table = self.paged_table
        current = table.current
        self.load_page(self.anchor, current.id if current else None, False, table.cursor_row)

    def restart_paging(self) -> None:
        """A new filter, view or section: back to the top."""
        self._pending_moves.clear()
        self.anchor = ("top",)
        self.first_index = 0
        self.load_page(self.anchor, None, False)

    def load_page(self, anchor: tuple, keep_id: int | None, turning: bool,
                  keep_row: int = 0) -> None:
        self._page_generation += 1
        self._read_page(self.page_query(), self.paged_table.visible_rows, anchor, keep_id,
                        turning, keep_row, self._page_generation)

    @property
    def page_loading(self) -> bool:
        return self._page_generation != self._page_landed

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _read_page(self, query: Any, limit: int, anchor: tuple, keep_id: int | None,
                   turning: bool, keep_row: int, generation: int) -> None:
        kind = anchor[0]
        page = self.fetch_page(query, limit, anchor[1] if kind == "after" else None,
                               anchor[1] if kind == "before" else None)
        ids = [r.id for r in page.rows]
        if keep_id in ids:
            cursor = ids.index(keep_id)
        elif kind == "before" and turning:
            cursor = len(ids) - 1  # arriving from below: land on the last row
        else:
            cursor = min(keep_row, max(0, len(ids) - 1))
        # The detail of the row the cursor lands on comes with the page: one round trip.
        detail = self._read_detail(ids[cursor]) if ids else None
        self.post_message(PageLoaded(page, anchor, cursor, detail, turning, generation))

    def _read_detail(self, row_id: int) -> Any:
        try:
            return self.fetch_detail(row_id)
        except DutyDeskError:
            return None  # gone from this officer's reach since the page was read

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, row_id: int | None) -> None:
        self.post_message(DetailLoaded(self._read_detail(row_id) if row_id else None, row_id))

    # -- handlers -----------------------------------------------------------------------------

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self._page_generation:
            return  # a load that a newer one replaced
        self._page_landed = message.generation
        page, kind = message.page, message.anchor[0]
        table = self.paged_table
        if not page.rows and kind != "top":
            # Nothing beyond this edge (or the rows vanished): fall back to the top.
            if kind == "before" or not table.rows_shown:
                self.anchor, self.first_index = ("top",), 0
                self.load_page(self.anchor, None, False)
            return
        if kind == "top":
            self.first_index = 0
        elif message.turning and kind == "after":
            self.first_index += len(table.rows_shown)
        elif message.turning and kind == "before":
            self.first_index = max(0, self.first_index - len(page.rows))
        self.anchor = message.anchor
        self.has_before, self.has_after = page.has_before, page.has_after
        self.detail = message.detail
        self.show_detail(message.detail)
        table.show_rows(page.rows, self.marked, message.cursor_index)
        self.page_shown()
        while self._pending_moves and not self.page_loading:
            self._move(self._pending_moves.pop(0))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        current = self.paged_table.current
        if message.row_id != (current.id if current is not None else None):
            # Read for a row the cursor has left (or for none, before a page landed): a newer
            # answer is on its way, or the page brought its own.
            return
        self.detail = message.detail
        self.show_detail(message.detail)

    def on_paged_table_row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        if event.row is None or self.detail is None or self.detail.id != event.row.id:
            self.load_detail(event.row.id if event.row else None)
        self.row_moved()

    def on_paged_table_page_request(self, message: PagedTable.PageRequest) -> None:
        self.action_nav("page_down" if message.direction == "after" else "page_up")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A page that failed to load is not coming: keys waiting for it must go on. (The
        # error itself is reported by ReportsWorkerErrors.)
        if event.state is WorkerState.ERROR and event.worker.group == "page":
            self._page_landed = self._page_generation
            self._pending_moves.clear()

    # -- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "nav":  # the list's keys, while the list has the focus
            return self.focused is self.paged_table  # type: ignore[attr-defined]
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_nav(self, move: str) -> None:
        if self.page_loading or self._pending_moves:
            self._pending_moves.append(move)
        else:
            self._move(move)

    def _move(self, move: str) -> None:
        table = self.paged_table
        if move == "down" and table.cursor_row < len(table.rows_shown) - 1:
            table.cursor_row += 1
        elif move == "up" and table.cursor_row > 0:
            table.cursor_row -= 1
        elif table.rows_shown:
            self._turn("after" if move in ("down", "page_down") else "before")

    async def settled_detail(self, timeout: float = 10.0) -> Any:
        """The detail of the row the cursor is on once every page turn asked for has landed:
        the row an action key acts on. None when there is no row (or the page never came)."""
        give_up = time.monotonic() + timeout
        while self.page_loading or self._pending_moves:
            if time.monotonic() > give_up:
                return None
            await asyncio.sleep(0.005)
        current = self.paged_table.current
        if current is None:
            return None
        if self.detail is None or self.detail.id != current.id:
            self.detail = await asyncio.to_thread(self._read_detail, current.id)
            self.show_detail(self.detail)
        return self.detail

    def refuse_key(self, text: str) -> None:
        """A key that cannot act on the row it reached: said, with the bell, never silent."""
        self.app.bell()  # type: ignore[attr-defined]
        self.notify(text, severity="warning", markup=False)  # type: ignore[attr-defined]

    def _turn(self, direction: str) -> None:
        rows = self.paged_table.rows_shown
        if not rows:
            return
        if direction == "after" and self.has_after:
            self.load_page(("after", rows[-1].cursor), None, True)
        elif direction == "before" and self.has_before:
            self.load_page(("before", rows[0].cursor), None, True)

