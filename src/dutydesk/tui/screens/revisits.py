"""回访日历: a month grid of the revisits still due, by day and period (overdue marked ✗ and
drawn red), holidays (休, "off") and adjusted working days (班, "work") marked; Enter opens the day's agenda,
`o` the overdue list, `c` what awaits the duty chief — each a keyset-paged list (PagedList)
whose steps come from the revisit's own table."""

from __future__ import annotations

import calendar as monthcal
import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.revisits import (
    PERIODS, REVISIT_STEP, RevisitAction, RevisitStatus, step_refusal,
)
from dutydesk.domain.text import printable
from dutydesk.i18n import t
from dutydesk.services import revisit_calendar as cal
from dutydesk.services.revisit_calendar import (
    CALLBACK, DayCounts, ListKind, RevisitDetail, RevisitList, RevisitRow,
)
from dutydesk.tui import keys
from dutydesk.tui.format import fit_pad, plain
from dutydesk.tui.messages import FeedChanged, MonthLoaded
from dutydesk.tui.screens.board import BoardScreen
from dutydesk.tui.widgets import Column, DeskFooter, DetailPane, PagedList, PageSource, TitleBar

KINDS = [p.value for p in PERIODS] + [CALLBACK]
OVERDUE_STYLE, OVERDUE_STYLE_NO_COLOR = "bold #ff8787", "bold reverse"

REVISIT_COLUMNS = (
    Column("case", "column.id", 6),
    Column("kind", "revisit.column.kind", 12),
    Column("summary", "column.summary", flex=True),
    Column("due", "revisit.column.due", 11),
    Column("status", "column.state", 8),
)


def kind_label(kind: str) -> str:
    return t(f"revisit.short.{kind}")


def revisit_cells(row: RevisitRow, no_color: bool) -> dict[str, tuple[str, str]]:
    style = (OVERDUE_STYLE_NO_COLOR if no_color else OVERDUE_STYLE) if row.overdue else ""
    status = t(f"revisit.status.{row.status}") + (" ✗" if row.overdue else "") + \
        (" !" if row.awaiting_chief else "")
    return {"case": (f"#{row.case_id}", "bold"),
            "kind": (t(f"revisit.period.{row.period}") if row.period
                     else t(f"revisit.kind.{row.kind}"), ""),
            "summary": (printable(row.summary), ""),
            "due": (row.due_on.isoformat(), style), "status": (status, style)}


