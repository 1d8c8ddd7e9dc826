"""Stored text is never markup and never reaches the terminal as escape sequences: a summary
holding `[/]` or an ESC opens every form of its case, shows literally, and crashes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from textual.widgets import Input, Label

from dutydesk.store.models import Case
from dutydesk.tui.screens.forms import ActionScreen, NewCaseScreen
from dutydesk.tui.screens.queue import QueueScreen
from dutydesk.tui.widgets import CaseTable
from tests.services.helpers import standard_draft
from tests.tui.pilot import burst, make_app, screen_text, settle

MARKUP = "[/] [/图片] [bold red]红[/] [@click=app.quit]退出[/] [link=http://x]点[/link]"
RAW = "井盖\x1b[2J\x1b]0;pwned\x07丢失\x1b]52;c;ZXZpbA==\x07"


def _no_controls(text: str) -> bool:
    return not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text)


def _plant(desk, summary: str) -> int:
    """A case whose stored summary holds `summary` as is — as rows written before the text
    rule, or by another program, may."""
    from dutydesk.services.cases import create_case

    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(summary="占位"))
    with desk.db.write() as s:
        case = s.exec(select(Case).where(Case.id == case_id)).one()
        case.summary = summary
        s.add(case)
    return case_id


async def test_markup_and_escapes_in_a_summary_show_literally_and_every_form_opens(desk):
    marked = _plant(desk, MARKUP)
    raw = _plant(desk, RAW)
    app = make_app(desk)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]红[/]" in text and "井盖␛[2J␛]0;pwned␇丢失" in text
        assert _no_controls(text)
        assert app.is_running
        table = app.screen.query_one(CaseTable)
        for case_id in (raw, marked):
            while table.current.id != case_id:
                await pilot.press("down")
                await settle(pilot)
            for transition in app.screen.paged_list.detail.actions:
                await pilot.press(transition.key)
                await settle(pilot)
                assert isinstance(app.screen, ActionScreen), transition.action
                assert _no_controls(screen_text(app))
                await pilot.press("escape")
                await settle(pilot)
                assert isinstance(app.screen, QueueScreen)


async def test_markup_typed_as_a_search_or_a_phone_is_plain_text(desk):
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["/", *"[/]", "\r"])
        assert app.is_running and isinstance(app.screen, QueueScreen)
        await burst(pilot, ["n", *"井盖丢失", "\t", "\t", *"[/]"])
        assert isinstance(app.screen, NewCaseScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(app.screen.query_one("#err-reporter_phone", Label).render())
        assert "[/]" in error
        assert app.is_running


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
                    max_size=300))
async def test_arbitrary_text_as_a_new_report_and_a_search(desk, text):
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one("#search", Input).value = text[:100]
        await pilot.press("slash", "enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#summary", Input).value = text
        app.screen.query_one("#reporter_name", Input).value = text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running
        assert _no_controls(screen_text(app))
