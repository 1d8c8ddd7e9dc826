"""Every board's title line, with the desk's clock — one clock for every board, moving on by
itself (a board's own timer used to be the only thing that moved it, and two boards had none)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from dutydesk.tui.format import title_line

TICK_SECONDS = 5  # a minute's change shows within this long (a simulated clock runs fast)


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar {
        height: 1;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, board: str, *, id: str = "title-bar") -> None:
        super().__init__(id=id)
        self.board = board

        self._drawn: Text | None = None

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)

    def _tick(self) -> None:
        # Repainted only when the minute changed: an idle repaint is a frame sent over SSH.
        if self._line() != self._drawn:
            self.refresh()

    def _line(self) -> Text:
        return title_line(self.app.desk, self.app.actor, self.board, self.size.width)

    def render(self) -> Text:
        self._drawn = self._line()
        return self._drawn
