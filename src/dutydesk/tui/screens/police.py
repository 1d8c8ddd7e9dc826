"""110 分流: the non-police calls 110 hands over, by section, with their timers; keys from the
transfer's own table. Paged like the intake queue (PagedList)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.police import TRANSFER_BY_ACTION, Section, TransferAction, TransferState
from dutydesk.domain.text import printable
from dutydesk.i18n import local_time, t
from dutydesk.services import police
from dutydesk.services import claims
from dutydesk.services.keyset import Cursor
from dutydesk.services.police import TransferDetail, TransferRow
from dutydesk.tui import keys
from dutydesk.tui.claiming import ClaimKeys, hold_text
from dutydesk.tui.format import deadline_label, deadline_long, plain
from dutydesk.tui.messages import FeedChanged, PoliceCountsLoaded
from dutydesk.tui.screens.board import BoardScreen
from dutydesk.tui.widgets import Column, DeskFooter, DetailPane, PagedList, PageSource, TitleBar

TRANSFER_COLUMNS = (
    Column("number", "police.field.number", 17),
    Column("time", "police.field.called_at", 12, keep=1),
    Column("summary", "police.field.summary", flex=True),
    Column("state", "column.state", 10),
    Column("deadline", "column.deadline", 8),
)


def transfer_cells(row: TransferRow, no_color: bool) -> dict[str, tuple[str, str]]:
    deadline, style = deadline_label(row.deadline, no_color)
    state = t(f"police.state.{row.state}")
    if row.case_state:
        state = t(f"state.{row.case_state}")
    return {
        "number": (row.number, ""),
        "time": (local_time(row.called_at), ""),
        "summary": (("⚠ " if row.danger else "") + printable(row.summary),
                    "bold" if row.danger else ""),
        "state": (state, ""),
        "deadline": (deadline, style),
    }


class PoliceScreen(ClaimKeys, BoardScreen):
    BINDINGS = keys.bindings(keys.POLICE_KEYS + keys.TRANSFER_ACTION_KEYS)
    CSS_PATH = "police.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.section = Section.WAITING
        self.counts: dict[Section, int] = {}
        self.figures: police.PoliceFigures | None = None  # today's, for the status line
        # The share of all 110 calls, over the latest period whose total is recorded.
        self.period: tuple[tuple[dt.date, dt.date], police.PoliceFigures] | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(t("police.title"))
        yield Static(id="sections")
        yield PagedList(TRANSFER_COLUMNS, transfer_cells,
                        PageSource(self._read_page, self._read_detail, self._read_rank),
                        self._show_detail, id="transfers")
        yield Static(id="status-bar")
        yield DetailPane(self._detail_lines, t("police.board.no_selection"),
                         id="transfer-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.set_focus(self.paged_list)
        self.watch(self.paged_list, "pages_shown", self._render_bars, init=False)
        self.paged_list.restart(self.section)
        self.load_counts()
        self._render_bars()
        # The sign-for limit is minutes long: the timers are read again every quarter minute.
        self.set_interval(15, self._tick)

    def _tick(self) -> None:
        if self.is_current:
            self.reload()

    def on_resize(self) -> None:
        self.paged_list.setup_columns(self.size.width)

    # -- the list ---------------------------------------------------------------------------

    @property
    def paged_list(self) -> PagedList:
        return self.query_one("#transfers", PagedList)

    def _read_page(self, query: Section, limit: int, after, before):
        return police.transfer_page(self.desk, self.actor, query, after=after, before=before,
                                    limit=limit)

    def _read_rank(self, query: Section, cursor: Cursor) -> int:
        return police.transfers_above(self.desk, self.actor, query, cursor)

    def _read_detail(self, transfer_id: int) -> TransferDetail:
        return police.transfer_detail(self.desk, self.actor, transfer_id)

    def _show_detail(self, detail) -> None:
        self.query_one(DetailPane).show(detail)

    def reload(self) -> None:
        """The page read again (after a step, a change from elsewhere, the timer's tick), and
        the counts with it; turning pages reads neither the counts nor the figures."""
        self.paged_list.reload()
        self.load_counts()

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def load_counts(self) -> None:
        counts = police.section_counts(self.desk, self.actor)
        today = local_date(self.desk.clock.now())
        figures = police.police_figures(self.desk, today, today)
        period = police.latest_period(self.desk)
        share = (period, police.police_figures(self.desk, *period)) if period else None
        self.post_message(PoliceCountsLoaded(counts, figures, share))

    @on(PoliceCountsLoaded)
    def _counts_loaded(self, message: PoliceCountsLoaded) -> None:
        self.counts, self.figures, self.period = message.counts, message.figures, \
            message.period
        self._render_bars()

    @on(FeedChanged)
    def _feed_changed(self, _message: FeedChanged) -> None:
        self.reload()

    # -- drawing ----------------------------------------------------------------------------

    def _render_bars(self) -> None:
        bar = Text()
        for number, section in enumerate(Section, start=1):
            count = self.counts.get(section)
            label = f" {number} {t('police.section.' + section.value)}"
            label += f" {count} " if count is not None else " "
            bar.append(label, style="reverse" if section is self.section else "")
        self.query_one("#sections", Static).update(bar)
        rows = self.paged_list.rows_shown
        first, last = self.paged_list.first_index + 1, self.paged_list.first_index + len(rows)
        total = self.counts.get(self.section)
        position = (t("police.board.empty") if not rows
                    else t("queue.position", first=first, last=last, total=total)
                    if total is not None
                    else t("queue.position_counting", first=first, last=last))
        f = self.figures
        if f is not None:
            share = "—"
            if self.period is not None and self.period[1].share is not None:
                (first, last), figures = self.period
                share = f"{figures.share:.0%}({first:%m-%d}~{last:%m-%d})"
            position += "  ·  " + t("police.board.figures", received=f.received,
                                     diverted=f.diverted, returned=f.returned, share=share,
                                     signed=f"{f.signed_on_time}/{f.signed}",
                                     fed_back=f"{f.fed_back_on_time}/{f.fed_back}")
        self.query_one("#status-bar", Static).update(plain(position))

    def _detail_lines(self, d: TransferDetail) -> list[Text]:
        lines = []
        head = Text(f"{d.row.number}  ", style="bold")
        head.append(plain(d.row.summary))
        lines.append(head)
        if d.danger:
            lines.append(Text(t("police.board.danger", terms="、".join(d.danger)),
                              style="bold reverse" if self.app.no_color else "bold white on red"))
        if d.row.deadline is None and (d.return_reason or d.feedback):  # its end, not a timer
            lines.append(plain(t("police.board.returned", reason=d.return_reason)
                               if d.return_reason else
                               t("police.board.fed_back", feedback=d.feedback)))
        elif d.row.deadline is None and d.row.state == TransferState.DIVERTED.value:
            lines.append(plain(t("police.board.awaiting_result")))  # contacted; no result yet
        else:
            lines.append(deadline_long(d.row.deadline, self.desk.clock.now(),
                                       self.app.no_color))
        lines.append(plain(t("police.board.times", called=local_time(d.called_at),
                             arrived=local_time(d.row.created_at))
                           + f"  {d.caller} {d.phone_masked}  "
                           f"{d.row.address}  {d.station}  {d.category_110}"))
        if d.row.case_id:
            lines.append(plain(t("police.board.case", case=d.row.case_id,
                                 state=t(f"state.{d.row.case_state}"))))
        if d.routing.node_code:
            lines.append(plain(t("police.board.routing", node=d.routing.node_code,
                                 category=d.routing.category_code or "—",
                                 units="、".join(d.routing.unit_codes) or "—")))
        keys_line = hold_text(d)
        keys_line.append("  ".join(f"{tr.key} {t('police.action.' + tr.action.value)}"
                                   for tr in d.actions), style="bold")
        lines.append(keys_line if keys_line.plain else Text(t("detail.no_actions"),
                                                            style="bold"))
        return lines

    def claim_item(self, detail: TransferDetail) -> tuple[str, str]:
        return claims.transfer_subject(detail.id), detail.row.number

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "transfer_action":  # whether it applies is decided on the settled row
            return self.paged_list.current is not None or self.paged_list.page_loading
        return super().check_action(action, parameters)

    def action_toggle_timeline(self) -> None:
        self.toggle_class("-timeline")
        pane = self.query_one(DetailPane)
        pane.set_expanded(self.has_class("-timeline"))
        self.set_focus(pane if pane.expanded else self.paged_list)

    def action_close_timeline(self) -> None:
        if self.has_class("-timeline"):
            self.action_toggle_timeline()

    def action_section(self, section: str) -> None:
        self.section = Section(section)
        self.paged_list.restart(self.section)
        self._render_bars()

    async def action_reveal_caller(self) -> None:
        """P: the caller's full phone, asked with a reason (logged), shown for a while."""
        from dutydesk.services.privacy import REVEAL_SECONDS, reveal_caller
        from dutydesk.tui.screens.forms import reveal_with_reason

        detail = await self.paged_list.settled_detail()
        if detail is None or not detail.phone_masked:
            return
        await reveal_with_reason(
            self, lambda reason: reveal_caller(self.desk, self.actor, detail.row.id, reason),
            lambda phone: t("privacy.shown_caller", number=detail.row.number, phone=phone,
                            seconds=REVEAL_SECONDS))

    async def action_new_transfer(self) -> None:
        from dutydesk.tui.screens.police_forms import NewTransferScreen

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)
                self.action_section(Section.WAITING.value)

        await self.app.push_screen(NewTransferScreen(), done)

    async def action_import_file(self) -> None:
        from dutydesk.tui.screens.police_forms import ImportScreen

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)
                self.reload()

        await self.app.push_screen(ImportScreen(), done)

    async def action_export_feedback(self) -> None:
        from dutydesk.tui.screens.police_forms import ExportFeedbackScreen

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)

        detail = await self.paged_list.settled_detail()
        current = detail if detail is not None and detail.feedback else None
        await self.app.push_screen(ExportFeedbackScreen(current), done)

    async def action_call_total(self) -> None:
        from dutydesk.tui.screens.police_forms import CallTotalScreen

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)
                self.load_counts()

        await self.app.push_screen(CallTotalScreen(), done)

    async def action_transfer_action(self, name: str) -> None:
        from dutydesk.tui.screens.police_forms import TransferActionScreen

        detail = await self.paged_list.settled_detail()
        if detail is None:
            return
        transition = TRANSFER_BY_ACTION[TransferAction(name)]
        if transition not in detail.actions:
            in_state = TransferState(detail.row.state) in transition.sources
            self.refuse_key(t("police.error.no_result") if in_state and transition.needs_result
                            else t("error.transition", action=t(f"police.action.{name}"),
                                   state=t(f"police.state.{detail.row.state}")))
            return
        if self.held_elsewhere(detail):
            return

        def finished(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)
                self.reload()

        await self.app.push_screen(TransferActionScreen(transition, detail), finished)
