"""受理队列: the intake queue — a keyset-paged window, a detail pane, and action keys derived
from the lifecycle table."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from dutydesk.domain.lifecycle import DESK_ROLES, Action, Channel, Role, transition_for
from dutydesk.errors import DutyDeskError
from dutydesk.domain.text import printable
from dutydesk.i18n import t
from dutydesk.services import claims, queue
from dutydesk.services.cases import REPORTER_ROLES
from dutydesk.services.context import Actor, Desk
from dutydesk.services.keyset import Cursor, Page
from dutydesk.services.queue import CaseDetail, DeskCounts, QueueFilter, View
from dutydesk.tui import keys
from dutydesk.tui.claiming import ClaimKeys
from dutydesk.tui.format import fitted_width, plain
from dutydesk.tui.messages import CountLoaded, FeedChanged
from dutydesk.tui.screens.board import BoardScreen
from dutydesk.tui.widgets import (CaseDetailView, CaseTable, DeskFooter, PagedTable,
                                  PageSource, TextInput, TitleBar)

BULK_ACTIONS = frozenset({Action.URGE, Action.DISPATCH})


@dataclass(frozen=True)
class Opening:
    """What the queue shows first, read before the terminal is taken over (the session's start,
    `read_opening`): its first frame shows the rows, the cursor row's detail and the counts,
    where workers reading them once the screen was laid out brought them three frames later."""

    page: Page
    detail: CaseDetail | None
    total: int
    counts: DeskCounts


def read_opening(desk: Desk, actor: Actor, rows: int) -> Opening | None:
    """The first page of the officer's default view, `rows` long (the terminal's lines: more
    than fit under the bars; the list cuts it), with its counts."""
    view = QueueFilter()
    try:
        page = queue.queue_page(desk, actor, view, limit=max(1, rows))
        detail = queue.case_detail(desk, actor, page.rows[0].id) if page.rows else None
        return Opening(page, detail, queue.queue_count(desk, actor, view),
                       queue.desk_counts(desk, actor))
    except DutyDeskError:
        return None  # the board reads them itself, and says what failed


class QueueScreen(ClaimKeys, BoardScreen):
    BINDINGS = keys.bindings(keys.QUEUE_KEYS + keys.CASE_ACTION_KEYS)
    CSS_PATH = "queue.tcss"

    def __init__(self, opening: Opening | None = None) -> None:
        super().__init__()
        self.opening = opening  # until it is shown
        self.filter = QueueFilter()
        self.total: int | None = None
        self.counts: DeskCounts | None = None  # the header's 今日受理 / 待受理 / 超期
        self.count_generation = 0
        self._bar_texts: dict[str, Text] = {}
        self._counted = -1  # the count generation last asked for

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar(t("screen.queue"))
        with Horizontal(id="view-bar"):
            # Drawn with its words, not given them after the layout: that took a frame more.
            views = self._bar_texts["#views"] = self._views_text()
            yield Static(views, id="views")
            yield TextInput(placeholder=t("queue.search_placeholder"), id="search")
        opening = self.opening
        yield CaseTable(PageSource(self._read_page, self._read_detail, self._read_rank),
                        self._show_detail,
                        of=self.filter, id="cases",
                        first=(opening.page, opening.detail) if opening else None)
        yield Static(id="status-bar")
        yield CaseDetailView(id="detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.set_focus(self.query_one(CaseTable))
        self.watch(self.table, "pages_shown", self._page_shown, init=False)
        self.restart()
        if self.opening is not None:
            # Counted already: shown with the first page, and said to the app as a count is
            # (its first sweep waits for the first board to be whole).
            counted = CountLoaded(self.opening.total, self.count_generation, self.opening.counts)
            self._counted = self.count_generation
            self._count_loaded(counted)
            self.post_message(counted)
            self.opening = None
        self.set_interval(60, self._tick)

    def _tick(self) -> None:
        """The clock in the title and the detail's 还剩 / 超期 move on without a database read."""
        self._render_bars()
        pane = self.query_one(CaseDetailView)
        pane.show(pane.detail)

    def on_resize(self) -> None:
        table = self.query_one(CaseTable)
        table.setup_columns(self.size.width, self._natural_widths())

    def _natural_widths(self) -> dict[str, int]:
        """The longest label each narrow column may show (from the reference data)."""
        choices = self.app.choices
        return {
            "channel": fitted_width([t(f"channel.{c.value}") for c in Channel]),
            "category": fitted_width([c.label for c in choices["categories"]]),
            "node": fitted_width([c.label.strip() for c in choices["nodes"]]),
        }

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    @property
    def paged_list(self) -> CaseTable:
        return self.table

    # -- the list: workers touch no widgets, they post messages --------------------------------

    def restart(self) -> None:
        """A new filter or view: back to the top, recount."""
        self.total = None
        self.count_generation += 1  # counted once the first page is on screen
        self.table.restart(self.filter)
        self._render_bars()

    def reload(self) -> None:
        self.table.reload()

    def show_case(self, case_id: int) -> None:
        """Another board's "open the case": all cases, searched by its number."""
        self.filter = QueueFilter(view=View.ALL, search=str(case_id))
        self.query_one("#search", Input).value = str(case_id)
        self.restart()

    def _read_page(self, query: QueueFilter, limit: int, after, before) -> Page:
        return queue.queue_page(self.desk, self.actor, query, limit=limit, after=after,
                                before=before)

    def _read_rank(self, query: QueueFilter, cursor: Cursor) -> int:
        return queue.queue_count(self.desk, self.actor, query, above=cursor)

    def _read_detail(self, case_id: int) -> CaseDetail:
        return queue.case_detail(self.desk, self.actor, case_id)

    def _show_detail(self, detail) -> None:
        self.query_one(CaseDetailView).show(detail)

    def _page_shown(self) -> None:  # (watches the list's pages_shown)
        self._render_bars()
        if self.total is None and self._counted != self.count_generation:
            # Counting can take far longer than a page at 1M rows: start it only now.
            self._counted = self.count_generation
            self.load_count(self.filter, self.count_generation)

    @on(PagedTable.RowHighlighted)
    def _row_moved(self, _message: PagedTable.RowHighlighted) -> None:
        self._render_bars()

    def _recount(self) -> None:
        """Count again after a change, keeping the old total on screen meanwhile."""
        self.count_generation += 1
        self._counted = self.count_generation
        self.load_count(self.filter, self.count_generation)

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def load_count(self, filter_: QueueFilter, generation: int) -> None:
        self.post_message(CountLoaded(queue.queue_count(self.desk, self.actor, filter_),
                                      generation, queue.desk_counts(self.desk, self.actor)))

    # -- message handlers ---------------------------------------------------------------------

    @on(CountLoaded)
    def _count_loaded(self, message: CountLoaded) -> None:
        if message.generation == self.count_generation:
            self.total = message.total
            self.counts = message.counts
            self._render_bars()

    @on(FeedChanged)
    def _feed_changed(self, message: FeedChanged) -> None:
        self.reload()
        self._recount()

    @on(CaseTable.RowSelected)
    def _row_selected(self, _event: CaseTable.RowSelected) -> None:
        self.action_toggle_timeline()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.filter = replace(self.filter, search=event.value)
        self.set_focus(self.table)
        self.restart()

    # -- rendering of the bars ---------------------------------------------------------------

    def _views_text(self) -> Text:
        views = Text()
        for number, view in enumerate(View, start=1):
            views.append(f" {number} {t('view.' + view.value)} ",
                         style="reverse" if view is self.filter.view else "")
        return views

    def _render_bars(self) -> None:
        actor = self.actor
        self._set("#views", self._views_text())
        table = self.table
        rows = table.rows_shown
        if rows:
            first, last = table.first_index + 1, table.first_index + len(rows)
            position = (t("queue.position", first=first, last=last, total=self.total)
                        if self.total is not None
                        else t("queue.position_counting", first=first, last=last))
        else:
            position = t("queue.empty")
        parts = [position]
        if table.marked:
            parts.append(t("queue.selected", count=len(table.marked)))
        extra = self._filter_text()
        if extra:
            parts.append(t("queue.filters", text=extra))
        if self.counts is not None:  # last: on a narrow terminal it is what gets cut
            c = self.counts
            parts.append(t("queue.counts_unit", overdue=c.overdue) if actor.role is Role.UNIT
                         else t("queue.counts", today=c.today, new=c.new, overdue=c.overdue))
        self._set("#status-bar", plain("  ·  ".join(parts)))

    def _set(self, selector: str, text: Text) -> None:
        # No repaint at all when unchanged (most cursor moves), and no layout pass for bars
        # whose size the text cannot change.
        if self._bar_texts.get(selector) != text:
            self._bar_texts[selector] = text
            # #views is sized by its text; the others span the screen's width.
            self.query_one(selector, Static).update(text, layout=selector == "#views")

    def _filter_text(self) -> str:
        f = self.filter
        bits = []
        if f.channel:
            bits.append(t(f"channel.{f.channel}"))
        if f.state:
            bits.append(t(f"state.{f.state}"))
        if f.node_id is not None:
            bits.append(self._node_label(f.node_id))
        if f.search:
            bits.append(f"“{f.search}”")
        return " ".join(bits)

    def _node_label(self, node_id: int) -> str:
        for choice in self.app.choices["nodes"]:
            if choice.id == node_id:
                return choice.label.strip()
        return str(node_id)

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.focused, Input) and action != "clear":
            return False  # typing in the search box: the letter is text, not a command
        if action == "new_case":
            return self.actor.role in REPORTER_ROLES  # units and the admin do not register
        if action == "whistle":  # 吹哨 is the desk's; whether it applies, the settled row's
            return self.actor.role in DESK_ROLES and (self.table.current is not None
                                                      or self.table.page_loading)
        if action == "case_action":  # whether it applies is decided on the settled row
            if self.table.marked and Action(parameters[0]) in BULK_ACTIONS:
                return True
            return self.table.current is not None or self.table.page_loading
        return super().check_action(action, parameters)

    def action_view(self, view: str) -> None:
        self.filter = replace(self.filter, view=View(view))
        self.restart()

    def action_search(self) -> None:
        # At once, not deferred: the keys typed right after `/` must land in the box.
        self.set_focus(self.query_one("#search", Input))

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        if self.has_class("-timeline"):
            self.action_toggle_timeline()
        elif self.table.marked:
            self.table.marked.clear()
            self.reload()
        elif self.filter != QueueFilter(view=self.filter.view):
            search.value = ""
            self.filter = QueueFilter(view=self.filter.view)
            self.restart()
        if search.has_focus:
            self.set_focus(self.table)

    def action_toggle_mark(self) -> None:
        current = self.table.current
        if current is None:
            return
        self.table.set_marked(current.id, current.id not in self.table.marked)
        self._render_bars()

    def action_toggle_timeline(self) -> None:
        self.toggle_class("-timeline")
        pane = self.query_one(CaseDetailView)
        pane.set_expanded(self.has_class("-timeline"))
        self.set_focus(pane if pane.expanded else self.table)

    async def action_filter(self) -> None:
        from dutydesk.tui.screens.forms import FilterScreen

        def apply(result: QueueFilter | None) -> None:
            if result is not None:
                self.filter = result
                self.restart()

        await self.app.push_screen(FilterScreen(self.filter), apply)

    async def action_new_case(self) -> None:
        from dutydesk.tui.screens.forms import NewCaseScreen

        def done(case_id: int | None) -> None:
            if case_id is not None:
                self.notify(t("form.saved", id=case_id), markup=False)
                self.restart()

        await self.app.push_screen(NewCaseScreen(), done)

    async def action_reveal_phone(self) -> None:
        """P: the reporter's full phone, asked with a reason (logged), shown for a while."""
        from dutydesk.services.privacy import REVEAL_SECONDS, reveal_phone
        from dutydesk.tui.screens.forms import reveal_with_reason

        detail = await self.table.settled_detail()
        if detail is None or not detail.reporter_phone_masked:
            return
        await reveal_with_reason(
            self, lambda reason: reveal_phone(self.desk, self.actor, detail.id, reason),
            lambda phone: t("privacy.shown", case=detail.id, phone=phone,
                            seconds=REVEAL_SECONDS))

    async def action_whistle(self) -> None:
        """w: 吹哨 on any hard case — the departments called in must 报到 by the configured
        limit (the dispute table's any-case step, with its own form)."""
        from dutydesk.domain.disputes import DISPUTE_STEP, DisputeAction
        from dutydesk.services.dispute_board import dispute_detail
        from dutydesk.tui.screens.dispute_forms import StepScreen

        detail = await self.table.settled_detail()
        if detail is None:
            return
        try:  # read off the UI loop, like every page
            full = await asyncio.to_thread(dispute_detail, self.desk, self.actor, detail.id)
        except DutyDeskError as exc:
            self.refuse_key(exc.message())
            return
        step = DISPUTE_STEP[DisputeAction.WHISTLE]
        if step not in full.steps:
            self.refuse_key(t("dispute.error.not_now", action=t("dispute.action.whistle")))
            return

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)
                self.reload()

        await self.app.push_screen(StepScreen(step, full), done)

    def claim_item(self, detail: CaseDetail) -> tuple[str, str]:
        return claims.subject_of(detail.id), f"#{detail.id}"

    async def action_case_action(self, name: str) -> None:
        from dutydesk.tui.screens.forms import ActionScreen

        action = Action(name)
        transition = transition_for(action)
        if self.table.marked and action in BULK_ACTIONS:
            targets = sorted(self.table.marked)
            detail = None
        elif (detail := await self.table.settled_detail()) is not None:
            if not any(tr.action is action for tr in detail.actions):
                self.refuse_key(detail.refusals[name])  # the table's reason
                return
            if self.held_elsewhere(detail):
                return  # said before anything is typed (the service refuses it anyway)
            targets = [detail.id]
        else:
            return

        def finished(outcome: tuple[str, str | None] | None) -> None:
            if outcome is None:
                return
            text, failures = outcome
            if len(targets) > 1:
                self.table.marked.clear()
            self.notify(printable(text + (f"\n{failures}" if failures else ""), multiline=True),
                        severity="warning" if failures else "information",
                        timeout=10 if failures else 4, markup=False)
            self.reload()
            self._recount()

        await self.app.push_screen(ActionScreen(transition, self.actor.role, targets, detail),
                                   finished)
