"""The one list every board pages: a PagedTable that reads its own keyset pages off the UI
thread and keeps its cursor and the detail of the row the cursor is on.

A board composes it with a `PageSource` (how to read a page of what it lists and a row's
detail, both run in worker threads) and a `show_detail` function (where the detail goes, called
as the cursor moves), and passes its filter down as `of`; it hears of the rest through messages
(`RowHighlighted`, `RowSelected`), and of a page shown by watching `pages_shown` (its watcher
runs as the page is drawn: the board's position lands in the same frame as the rows, where a
message would be handled a frame later).

Page loads are numbered so that only the newest lands; a move asked for while a page is
loading waits for it, so keys in a burst never turn from a stale page. The arrow and page keys
are priority bindings (decided as each key arrives, in order with the board's action keys),
and an action key waits for `settled_detail()` — so in a burst such as ↓↓k the k acts on the
row the arrows chose.

The cursor row's detail is read with the page, the other shown rows' details as soon as it is
shown, and a cursor move hands the board its row's detail in the same call: the cursor and its
detail are drawn in one frame, with no round trip per key.

The page the cursor is heading for (below, or above after a turn upwards) is read ahead once a
page is shown, with the detail of the row the cursor will land on: walking off the page's edge
turns to it in the same frame. Any other load (a reload after a change, a new filter, a resize)
drops it, so a page read ahead is never staler than the page on screen.

The first page is read as the list is mounted, before the screen is laid out, as many rows as
the screen has lines (the most that can fit), and cut to the rows that fit once the list has its
size. A board may be given its first page already read (`first`: the queue's, read before the
terminal is taken over): it is shown in the list's first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from textual import work
from textual.message import Message
from textual.reactive import var
from textual.worker import Worker, WorkerState

from dutydesk.errors import DutyDeskError
from dutydesk.services.keyset import Cursor, Page
from dutydesk.tui import keys
from dutydesk.tui.widgets._paged_table import Cells, Column, PagedTable
from dutydesk.tui.workers import worker_error_text

_SAME = object()  # restart(): what is listed stays as it is


@dataclass(frozen=True)
class PageSource:
    """What a list shows: `page(of, limit, after, before)` reads a keyset page of `of` (a
    board's filter, a section); `detail(id)` a row's detail (an object with that `id`;
    DutyDeskError when the row is out of reach); `rank(of, cursor)`, for a board that shows
    its place, how many rows of `of` lie above a row."""

    page: Callable[[Any, int, Cursor | None, Cursor | None], Page]
    detail: Callable[[int], Any]
    rank: Callable[[Any, Cursor], int] | None = None


@dataclass
class PageLoaded(Message):
    page: Page
    anchor: tuple
    cursor_index: int
    detail: Any  # the detail of the row the cursor lands on
    turning: bool  # a move to the neighbouring page rather than a reload
    generation: int  # which load this answers (only the newest is shown)
    rank: int | None = None  # how many rows lie above the page's first (a page read again)


@dataclass
class PageReadAhead(Message):
    loaded: PageLoaded  # the neighbouring page, as a turn to it would have loaded it


@dataclass
class DetailsRead(Message):
    details: dict[int, Any]  # row id -> detail, for the rows of one page
    generation: int


@dataclass
class DetailLoaded(Message):
    detail: Any
    row_id: int | None  # the row it was read for (None: no row was highlighted)


class PagedList(PagedTable):
    BINDINGS = keys.bindings(keys.LIST_KEYS)

    # How many pages have landed on screen: a board watches it to redraw its position, recount …
    pages_shown: var[int] = var(0)

    def __init__(self, columns: tuple[Column, ...], cells: Callable[[Any, bool], Cells],
                 source: PageSource, show_detail: Callable[[Any], None], *,
                 of: Any = None,
                 second_line: Callable[[Any, bool], tuple[str, str]] | None = None,
                 first: tuple[Page, Any] | None = None,
                 **kwargs) -> None:
        super().__init__(columns, cells, second_line, **kwargs)
        self.source = source
        self.show_detail = show_detail  # the detail of the row under the cursor, or None
        self.of = of  # what the list is of: the board's filter, a section …
        self.anchor: tuple = ("top",)
        self.first_index = 0  # position of the page's first row in the whole result
        self.has_before = self.has_after = False
        self.detail: Any = None
        self.marked: set[int] = set()
        self._details: dict[int, Any] = {}  # the shown page's details, read with it
        self._generation = self._landed = 0
        # Moves that came while a page was loading, replayed in order when it lands: a later
        # key must never act on the page an earlier one is leaving.
        self._pending_moves: list[str] = []
        self._settled = asyncio.Event()
        self._settled.set()
        # A row the cursor is to land on (say, a card that just moved into this list): a
        # reload asked for meanwhile keeps to it, not to the row the cursor was on.
        self._follow_id: int | None = None
        self._limit = 0  # the page size last asked for
        self._early: PageLoaded | None = None  # a page that came before the first layout
        self._ahead: PageLoaded | None = None  # the neighbouring page, read ahead of a turn
        self._first = first  # (page, its first row's detail) read before the list was shown

    # -- loading (workers touch no widgets: they post messages) ---------------------------------

    def restart(self, of: Any = _SAME) -> None:
        """Back to the top: with a new filter or section, or the same one afresh."""
        if of is not _SAME:
            self.of = of
        self._pending_moves.clear()
        self.anchor, self.first_index = ("top",), 0
        self._load(self.anchor, self._follow_id, False)

    def reload(self) -> None:
        """The same page again (after a change), keeping the cursor on its row if it is still
        in the view, else on the same line (the row that took its place)."""
        if self._follow_id is not None:
            self._load(("top",), self._follow_id, False)
            return
        current = self.current
        self._load(self.anchor, current.id if current else None, False, self.cursor_row)

    def follow(self, row_id: int) -> None:
        """The first page, with the cursor on `row_id` if it is there."""
        self._follow_id = row_id
        self.restart()

    @property
    def page_loading(self) -> bool:
        return self._generation != self._landed

    def _load(self, anchor: tuple, keep_id: int | None, turning: bool,
              keep_row: int = 0) -> None:
        self._generation += 1
        self._early = self._ahead = None
        self._update_settled()
        first, self._first = self._first, None
        if first is not None and anchor == ("top",) and keep_id is None:
            page, detail = first
            self._early = PageLoaded(page, anchor, 0, detail, False, self._generation)
            if self.size.height:
                self._show_early()
            return
        # Not laid out yet, the page size is not known: as many rows as the screen has lines.
        self._limit = (self.visible_rows if self.size.height or self.loaded
                       else max(1, self.app.size.height // self.row_height))
        self._read_page(self.of, self._limit, anchor, keep_id, turning, keep_row,
                        self._generation)

    def on_resize(self) -> None:  # (PagedTable's own on_resize runs too: Textual calls both)
        if not self.size.height:
            return
        if self._early is not None:
            self._show_early()
        elif self.loaded and self.visible_rows != self._limit:
            self.reload()  # more or fewer rows fit: a page of the new size

    def _show_early(self) -> None:
        """The page that came (or was given) before the list had its size, now that it has."""
        early, self._early = self._early, None
        if len(early.page.rows) < self.visible_rows and early.page.has_after:
            self._load(early.anchor, None, False)  # read for a smaller screen: again
        else:
            self.on_page_loaded(early)

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _read_page(self, of: Any, limit: int, anchor: tuple, keep_id: int | None,
                   turning: bool, keep_row: int, generation: int) -> None:
        self.post_message(self._page_at(of, limit, anchor, keep_id, turning, keep_row,
                                        generation))

    @work(thread=True, exclusive=True, group="ahead", exit_on_error=False)
    def _read_ahead(self, of: Any, limit: int, anchor: tuple, generation: int) -> None:
        self.post_message(PageReadAhead(self._page_at(of, limit, anchor, None, True, 0,
                                                      generation)))

    def _page_at(self, of: Any, limit: int, anchor: tuple, keep_id: int | None,
                 turning: bool, keep_row: int, generation: int) -> PageLoaded:
        """A page (read in a worker) with the detail of the row the cursor is to land on."""
        kind = anchor[0]
        page = self.source.page(of, limit, anchor[1] if kind == "after" else None,
                                anchor[1] if kind == "before" else None)
        ids = [r.id for r in page.rows]
        if keep_id in ids:
            cursor = ids.index(keep_id)
        elif kind == "before" and turning:
            cursor = len(ids) - 1  # arriving from below: land on the last row
        else:
            cursor = min(keep_row, max(0, len(ids) - 1))
        # The cursor's row with the page, so that it lands at once; the rest once it is shown.
        detail = self._read_detail(ids[cursor]) if ids else None
        # A page read again in place: newer rows may have come above it since it was reached.
        rank = (self.source.rank(of, page.rows[0].cursor)
                if self.source.rank and page.rows and kind != "top" and not turning else None)
        return PageLoaded(page, anchor, cursor, detail, turning, generation, rank)

    @work(thread=True, exclusive=True, group="details", exit_on_error=False)
    def _read_details(self, ids: list[int], generation: int) -> None:
        details = {}
        for row_id in ids:
            if self._generation != generation:
                return  # the page is being left: its details are not needed
            details[row_id] = self._read_detail(row_id)
        self.post_message(DetailsRead(details, generation))

    def _read_detail(self, row_id: int) -> Any:
        try:
            return self.source.detail(row_id)
        except DutyDeskError:
            return None  # gone from this officer's reach since the page was read

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, row_id: int) -> None:
        self.post_message(DetailLoaded(self._read_detail(row_id), row_id))

    # -- handlers -----------------------------------------------------------------------------

    def on_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # a load that a newer one replaced
        if not self.size.height and not self.loaded:
            self._early = message  # shown once the list has its size (on_resize)
            return
        self._landed = message.generation
        self._limit = self.visible_rows  # the page's size from now on (it may be cut to it)
        page, kind = self._fitted(message.page, message.anchor[0]), message.anchor[0]
        if not page.rows and kind != "top":
            # Nothing beyond this edge (or the rows vanished): fall back to the top.
            if kind == "before" or not self.rows_shown:
                self.anchor, self.first_index = ("top",), 0
                self._load(self.anchor, None, False)
            else:
                self._update_settled()
            return
        if kind == "top":
            self.first_index = 0
        elif message.rank is not None:
            self.first_index = message.rank + len(message.page.rows) - len(page.rows) \
                if kind == "before" else message.rank  # (cut from the top when read upwards)
        elif message.turning and kind == "after":
            self.first_index += len(self.rows_shown)
        elif message.turning and kind == "before":
            self.first_index = max(0, self.first_index - len(page.rows))
        self.anchor = message.anchor
        self.has_before, self.has_after = page.has_before, page.has_after
        self._follow_id = None
        self._details = {}
        cursor_index = min(message.cursor_index, max(0, len(page.rows) - 1))
        detail = message.detail
        if detail is not None and (not page.rows or detail.id != page.rows[cursor_index].id):
            detail = None  # its row was cut off the page: the shown row's is read (watch)
        if detail is not None:
            self._details[detail.id] = detail
        self._show_detail(detail)
        self.show_rows(page.rows, self.marked, cursor_index)
        self.pages_shown += 1
        others = [r.id for r in page.rows if detail is None or r.id != detail.id]
        if others:
            self._read_details(others, message.generation)
        self._read_next(upwards=kind == "before")
        while self._pending_moves and not self.page_loading:
            self._move(self._pending_moves.pop(0))
        self._update_settled()

    def _read_next(self, upwards: bool) -> None:
        """Read the page the cursor is heading for, to turn to it at once."""
        rows = self.rows_shown
        if rows and (self.has_before if upwards else self.has_after):
            anchor = ("before", rows[0].cursor) if upwards else ("after", rows[-1].cursor)
            self._read_ahead(self.of, self._limit, anchor, self._generation)

    def on_page_read_ahead(self, message: PageReadAhead) -> None:
        message.stop()
        if message.loaded.generation == self._landed == self._generation:
            self._ahead = message.loaded  # (nothing has been loaded since it was asked for)

    def _fitted(self, page: Page, kind: str) -> Page:
        """The page cut to the rows that fit (it was read before the list had its size);
        from the bottom when it was read upwards, so that it still meets the page below."""
        fits = self.visible_rows
        if len(page.rows) <= fits:
            return page
        if kind == "before":
            return Page(page.rows[-fits:], has_before=True, has_after=page.has_after)
        return Page(page.rows[:fits], has_before=page.has_before, has_after=True)

    def on_details_read(self, message: DetailsRead) -> None:
        message.stop()
        if message.generation == self._landed == self._generation:
            self._details.update(message.details)

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        message.stop()
        current = self.current
        if message.row_id != (current.id if current is not None else None):
            return  # read for a row the cursor has left: a newer answer is on its way
        if message.detail is not None:
            self._details[message.detail.id] = message.detail
        self._show_detail(message.detail)

    def watch_cursor_row(self, old: int, new: int) -> None:
        super().watch_cursor_row(old, new)
        row = self.current
        if row is None:
            if self.detail is not None:
                self._show_detail(None)
        elif self.detail is None or self.detail.id != row.id:
            if row.id in self._details:
                self._show_detail(self._details[row.id])  # the same frame as the cursor
            else:
                self._load_detail(row.id)

    def _show_detail(self, detail: Any) -> None:
        self.detail = detail
        self.show_detail(detail)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.group == "ahead":
            return  # (a page read ahead that failed is read again if it is turned to)
        if event.worker.group == "page":
            # A page that failed to load is not coming: keys waiting for it must go on.
            self._landed = self._generation
            self._pending_moves.clear()
            self._update_settled()
        self.notify(worker_error_text(event.worker), severity="error", timeout=10,
                    markup=False)

    # -- moving -------------------------------------------------------------------------------

    def action_nav(self, move: str) -> None:
        self.nav(move)

    def nav(self, move: str) -> None:
        """↑ ↓ PgUp PgDn: now, or after the page being loaded has landed."""
        if self.page_loading or self._pending_moves:
            self._pending_moves.append(move)
            self._update_settled()
        else:
            self._move(move)

    def _move(self, move: str) -> None:
        if move == "down" and self.cursor_row < len(self.rows_shown) - 1:
            self.cursor_row += 1
        elif move == "up" and self.cursor_row > 0:
            self.cursor_row -= 1
        elif self.rows_shown:
            self._turn("after" if move in ("down", "page_down") else "before")

    def _turn(self, direction: str) -> None:
        rows = self.rows_shown
        if direction == "after" and self.has_after:
            anchor = ("after", rows[-1].cursor)
        elif direction == "before" and self.has_before:
            anchor = ("before", rows[0].cursor)
        else:
            return
        ahead = self._ahead
        if ahead is not None and ahead.anchor == anchor:
            self._generation += 1  # (drops the page read ahead, and any later answer)
            self._ahead = None
            self.on_page_loaded(replace(ahead, generation=self._generation))
        else:
            self._load(anchor, None, True)

    def _update_settled(self) -> None:
        if self.page_loading or self._pending_moves:
            self._settled.clear()
        else:
            self._settled.set()

    async def settled_detail(self, timeout: float = 10.0) -> Any:
        """The detail of the row the cursor is on once every move asked for has landed: the
        row an action key acts on. None when there is no row (or the page never came)."""
        try:
            await asyncio.wait_for(self._settled.wait(), timeout)
        except TimeoutError:
            return None
        current = self.current
        if current is None:
            return None
        if self.detail is None or self.detail.id != current.id:
            detail = self._details.get(current.id)
            if detail is None:
                detail = await asyncio.to_thread(self._read_detail, current.id)
            self._show_detail(detail)
        return self.detail

    def set_marked(self, row_id: int, marked: bool) -> None:
        """Mark or unmark a row of the page (the queue's bulk steps)."""
        (self.marked.add if marked else self.marked.discard)(row_id)
        for index, row in enumerate(self.rows_shown):
            if row.id == row_id:
                self.set_mark(index, marked)
