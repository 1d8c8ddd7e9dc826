"""A one-line text field that never holds a control character: typed, pasted (a paste may
carry escape sequences) or set by code, the text is cleaned before it is drawn."""

from __future__ import annotations

from textual.widgets import Input

from dutydesk.domain.text import strip_controls


class TextInput(Input):
    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(strip_controls(text), start, end)

    def validate_value(self, value: str) -> str:
        return strip_controls(value)
