"""A list of boxes to tick whose unticked box is empty.

Textual's SelectionList draws the same X in every box and tells ticked from unticked by its
colour alone, so without colour (NO_COLOR, a plain terminal) every box looks ticked. Its keys
act in order with the keys around them, as a text field's do."""

from __future__ import annotations

from rich.segment import Segment
from textual import events
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets.option_list import OptionDoesNotExist

from dutydesk.tui.widgets._in_order import act_on_own_key, in_order


class Checklist(SelectionList):
    async def _on_key(self, event: events.Key) -> None:
        """↓ ↑ Space act here, in order with the keys around them (a burst over SSH)."""
        if await in_order(self, event) or await act_on_own_key(self, event, printable_too=True):
            return
        await super()._on_key(event)

    def action_select(self) -> None:
        """Space ticks the highlighted box now (SelectionList does it on a message of its
        own, after a Ctrl+S typed right behind the Space has already saved the form)."""
        if self.highlighted is not None:
            self.toggle(self.get_option_at_index(self.highlighted))

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if option.value in self.selected or len(segments) < 3:
            return strip
        box = segments[1]  # left edge, the box's inside, right edge
        segments[1] = Segment(" " * len(box.text), box.style, box.control)
        return Strip(segments, strip.cell_length)
