"""The boards' footer: their keys and the other boards' F-keys, on one line that always fits.

Textual's Footer gives every key a fixed cell and cuts what does not fit — at 80 columns the
last boards' F-keys (F6 交接, F7 统计) fell off the calendar and the statistics. Here the line
is laid out as text: when it is too long the keys move closer (one space apart), then the
other boards are shown by their F-keys alone (F2 F3 F4 …), then the descriptions give way from
the end, so that every key stays visible.
The command palette's own key (Ctrl+P) is left to the help screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

from dutydesk.i18n import t
from dutydesk.tui.keys import key_name


@dataclass(frozen=True)
class _Item:
    key: str
    description: str
    action: str
    is_board: bool


class DeskFooter(Widget):
    DEFAULT_CSS = """
    DeskFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    DeskFooter > .desk-footer--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"desk-footer--key"}

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # x from, x to, action: for a click

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh()

    def items(self) -> list[_Item]:
        """The keys shown: one per action (its first key), enabled, in binding order."""
        seen: set[str] = set()
        items = []
        for active in self.screen.active_bindings.values():
            binding: Binding = active.binding
            if not binding.show or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append(_Item(binding.key_display or key_name(binding.key),
                               t(binding.description), binding.action,
                               binding.action.startswith("app.board(")))
        return items

    def render(self) -> Text:
        key_style = self.get_component_rich_style("desk-footer--key", partial=True)
        items = self.items()
        width = self.size.width
        count = len(items)
        # Tighter and tighter: one space apart, boards by F-key alone, then fewer words.
        attempts = [(True, count, "  "), (True, count, " "), (False, count, "  "),
                    (False, count, " "),
                    *((False, n, " ") for n in range(count - 1, -1, -1))]
        for boards_labelled, described, gap in attempts:
            parts = []
            for index, item in enumerate(items):
                label = item.description if index < described and (
                    boards_labelled or not item.is_board) else ""
                parts.append((item, label))
            line, spans = self._line(parts, key_style, gap)
            if line.cell_len <= width or described == 0:
                break
        self._spans = spans
        line.truncate(width, overflow="ellipsis")
        return line

    @staticmethod
    def _line(parts: list[tuple[_Item, str]], key_style, gap: str) -> tuple[Text, list]:
        line, spans = Text(" "), []
        for index, (item, label) in enumerate(parts):
            start = line.cell_len
            line.append(item.key, key_style)
            if label:
                line.append(" " + label)
            spans.append((start, line.cell_len, item.action))
            if index + 1 < len(parts):
                # Keys shown alone (F2 F3 …) sit one apart; described ones `gap` apart.
                line.append(" " if not label and not parts[index + 1][1] else gap)
        return line, spans

    async def on_click(self, event: events.Click) -> None:
        for start, end, action in self._spans:
            if start <= event.x < end:
                await self.app.run_action(action, self.screen)
                return
