"""A one-line text field that never holds a control character: typed, pasted (a paste may
carry escape sequences) or set by code, the text is cleaned before it is drawn."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from dutydesk.domain.text import strip_controls
from dutydesk.tui.widgets._in_order import act_on_own_key, in_order


class TextInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        """The field's own editing keys (backspace, arrows, ctrl+u …) act here, in order with
        the characters around them. Left to Textual they act only once the key has bubbled up
        to the app, after the characters typed behind them in the same burst (over SSH a
        packet holds several keys) — `ab⌫c` would read `abc` then lose the `c`."""
        if await in_order(self, event):
            return
        if await act_on_own_key(self, event):
            return
        await super()._on_key(event)

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(strip_controls(text), start, end)

    def validate_value(self, value: str) -> str:
        return strip_controls(value)
