"""The boards' footer: their keys and the other boards' F-keys. The command palette's own key
(ctrl+p) is left to the help screen: at 80 columns its place holds two more boards."""

from __future__ import annotations

from textual.widgets import Footer


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__(show_command_palette=False)
