"""The boards: one table, read by the app (which boards it opens, and how), the F-keys of the
footer and the help screen. Which roles work on each board is the domain's (domain/boards.py).
A board's screen is imported when it is first opened: a session that never opens the
statistics never loads the charts."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class Board:
    name: str
    key: str  # its F-key
    word: str  # the footer's short word (four of them must fit 80 columns), catalogue key
    title: str  # the help screen's fuller name, catalogue key
    screen: str  # "module:Class"

    def make_screen(self, **given) -> Screen:
        module, _, name = self.screen.partition(":")
        return getattr(importlib.import_module(module), name)(**given)


BOARDS = (
    Board("queue", "f2", "board.queue", "screen.queue", "dutydesk.tui.screens.queue:QueueScreen"),
    Board("police", "f3", "board.police", "police.title",
          "dutydesk.tui.screens.police:PoliceScreen"),
    Board("disputes", "f4", "board.disputes", "dispute.title",
          "dutydesk.tui.screens.disputes:DisputeScreen"),
    Board("revisits", "f5", "board.revisits", "revisit.title",
          "dutydesk.tui.screens.revisits:RevisitScreen"),
    Board("handover", "f6", "board.handover", "duty.title",
          "dutydesk.tui.screens.handover:HandoverScreen"),
    Board("stats", "f7", "board.stats", "stats.title", "dutydesk.tui.screens.stats:StatsScreen"),
)
BOARD = {board.name: board for board in BOARDS}
