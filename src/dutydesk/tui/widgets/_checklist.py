"""A list of boxes to tick whose unticked box is empty.

Textual's SelectionList draws the same X in every box and tells ticked from unticked by its
colour alone, so without colour (NO_COLOR, a plain terminal) every box looks ticked."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets.option_list import OptionDoesNotExist


class Checklist(SelectionList):
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