class RevisitScreen(BoardScreen):
    BINDINGS = keys.bindings(keys.REVISIT_GRID_KEYS + keys.LIST_KEYS + keys.REVISIT_LIST_KEYS
                             + keys.REVISIT_STEP_KEYS)
    CSS_PATH = "revisits.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.day = dt.date(2000, 1, 1)  # the desk clock's today, set on mount
        self.counts: dict[dt.date, DayCounts] = {}
        self.shown_month: tuple[int, int] | None = None
        self.listing: RevisitList | None = None  # None: the month grid is shown

    def compose(self) -> ComposeResult:
        yield TitleBar(t("revisit.title"))
        yield Static(id="month-bar")
        yield Static(id="grid")
        yield Static(id="day-line")
        agenda = PagedList(REVISIT_COLUMNS, revisit_cells,
                           PageSource(self._read_page, self._read_detail), self._show_detail,
                           id="agenda")
        agenda.can_focus = False
        yield agenda
        yield DetailPane(self._detail_lines, t("revisit.no_selection"), id="revisit-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.day = local_date(self.desk.clock.now())
        self._show_grid(True)
        self.load_month()

    @property
    def today(self) -> dt.date:
        return local_date(self.desk.clock.now())

    # -- the month --------------------------------------------------------------------------

    def load_month(self) -> None:
        self.run_worker(self._read_month, thread=True, exclusive=True, group="month",
                        exit_on_error=False)

    def _read_month(self) -> None:
        year, month = self.day.year, self.day.month
        counts = cal.month_counts(self.desk, self.actor, year, month)
        self.post_message(MonthLoaded((year, month), counts))

    @on(MonthLoaded)
    def _month_loaded(self, message: MonthLoaded) -> None:
        self.shown_month, self.counts = message.month, message.counts
        self._draw()

    def _draw(self) -> None:
        if self.listing is None:
            label = t("revisit.month", year=self.day.year, month=self.day.month)
        elif self.listing.kind is ListKind.DAY:
            label = t("revisit.agenda", day=self.listing.day.isoformat())
        else:
            label = t(f"revisit.list.{self.listing.kind.value}")
        self.query_one("#month-bar", Static).update(Text(label, style="bold"))
        self.query_one("#grid", Static).update(self._grid())
        self.query_one("#day-line", Static).update(self._day_line())

    def _grid(self) -> Text:
        """Weeks Monday to Sunday; a day is two lines: its number with 休/班 and ✗ overdue,
        then its counts by period."""
        width = max(8, (self.size.width - 1) // 7)
        no_color = self.app.no_color
        calendar = self.desk.rules.calendar
        text = Text()
        for name in t("revisit.weekdays").split():
            text.append(fit_pad(name, width), style="bold")
        text.append("\n")
        weeks = monthcal.Calendar(firstweekday=0).monthdatescalendar(self.day.year,
                                                                     self.day.month)
        for week in weeks:
            heads, bodies = Text(), Text()
            for day in week:
                inside = day.month == self.day.month
                counts = self.counts.get(day) if inside else None
                working = calendar.is_working(day)
                mark = (t("revisit.mark_off") if not working and day.weekday() < 5
                        else t("revisit.mark_working") if working and day.weekday() >= 5
                        else "")
                head = f"{day.day:>2}{mark}"
                if counts and counts.overdue:
                    head += f" ✗{counts.overdue}"
                style = "dim" if not inside else ""
                if counts and counts.overdue:
                    style = OVERDUE_STYLE_NO_COLOR if no_color else OVERDUE_STYLE
                if day == self.day:
                    style = (style + " reverse").strip()
                elif day == self.today:
                    style = (style + " underline").strip()
                heads.append(fit_pad(head, width), style=style)
                body = "" if not counts else "".join(
                    f"{kind_label(k)}{counts.due[k]}" for k in KINDS if counts.due.get(k))
                bodies.append(fit_pad(body, width), style="reverse" if day == self.day else "")
            text.append(heads)
            text.append("\n")
            text.append(bodies)
            text.append("\n")
        text.no_wrap = True
        return text

    def _day_line(self) -> Text:
        counts = self.counts.get(self.day)
        parts = [f"{t('revisit.period.' + k) if k != CALLBACK else t('revisit.kind.satisfaction')}"
                 f" {counts.due[k]}" for k in KINDS if counts and counts.due.get(k)]
        if counts and counts.overdue:
            parts.append(t("revisit.overdue", count=counts.overdue))
        verdict = self.desk.rules.calendar.is_working(self.day)
        day = f"{self.day.isoformat()} {t('revisit.weekdays').split()[self.day.weekday()]}"
        if not verdict:
            day += " " + t("revisit.day_off")
        return plain(t("revisit.day_line", day=day,
                       due=" · ".join(parts) or t("revisit.nothing_due")))

    # -- grid keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        in_grid = self.listing is None
        if action in ("move", "month", "today"):
            return in_grid
        if action in ("nav", "revisit_step"):
            return not in_grid and (action != "nav" or not self.has_class("-timeline"))
        if action == "chief_list":
            return self.actor.role.value == "duty_chief"
        return True

    def action_open(self) -> None:
        """The day's agenda from the month; a revisit's timeline from a list."""
        if self.listing is None:
            self._open_list(RevisitList(ListKind.DAY, self.day))
        else:
            self.action_toggle_timeline()

    def _go(self, day: dt.date) -> None:
        month_changed = (day.year, day.month) != (self.day.year, self.day.month)
        self.day = day
        if month_changed:
            self.counts = {}
            self.load_month()
        self._draw()

    def action_move(self, days: int) -> None:
        self._go(self.day + dt.timedelta(days=days))

    def action_month(self, step: int) -> None:
        year, month = self.day.year, self.day.month + step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        last = monthcal.monthrange(year, month)[1]
        self._go(dt.date(year, month, min(self.day.day, last)))

    def action_today(self) -> None:
        self._go(self.today)

    def action_overdue(self) -> None:
        self._open_list(RevisitList(ListKind.OVERDUE))

    def action_chief_list(self) -> None:
        self._open_list(RevisitList(ListKind.CHIEF))

    def _show_grid(self, grid: bool) -> None:
        """The month or a list. Widgets are shown and hidden one by one: a class on the screen
        would restyle every node of it (the footer's too) on each Enter and Esc."""
        for selector in ("#grid", "#day-line"):
            self.query_one(selector).display = grid
        for selector in ("#agenda", "#revisit-detail"):
            self.query_one(selector).display = not grid

    def _open_list(self, listing: RevisitList) -> None:
        # The list's keys are the screen's own (priority bindings): it needs no focus, and
        # moving none keeps the footer as it is.
        self.listing = listing
        self._show_grid(False)
        self.paged_list.restart(listing)
        self._draw()

    def action_back(self) -> None:
        if self.has_class("-timeline"):
            self.action_toggle_timeline()
            return
        if self.listing is None:
            return
        self.listing = None
        self._show_grid(True)
        self.load_month()
        self._draw()

    def action_toggle_timeline(self) -> None:
        self.toggle_class("-timeline")
        pane = self.query_one(DetailPane)
        pane.set_expanded(self.has_class("-timeline"))
        self.set_focus(pane if pane.expanded else None)  # the timeline scrolls

    def on_feed_changed(self, _message: FeedChanged) -> None:
        if self.listing is not None:
            self.paged_list.reload()
        self.load_month()

    # -- the list ---------------------------------------------------------------------------

    @property
    def paged_list(self) -> PagedList:
        return self.query_one("#agenda", PagedList)

    def _read_page(self, query: RevisitList, limit: int, after, before):
        return cal.revisit_page(self.desk, self.actor, query, after=after, before=before,
                                limit=limit)

    def _read_detail(self, revisit_id: int) -> RevisitDetail:
        return cal.revisit_detail(self.desk, self.actor, revisit_id)

    def _show_detail(self, detail) -> None:
        self.query_one(DetailPane).show(detail)

    def action_nav(self, move: str) -> None:
        self.paged_list.nav(move)  # the agenda holds no focus: the screen passes its keys on

    def on_resize(self) -> None:
        self.paged_list.setup_columns(self.size.width)
        self._draw()

    def _detail_lines(self, d: RevisitDetail) -> list[Text]:
        head = Text(f"#{d.row.case_id} ", style="bold")
        head.append(plain(d.row.summary))
        kind = (t(f"revisit.period.{d.row.period}") if d.row.period
                else t(f"revisit.kind.{d.row.kind}"))
        facts = [kind, t("revisit.due_on", day=d.row.due_on.isoformat()),
                 t(f"revisit.status.{d.row.status}")]
        if d.row.overdue:
            facts.append("✗ " + t("revisit.overdue_one"))
        if d.row.awaiting_chief:
            facts.append(t("revisit.to_chief"))
        done = d.recorded
        found = " · ".join(filter(None, [
            t(f"revisit.method.{done['method']}") if done["method"] else "",
            t(f"revisit.result.{done['result']}") if done["result"] else "",
            t(f"revisit.satisfaction.{done['satisfaction']}") if done["satisfaction"] else "",
            done["notes"]]))
        history = "  ".join(f"{day:%m-%d} {t('revisit.result.' + result) if result else ''}"
                            for day, _kind, result, _sat in d.history[-4:])
        step_keys = "  ".join(f"{s.key} {t('revisit.action.' + s.action.value)}"
                              for s in d.steps)
        return [head, plain(" · ".join(facts)),
                plain(found or (t("revisit.history", items=history) if history else "—")),
                plain(f"{d.reporter} {d.address}".strip() or "—"),
                Text(step_keys or t("detail.no_actions"), style="bold")]

    # -- steps --------------------------------------------------------------------------------

    def _done(self, text: str | None) -> None:
        if text:
            self.notify(text, markup=False)
            self.paged_list.reload()
            self.load_month()

    async def action_export_ics(self) -> None:
        from dutydesk.tui.screens.revisit_forms import ExportIcsScreen

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)

        await self.app.push_screen(ExportIcsScreen(), done)

    async def action_revisit_step(self, name: str) -> None:
        from dutydesk.tui.screens.revisit_forms import RevisitStepScreen

        detail = await self.paged_list.settled_detail()
        if detail is None:
            return
        step = REVISIT_STEP[RevisitAction(name)]
        if step not in detail.steps:  # the table's own reason (late, not late, not due …)
            row = detail.row
            refusal = step_refusal(step, RevisitStatus(row.status), row.awaiting_chief,
                                   self.actor.role, row.overdue) or "revisit.error.not_now"
            self.refuse_key(t(refusal, action=t(f"revisit.action.{name}"),
                              day=row.due_on.isoformat()))
            return
        await self.app.push_screen(RevisitStepScreen(step, detail), self._done)

