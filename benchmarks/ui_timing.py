"""Key press to repaint, for any board: timed from the key event reaching the app to the first
screen update after its effect (cursor, page or section, and the detail pane) is in place."""

from __future__ import annotations

import asyncio
import statistics
import time


def ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": round(statistics.median(ordered) * 1000, 2), "p95": round(p95 * 1000, 2)}


def line(name: str, figures: dict[str, float] | float) -> str:
    """One printed figure: p50/p95 of a series, or a single time."""
    if isinstance(figures, dict):
        return f"  {name:<34} p50 {figures['p50']:8.2f} ms   p95 {figures['p95']:8.2f} ms"
    return f"  {name:<34} {figures:8.1f} ms"


def print_queries(queries: dict, runs: int = 20) -> None:
    """Each read timed `runs` times after a warm-up, printed as p50/p95."""
    for name, fn in queries.items():
        fn()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
        print(line("query  " + name, ms(samples)))


def print_ui(figures: dict) -> None:
    for name, value in figures.items():
        print(line("ui     " + name, value))


def desk_app(desk, login: str = "zhaolei"):
    """The desk's app as `login` sees it (no change feed: nothing moves but the keys), and a
    KeyTimer on it."""
    from dutydesk.services.queue import reference_choices
    from dutydesk.tui.app import DutyDeskApp

    actor = desk.actor(login)
    app = DutyDeskApp(desk, actor, reference_choices(desk, actor), feed_interval=0)
    return app, KeyTimer(app)


async def open_board(pilot, timer: KeyTimer, key: str, ready) -> float:
    """Press a board's key and wait until `ready()`; the milliseconds it took."""
    import asyncio

    await timer.quiet()
    started = time.perf_counter()
    await pilot.press(key)
    while not ready():
        await asyncio.sleep(0.001)
    return round((time.perf_counter() - started) * 1000, 1)


class KeyTimer:
    """Wraps an app's display (to see repaints) and a board's detail pane (to see the effect
    land); `press` sends one key and returns its key-to-repaint time in seconds."""

    def __init__(self, app) -> None:
        self.app = app
        self.repaints: list[float] = []
        original_display = app._display

        def display(screen, renderable):
            if renderable is not None:
                self.repaints.append(time.perf_counter())
            return original_display(screen, renderable)

        app._display = display

    def watch(self, board, table, pane) -> None:
        """The board to time: its paged list and the detail pane it updates last."""
        self.follow(board, table)
        self.shown: list[float] = []
        original_show = pane.show

        def show(detail):
            original_show(detail)
            self.shown.append(time.perf_counter())

        pane.show = show

    def follow(self, board, table) -> None:
        """Time keys on another list of the same screen (the pane stays watched)."""
        self.screen, self.table = board, table

    def settled(self) -> bool:
        """The row under the cursor has its detail (the list keeps it: PagedList.detail)."""
        current, detail = self.table.current, self.table.detail
        return current is not None and detail is not None and detail.id == current.id

    async def press(self, key: str, changed) -> float:
        """`changed(before)` says the key took effect; `before` is (cursor row, rows shown)."""
        from textual import events

        before = (self.table.cursor_row, self.table.rows_shown)
        sent = time.perf_counter()
        self.app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
        deadline = sent + 10
        while not (changed(before) and self.settled()):
            await asyncio.sleep(0.0005)
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{key}: no effect within 10 s")
        effect = self.shown[-1]
        while not self.repaints or self.repaints[-1] < effect:
            await asyncio.sleep(0.0005)
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{key}: no repaint within 10 s")
        return next(r for r in self.repaints if r >= effect) - sent

    async def quiet(self) -> None:
        """Wait until the app's workers are done."""
        from textual.worker import WorkerCancelled

        while True:
            try:
                await self.app.workers.wait_for_complete()
                return
            except WorkerCancelled:
                continue

    def moved(self, before) -> bool:
        return (self.table.cursor_row, self.table.rows_shown) != before

    def paged(self, before) -> bool:
        return self.table.rows_shown is not before[1]
