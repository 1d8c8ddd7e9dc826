"""Driving the real app in tests: made against a throwaway database, keys pressed as they
arrive over SSH, and the screen read back as a person sees it."""

from __future__ import annotations

import asyncio

from textual import events
from textual.worker import WorkerCancelled

from dutydesk.i18n import set_language
from dutydesk.services.queue import reference_choices
from dutydesk.tui.app import DutyDeskApp


def make_app(desk, login="zhaolei", *, feed_interval: float = 0, language="zh_CN",
             opening_rows: int | None = None) -> DutyDeskApp:
    """The app as a session starts it; `opening_rows`: with the queue's first page and counts
    read before the start, that many rows (the command line reads the terminal's lines)."""
    set_language(language)
    actor = desk.actor(login)
    opening = None
    if opening_rows is not None:
        from dutydesk.tui.screens.queue import read_opening

        opening = read_opening(desk, actor, opening_rows)
    return DutyDeskApp(desk, actor, reference_choices(desk, actor),
                       feed_interval=feed_interval, opening=opening)


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and their messages land (instead of sleeping)."""
    for _ in range(rounds):
        await pilot.pause()
        await _workers_done(pilot.app)
    await pilot.pause()


async def _workers_done(app, tries: int = 50) -> None:
    """Every worker finished. An exclusive worker (a page load) cancelled by a newer one while
    waited for is not a failure: the newer one is waited for in turn."""
    for _ in range(tries):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await asyncio.sleep(0)


async def wait_for(pilot, condition, seconds: float = 5.0) -> bool:
    """Let the app run until `condition()` holds (work done off the UI thread or elsewhere)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
        await settle(pilot, rounds=1)
    return condition()


async def burst(pilot, keys: str | list[str], *, wait: bool = True) -> None:
    """Queue every key at once, with no pause between them (as an SSH packet delivers them);
    then wait for the workers they started, unless told not to."""
    app = pilot.app
    for key in keys:
        name = {"\t": "tab", "/": "slash", " ": "space", "\r": "enter",
                "?": "question_mark"}.get(key, key)
        char = key if len(key) == 1 else None
        if name == "tab":
            char = "\t"
        elif name == "enter":
            char = "\r"
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)
    if wait:
        await settle(pilot)


def screen_text(app) -> str:
    """What a person sees: the screen's text, read back from an SVG screenshot."""
    import html
    import re

    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(lines)).replace("\xa0", " ")


BOARD_KEYS = ("f2", "f3", "f4", "f5", "f6", "f7")


async def each_board(pilot):
    """Every board in turn, by its F-key (the chief has all six): yields (key, screen)."""
    for key in BOARD_KEYS:
        await pilot.press(key)
        await settle(pilot)
        yield key, pilot.app.screen
