"""A person can see every field of every form: tabbing to each focusable widget brings it into
view, inside the screen, at least one cell wide and high, and on top where it is drawn.

A test that fills a form in code proves nothing about this — the 建档 form's phone and ID fields
sat at x = 73 and 139 in a 66-column row while the service tests passed. The forms are made
from the same tables the boards open them from (every transition, every step), and a form class
missing here fails the inventory check.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select

from dutydesk.domain.disputes import DISPUTE_STEPS, DisputeAction
from dutydesk.domain.lifecycle import TRANSITIONS, Role
from dutydesk.domain.police import TRANSFER_TRANSITIONS
from dutydesk.domain.revisits import REVISIT_STEPS
from dutydesk.domain.statistics import PeriodKind, containing
from dutydesk.services import disputes, statistics
from dutydesk.services.dispute_board import BoardFilter, dispute_detail
from dutydesk.services.disputes import DisputeDraft, PartyDraft
from dutydesk.services.police import transfer_detail
from dutydesk.services.queue import QueueFilter, case_detail
from dutydesk.services.revisit_calendar import revisit_detail
from dutydesk.store.models import Case, PoliceTransfer, Revisit
from dutydesk.tui.screens import dispute_forms, forms, police_forms, revisit_forms, stats_forms
from dutydesk.tui.screens.forms import FormScreen
from tests.tui.pilot import each_board, make_app, settle

SIZES = [(80, 24), (120, 40)]
THREE_PARTIES = [PartyDraft("applicant", "张桂兰", "13908571234", ""),
                 PartyDraft("respondent", "李明", "", ""),
                 PartyDraft("respondent", "王五", "", "")]


def _first(desk, model, *where):
    with desk.db.read() as s:
        return s.exec(select(model.id).where(*where).order_by(model.id)).first()


def _dispute_case(desk) -> int:
    """A recorded dispute with three parties (the 建档 form then shows five party rows)."""
    actor = desk.actor("zhaolei")
    case_id = _first(desk, Case, Case.summary.contains("拖欠"))
    detail = dispute_detail(desk, actor, case_id)
    disputes.record(desk, actor, case_id, DisputeDraft(
        type=detail.type or "labour", parties=THREE_PARTIES, factors=list(detail.factors),
        colour=detail.colour or "", reason="测试", people="8", amount="86400"),
        expected_version=detail.version)
    return case_id


def all_forms(desk) -> list[tuple[str, callable]]:
    """(name, make) for every form the boards open, made from real details."""
    chief = desk.actor("zhaolei")
    case = case_detail(desk, chief, _first(desk, Case))
    transfer = transfer_detail(desk, chief, _first(desk, PoliceTransfer))
    revisit = revisit_detail(desk, chief, _first(desk, Revisit))
    dispute_id = _dispute_case(desk)
    dispute = dispute_detail(desk, chief, dispute_id)
    period = containing(PeriodKind.MONTH, desk.clock.now().date())
    report = statistics.report(desk, chief, period)
    made = [
        ("new-case", forms.NewCaseScreen),
        ("queue-filter", lambda: forms.FilterScreen(QueueFilter())),
        ("import-110", police_forms.ImportScreen),
        ("export-110", police_forms.ExportFeedbackScreen),
        ("total-110", police_forms.CallTotalScreen),
        ("new-transfer", police_forms.NewTransferScreen),
        ("reason", lambda: forms.ReasonScreen("原因", lambda r: r, str)),
        ("dispute-record", lambda: dispute_forms.RecordScreen(dispute)),
        ("dispute-filter", lambda: dispute_forms.BoardFilterScreen(BoardFilter())),
        ("ics", revisit_forms.ExportIcsScreen),
        ("period", lambda: stats_forms.PeriodScreen(period)),
        ("place", lambda: stats_forms.PlaceScreen(statistics.places(desk, chief), None)),
        ("report-export", lambda: stats_forms.ExportReportScreen(report)),
    ]
    for transition in TRANSITIONS:
        role = Role.DUTY_CHIEF if Role.DUTY_CHIEF in transition.roles else \
            next(iter(transition.roles))
        made.append((f"case-{transition.action.value}", lambda tr=transition, r=role:
                     forms.ActionScreen(tr, r, [case.id], case)))
    for transition in TRANSFER_TRANSITIONS:
        made.append((f"110-{transition.action.value}", lambda tr=transition:
                     police_forms.TransferActionScreen(tr, transfer)))
    for step in DISPUTE_STEPS:
        if step.action is not DisputeAction.RECORD:
            made.append((f"dispute-{step.action.value}", lambda s=step:
                         dispute_forms.StepScreen(s, dispute)))
    for step in REVISIT_STEPS:
        made.append((f"revisit-{step.action.value}", lambda s=step:
                     revisit_forms.RevisitStepScreen(s, revisit)))
    return made


def _form_classes(base=FormScreen) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= _form_classes(sub)
        if not sub.__name__.startswith("_"):
            found.add(sub)
    return found


def test_every_form_class_is_in_the_layout_inventory(demo_desk):
    covered = {type(make()) for _, make in all_forms(demo_desk)}
    assert _form_classes() - covered == set()


# The forms in groups (by the table they come from), so that parallel workers share them out.
FORM_GROUPS = ("case-", "110-", "dispute-", "revisit-", "other")


def _in_group(name: str, group: str) -> bool:
    if group == "other":
        return not any(name.startswith(g) for g in FORM_GROUPS[:-1])
    return name.startswith(group)


def test_the_form_groups_cover_every_form(demo_desk):
    names = [name for name, _ in all_forms(demo_desk)]
    assert all(sum(_in_group(n, g) for g in FORM_GROUPS) == 1 for n in names)


@pytest.mark.parametrize("group", FORM_GROUPS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_field_of_every_form_is_on_screen(demo_desk, size, group):
    app = make_app(demo_desk)
    problems = []
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for name, make in all_forms(demo_desk):
            if not _in_group(name, group):
                continue
            form = make()
            await app.push_screen(form)
            await settle(pilot, rounds=1)
            problems += [f"{name}: {p}" for p in await _walk(pilot, form)]
            form.dismiss(None)
            await settle(pilot, rounds=1)
    assert problems == []


async def _walk(pilot, screen) -> list[str]:
    """Each focusable widget, focused in turn (which scrolls it into view), checked."""
    problems = []
    for widget in list(screen.focus_chain):
        widget.focus()
        # The scroll to a focused widget is animated: a refresh or two, longer on a busy
        # machine. Each round has its messages handled and the frame laid out now (as pause()
        # does, without its idle wait), until the widget is in view or 3 s have passed.
        deadline = time.monotonic() + 3
        while True:
            await pilot._wait_for_screen()
            screen._on_timer_update()
            if not _check(screen, widget) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.005)
        problems += _check(screen, widget)
    return problems


def _check(screen, widget) -> list[str]:
    width, height = screen.app.size
    region = widget.region
    where = f"{widget.__class__.__name__}#{widget.id} at {tuple(region)}"
    if region.width < 1 or region.height < 1:
        return [f"{where}: no room"]
    if region.right > width or region.bottom > height or region.x < 0 or region.y < 0:
        return [f"{where}: off the {width}×{height} screen"]
    seen, _ = screen.get_widget_at(region.x, region.y)
    if seen is not widget and widget not in seen.ancestors:
        return [f"{where}: hidden under {seen.__class__.__name__}#{seen.id}"]
    return []


def test_the_record_form_with_three_parties(demo_desk, snap_compare):
    case_id = _dispute_case(demo_desk)
    app = make_app(demo_desk)

    async def open_record(pilot):
        await settle(pilot)
        detail = dispute_detail(demo_desk, app.actor, case_id)
        await app.push_screen(dispute_forms.RecordScreen(detail))
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_record)



@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_focusable_widget_of_every_board_is_on_screen(demo_desk, size):
    app = make_app(demo_desk)
    problems = []
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        async for key, board in each_board(pilot):
            problems += [f"{key}: {p}" for p in await _walk(pilot, board)]
    assert problems == []


async def test_every_boards_footer_keeps_every_key_at_80_columns(demo_desk):
    """F5 and F7 lost their last F-keys to Textual's fixed-cell footer: the line now gives
    way by words, never by keys."""
    from dutydesk.tui.widgets import DeskFooter

    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        async for key, board in each_board(pilot):
            footer = board.query_one(DeskFooter)
            line = footer.render().plain
            assert len(line) <= 80 and "…" not in line, (key, line)
            for item in footer.items():
                assert item.key in line, (key, item.key, line)
            others = {f"F{n}" for n in range(2, 8)} - {key.upper()}
            assert others <= set(line.split()), (key, line)


async def test_at_80_columns_the_other_boards_keep_their_names_where_one_space_makes_room(
        demo_desk):
    """The 110 board and the revisit calendar showed the other boards as bare F-keys (F2 F4 …)
    at 80 columns, where their names fit with one space between the keys."""
    from dutydesk.tui.widgets import DeskFooter

    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        async for key, board in each_board(pilot):
            if key in ("f3", "f5"):
                line = board.query_one(DeskFooter).render().plain
                assert "F2 受理" in line and "F7 统计" in line, (key, line)
