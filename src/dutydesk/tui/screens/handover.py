"""交接班: the handover sheets, newest first (a PagedList), and the selected sheet in
full as it was made — the shift, both sides' rosters and acknowledgements, and each section's
count and first items. `g` makes the sheet of the shift that is ending (with its 交接事项), `a`
acknowledges one (the duty chief standing in for a side says why)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import language, local_time, t
from dutydesk.services import duty
from dutydesk.services.duty import SECTIONS, HandoverDetail, HandoverRow
from dutydesk.tui import keys
from dutydesk.tui.format import plain
from dutydesk.tui.messages import Done, FeedChanged, KeyRefused
from dutydesk.tui.screens.board import BoardScreen
from dutydesk.tui.screens.forms import ReasonScreen
from dutydesk.tui.widgets import Column, DeskFooter, DetailPane, PagedList, PageSource, TitleBar

HANDOVER_COLUMNS = (
    Column("made", "duty.column.made", 12),
    Column("shift", "duty.column.shift", 16),
    Column("outgoing", "duty.column.outgoing", 10),
    Column("incoming", "duty.column.incoming", flex=True),
)


class HandoverScreen(BoardScreen):
    BINDINGS = keys.bindings(keys.HANDOVER_KEYS)
    CSS_PATH = "handover.tcss"

    def compose(self) -> ComposeResult:
        yield TitleBar(t("duty.title"))
        yield Static(id="shift-bar")
        yield PagedList(HANDOVER_COLUMNS, self._cells,
                        PageSource(self._read_page, self._read_detail),
                        self._show_detail, id="handovers")
        yield DetailPane(self._sheet_lines, t("duty.no_selection"), fixed_height=False,
                         id="sheet")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.set_focus(self.paged_list)
        self.paged_list.restart()
        self._draw_bars()

    def _draw_bars(self) -> None:
        running = duty.current_shift(self.desk)
        text = t("duty.now", shift=self._shift_text(running.shift.code, running.day)) \
            if running else t("duty.error.no_shift")
        ending = duty.shift_handing_over_now(self.desk)
        if ending is not None and ending != running:
            text += "  " + t("duty.sheet_for", shift=self._shift_text(ending.shift.code,
                                                                      ending.day))
        self.query_one("#shift-bar", Static).update(plain(text))

    def _shift_text(self, code: str, day: dt.date) -> str:
        shift = next((s for s in self.desk.settings.shifts if s.code == code), None)
        return f"{shift.text(language()) if shift else code} {day.isoformat()}"

    def _cells(self, row: HandoverRow, no_color: bool) -> dict[str, tuple[str, str]]:
        return {"made": (local_time(row.created_at), ""),
                "shift": (self._shift_text(row.shift, row.day), ""),
                "outgoing": (row.outgoing or "—", "" if row.outgoing else "bold"),
                "incoming": (row.incoming or "—", "" if row.incoming else "bold")}

    def _sheet_lines(self, d: HandoverDetail) -> list[Text]:
        none = t("duty.sheet.none")
        shift = d.sheet.get("shift", {})
        begins = dt.datetime.fromisoformat(shift["begins"]).astimezone(LOCAL_TZ) \
            if shift else None
        ends = dt.datetime.fromisoformat(shift["ends"]).astimezone(LOCAL_TZ) if shift else None
        lines = [Text(t("duty.sheet.shift", shift=self._shift_text(d.row.shift, d.row.day),
                        day="", begins=f"{begins:%H:%M}" if begins else "",
                        ends=f"{ends:%H:%M}" if ends else ""), style="bold"),
                 plain(t("duty.sheet.outgoing", names="、".join(d.outgoing_roster) or none,
                         who=d.row.outgoing or "—")),
                 plain(t("duty.sheet.incoming", names="、".join(d.incoming_roster) or none,
                         who=d.row.incoming or "—"))]
        if d.sheet.get("notes"):
            lines.append(plain(t("duty.sheet.notes", notes=d.sheet["notes"])))
        for name in SECTIONS:
            section = d.sheet.get(name, {"count": 0, "items": []})
            lines.append(Text(f"{t('duty.section.' + name)}  {section['count']}",
                              style="bold underline" if section["count"] else "bold"))
            for item_id, text in section["items"]:
                lines.append(plain(f"  #{item_id} {text}"))
            hidden = section["count"] - len(section["items"])
            if hidden > 0:
                lines.append(plain("  " + t("duty.sheet.more", count=hidden)))
        if d.may_acknowledge:
            lines.append(Text(f"a {t('duty.action.acknowledge')}", style="bold"))
        return lines

    # -- the list -----------------------------------------------------------------------------

    @property
    def paged_list(self) -> PagedList:
        return self.query_one("#handovers", PagedList)

    def _read_page(self, _query, limit: int, after, before):
        return duty.handover_page(self.desk, self.actor, after=after, before=before, limit=limit)

    def _read_detail(self, handover_id: int) -> HandoverDetail:
        return duty.handover_detail(self.desk, self.actor, handover_id)

    def _show_detail(self, detail) -> None:
        self.query_one(DetailPane).show(detail)

    def on_resize(self) -> None:
        self.paged_list.setup_columns(self.size.width)

    def on_feed_changed(self, _message: FeedChanged) -> None:
        self.paged_list.reload()
        self._draw_bars()

    # -- keys ---------------------------------------------------------------------------------

    async def action_hand_over(self) -> None:
        ending = duty.shift_handing_over_now(self.desk)
        if ending is None:
            self.refuse_key(t("duty.error.no_shift"))
            return
        title = t("duty.make_title", shift=self._shift_text(ending.shift.code, ending.day))
        await self.app.push_screen(ReasonScreen(
            title, lambda notes: duty.hand_over(self.desk, self.actor, notes),
            lambda _id: t("duty.made"), field="handover_notes", required=False), self._made)

    def _made(self, text: str | None) -> None:
        if text:
            self.notify(text, markup=False)
            self.paged_list.restart()

    async def action_acknowledge(self) -> None:
        detail = await self.paged_list.settled_detail()
        if detail is None:
            return
        if not detail.may_acknowledge:
            self.refuse_key(t("duty.error.not_yours"))
            return
        if detail.stand_in_side:  # the chief standing in for a side says why
            await self.app.push_screen(ReasonScreen(
                t("duty.stand_in_title", side=t(f"duty.side.{detail.stand_in_side}")),
                lambda reason: duty.acknowledge(self.desk, self.actor, detail.id,
                                                detail.row.version, reason),
                lambda _id: t("duty.acknowledged")), self._made_ack)
            return
        self.run_worker(lambda: self._ack(detail), thread=True, exclusive=True,
                        group="handover", exit_on_error=False)

    def _made_ack(self, text: str | None) -> None:
        if text:
            self._acknowledged()

    def _ack(self, detail: HandoverDetail) -> None:
        try:
            duty.acknowledge(self.desk, self.actor, detail.id, detail.row.version)
        except DutyDeskError as exc:
            self.post_message(KeyRefused(exc.message()))
            return
        self.post_message(Done(t("duty.acknowledged")))

    @on(KeyRefused)
    def _key_refused(self, message: KeyRefused) -> None:
        self.refuse_key(message.text)

    @on(Done)
    def _done_ack(self, _message: Done) -> None:
        self._acknowledged()

    def _acknowledged(self) -> None:
        self.notify(t("duty.acknowledged"), markup=False)
        self.paged_list.reload()
