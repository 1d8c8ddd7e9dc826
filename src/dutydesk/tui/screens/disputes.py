"""三色看板: the dispute cases as cards in four lanes — 待建档, then red, yellow and blue — each
lane a keyset-paged list (PagedList with two-line cards). ← → move between lanes;
a dispute's steps come from its own table; 升级 is the case's lifecycle step."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.disputes import DISPUTE_STEP, DisputeAction, format_amount
from dutydesk.domain.lifecycle import Action, transition_for
from dutydesk.domain.text import printable
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import language, local_time, t
from dutydesk.services import dispute_board
from dutydesk.services.dispute_board import BoardFilter, Card, DisputeDetail, Lane
from dutydesk.tui import keys
from dutydesk.tui.format import plain
from dutydesk.tui.messages import CardMoved, FeedChanged, LaneCountsLoaded
from dutydesk.tui.screens.board import BoardScreen
from dutydesk.tui.widgets import Column, DeskFooter, DetailPane, PagedList, PageSource, TitleBar

CARD_COLUMNS = (
    Column("id", "column.id", 6),
    Column("parties", "dispute.field.party", flex=True),
)


def card_cells(card: Card, no_color: bool) -> dict[str, tuple[str, str]]:
    late = f" ⚠{card.late_whistles}" if card.late_whistles else ""
    return {"id": (f"#{card.id}", "bold"),
            "parties": (printable(card.parties) + late, "bold" if late else "")}


def card_second_line(card: Card, no_color: bool) -> tuple[str, str]:
    """Type, days open, level, mediator, family stage: the card's second line."""
    kind = t(f"dispute.type.{card.type}") if card.type else card.category
    parts = [kind, t("dispute.card.days", days=card.days_open), t(f"level.{card.level}")]
    if card.stage:
        parts.append(t(f"dispute.stage.{card.stage}"))
    if card.mediator:
        parts.append(printable(card.mediator))
    if card.outcome:
        parts.append(t(f"dispute.outcome.{card.outcome}"))
    if card.next_revisit:
        parts.append(t("dispute.card.next_revisit", day=f"{card.next_revisit:%m-%d}"))
    return "  " + " · ".join(parts), "dim"


class DisputeLane(Vertical):
    """One lane of the board: its title with its count, and its cards (a PagedList of the
    board's filter, passed down)."""

    def __init__(self, lane: Lane, source: PageSource, show_detail: Callable[[Any], None],
                 board_filter: BoardFilter) -> None:
        super().__init__(id=f"lane-{lane.value}", classes="lane")
        self.lane = lane
        self.source = source
        self.show_detail = show_detail
        self.board_filter = board_filter
        self.count: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="lane-title")
        cards = PagedList(CARD_COLUMNS, card_cells, self.source, self.show_detail,
                          of=self.board_filter,
                          second_line=card_second_line, classes="lane-cards")
        # The board keeps the focus itself and marks the current lane: moving the focus
        # between lanes would rebuild the footer on every ← →.
        cards.can_focus = False
        cards.show_cursor = False  # until the lane is the board's current one
        yield cards

    @property
    def cards(self) -> PagedList:
        return self.query_one(PagedList)

    def on_mount(self) -> None:
        self.cards.restart()
        self.render_title()

    def on_resize(self) -> None:
        self.cards.setup_columns(self.size.width - 1)  # the lane's left border
        self.render_title()

    def render_title(self) -> None:
        if self.lane is Lane.UNGRADED:
            name, style = t("dispute.ungraded"), "bold"
        else:
            column = self.app.desk.settings.disputes.columns[dispute_board.colour_of(self.lane)]
            name = column.text(language())
            style = "bold reverse" if self.app.no_color else f"bold {column.style}"
        count = f" {self.count}" if self.count is not None else ""
        if cell_len(name + count) > self.size.width - 3:  # a narrow lane: the count stays
            name = name.split(" · ")[0]
        self.query_one(".lane-title", Static).update(Text(f"{name}{count}", style=style))


class DisputeScreen(BoardScreen):
    BINDINGS = keys.bindings(keys.LIST_KEYS + keys.DISPUTE_KEYS + keys.DISPUTE_STEP_KEYS)
    CSS_PATH = "disputes.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.filter = BoardFilter()
        self.current_lane: DisputeLane | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(t("dispute.title"))
        yield Static(id="filter-bar")
        with Horizontal(id="lanes"):
            for lane in Lane:
                source = PageSource(partial(self._read_page, lane), self._read_detail)
                yield DisputeLane(lane, source, partial(self._show_detail, lane), self.filter)
        yield DetailPane(self._detail_lines, t("dispute.no_selection"), id="dispute-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self._select_lane(self.query_one("#lane-red", DisputeLane))
        self._render_bars()
        self.load_counts()

    def _render_bars(self) -> None:
        f = self.filter
        parts = [t(f"dispute.type.{f.type}") if f.type else "", f.community_code, f.mediator]
        text = " · ".join(p for p in parts if p) or t("dispute.filter.none")
        self.query_one("#filter-bar", Static).update(plain(t("queue.filters", text=text)))

    def load_counts(self) -> None:
        self.run_worker(self._read_counts, thread=True, exclusive=True, group="counts",
                        exit_on_error=False)

    def _read_counts(self) -> None:
        counts = dispute_board.lane_counts(self.desk, self.actor, self.filter)
        self.post_message(LaneCountsLoaded(counts))

    @on(LaneCountsLoaded)
    def _counts_loaded(self, message: LaneCountsLoaded) -> None:
        for lane in self.query(DisputeLane):
            lane.count = message.counts.get(lane.lane)
            lane.render_title()

    def _read_page(self, lane: Lane, query: BoardFilter, limit: int, after, before):
        return dispute_board.lane_page(self.desk, self.actor, lane, query, after=after,
                                       before=before, limit=limit)

    def _read_detail(self, case_id: int) -> DisputeDetail:
        return dispute_board.dispute_detail(self.desk, self.actor, case_id)

    @property
    def paged_list(self) -> PagedList | None:
        """The current lane's cards: the list the keys act on."""
        return self.current_lane.cards if self.current_lane is not None else None

    def _show_detail(self, lane: Lane, detail: DisputeDetail | None) -> None:
        if self.current_lane is not None and self.current_lane.lane is lane:
            self.query_one(DetailPane).show(detail)

    def reload(self) -> None:
        for lane in self.query(DisputeLane):
            lane.cards.reload()
        self.load_counts()

    def _select_lane(self, lane: DisputeLane) -> None:
        """The lane the keys act on; the pane shows the card under its cursor."""
        if self.current_lane is not None:
            self.current_lane.remove_class("-current")
            self.current_lane.cards.show_cursor = False
        lane.add_class("-current")
        lane.cards.show_cursor = True
        self.current_lane = lane
        self.query_one(DetailPane).show(lane.cards.detail)

    def on_feed_changed(self, _message: FeedChanged) -> None:
        self.reload()

    # -- the detail pane --------------------------------------------------------------------

    def _detail_lines(self, d: DisputeDetail) -> list[Text]:
        head = Text(f"#{d.id} ", style="bold")
        if d.colour:
            head.append(f"[{t('colour.' + d.colour)}] ", style="reverse")
        head.append(plain(d.summary))
        facts = [t(f"dispute.type.{d.type}") if d.type else d.category, t(f"level.{d.level}")]
        if d.people is not None:
            facts.append(t("dispute.card.people", people=d.people))
        if d.amount_fen is not None:
            facts.append(t("dispute.card.amount", amount=format_amount(d.amount_fen)))
        if d.stage:
            facts.append(t(f"dispute.stage.{d.stage}"))
        parties = "  ".join(f"{t('dispute.role.' + role)} {name} {phone} {id_number}".strip()
                            for role, name, phone, id_number in d.parties)
        progress = []
        if d.mediator:
            progress.append(t("dispute.card.sessions", count=len(d.sessions), mediator=d.mediator))
        if d.outcome:
            progress.append(t(f"dispute.outcome.{d.outcome}"))
        today = local_date(self.desk.clock.now())
        if d.confirm_due_on:
            late = "✗ " if d.confirm_due_on < today else ""
            progress.append(late + t("dispute.card.confirm_due",
                                     day=d.confirm_due_on.isoformat()))
        now = self.desk.clock.now()
        waiting = [w for w in d.whistles if w.reported_at is None]
        if waiting:
            progress.append(t("dispute.card.whistles", units="、".join(
                w.unit + ("✗" if w.late(now) else "") for w in waiting),
                due=local_time(min(w.due_at for w in waiting))))
        step_keys = [f"{s.key} {t('dispute.action.' + s.action.value)}" for s in d.steps]
        if d.may_escalate:
            step_keys.append(f"t {t('action.escalate')}")
        return [head, plain(" · ".join(facts)), plain(parties or "—"),
                plain(" · ".join(progress) or "—"),
                Text("  ".join(step_keys) or t("detail.no_actions"), style="bold")]

    # -- keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("nav", "lane"):  # the cards' keys, unless the timeline is being read
            return not self.has_class("-timeline")
        return True

    def action_nav(self, move: str) -> None:
        if self.paged_list is not None:  # the cards hold no focus: the board passes keys on
            self.paged_list.nav(move)

    def action_lane(self, step: int) -> None:
        lanes = list(self.query(DisputeLane))
        index = lanes.index(self.current_lane) if self.current_lane in lanes else 0
        self._select_lane(lanes[max(0, min(len(lanes) - 1, index + step))])

    def action_toggle_timeline(self) -> None:
        self.toggle_class("-timeline")
        pane = self.query_one(DetailPane)
        pane.set_expanded(self.has_class("-timeline"))
        self.set_focus(pane if pane.expanded else None)

    def action_close_timeline(self) -> None:
        if self.has_class("-timeline"):
            self.action_toggle_timeline()

    def _done(self, text: str | None, case_id: int | None = None) -> None:
        if text:
            self.notify(text, markup=False)
            self.reload()
            if case_id is not None:
                self._follow(case_id)

    @work(thread=True, group="follow", exclusive=True, exit_on_error=False)
    def _follow(self, case_id: int) -> None:
        """The lane the card is in now (建档 or 调整颜色 move it): the board's cursor goes
        with it."""
        try:
            detail = dispute_board.dispute_detail(self.desk, self.actor, case_id)
        except DutyDeskError:
            return
        lane = Lane(detail.colour) if detail.colour else Lane.UNGRADED
        self.post_message(CardMoved(lane, case_id))

    @on(CardMoved)
    def _land_on(self, message: CardMoved) -> None:
        target = self.query_one(f"#lane-{message.lane.value}", DisputeLane)
        self._select_lane(target)
        target.cards.follow(message.case_id)

    async def _settled_detail(self) -> DisputeDetail | None:
        cards = self.paged_list
        return await cards.settled_detail() if cards is not None else None

    async def action_dispute_step(self, name: str) -> None:
        from dutydesk.tui.screens.dispute_forms import RecordScreen, StepScreen

        detail = await self._settled_detail()
        if detail is None:
            return
        step = DISPUTE_STEP[DisputeAction(name)]
        if step not in detail.steps:
            self.refuse_key(t("dispute.error.not_now", action=t(f"dispute.action.{name}")))
            return
        form = RecordScreen(detail) if step.action is DisputeAction.RECORD \
            else StepScreen(step, detail)
        await self.app.push_screen(form, lambda text: self._done(text, detail.id))

    async def action_escalate(self) -> None:
        from dutydesk.tui.screens.forms import ActionScreen

        detail = await self._settled_detail()
        if detail is None:
            return
        if not detail.may_escalate:
            self.refuse_key(t("dispute.error.not_now", action=t("action.escalate")))
            return

        def done(outcome) -> None:
            if outcome is not None:
                self._done(outcome[0])

        await self.app.push_screen(ActionScreen(transition_for(Action.ESCALATE),
                                                self.actor.role, [detail.id], None), done)

    async def action_open_case(self) -> None:
        """The card's case in the intake queue (its lifecycle steps, its whole record)."""
        detail = await self._settled_detail()
        if detail is None:
            return
        await self.app.run_action("board('queue')")
        queue = self.app.screen
        if hasattr(queue, "show_case"):
            queue.show_case(detail.id)

    async def action_reveal_parties(self) -> None:
        """P: the parties' phones and ID numbers in full, asked with a reason (logged)."""
        from dutydesk.services.privacy import REVEAL_SECONDS, reveal_parties
        from dutydesk.tui.screens.forms import reveal_with_reason

        detail = await self._settled_detail()
        if detail is None or not detail.parties:
            return
        await reveal_with_reason(
            self, lambda reason: reveal_parties(self.desk, self.actor, detail.id, reason),
            lambda lines: t("privacy.shown_parties", case=detail.id, lines=lines,
                            seconds=REVEAL_SECONDS))

    async def action_filter(self) -> None:
        from dutydesk.tui.screens.dispute_forms import BoardFilterScreen

        def apply(result: BoardFilter | None) -> None:
            if result is not None:
                self.filter = result
                self._render_bars()
                for lane in self.query(DisputeLane):
                    lane.cards.restart(result)
                self.load_counts()

        await self.app.push_screen(BoardFilterScreen(self.filter), apply)
