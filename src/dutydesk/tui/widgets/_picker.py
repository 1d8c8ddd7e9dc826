"""A choice field that opens in place: every key it needs is handled by the field itself.

Textual's `Select` opens an overlay and moves focus to it after a refresh, so keys that arrive
together (over SSH a packet holds several) land before the overlay has focus and are lost:
`Enter Down Enter` leaves 请选择. Here Enter (or Space, Down) opens the list inside the form,
Up/Down/PgUp/PgDn/Home/End move, Enter picks, Esc closes without a change, and typing jumps
to the option whose label or pinyin initials start with what was typed: letters typed together
(within TYPE_AHEAD seconds) spell on (`qzjj` → 区住建局), one letter again goes to the next
option starting with it. Each key acts as it arrives, so a burst lands exactly as typed.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from dutydesk.domain.text import pinyin_initials, printable
from dutydesk.tui.widgets._in_order import in_order

VISIBLE_ROWS = 7  # an open list shows this many options and scrolls within them
TYPE_AHEAD = 1.0  # seconds within which typed letters spell on rather than start again
_STEPS = {"down": 1, "up": -1, "pagedown": VISIBLE_ROWS, "pageup": -VISIBLE_ROWS,
          "home": -1_000_000, "end": 1_000_000}


class Picker(Widget, can_focus=True):
    """One value out of a list of (label, value); `value` is None while nothing is chosen."""

    DEFAULT_CSS = """
    Picker {
        height: 1;
        width: 1fr;
        background: $boost;
    }
    Picker:focus {
        background: $block-cursor-blurred-background;
    }
    Picker.-open {
        background: $surface-lighten-1;
    }
    Picker > .picker--prompt {
        color: $text-muted;
    }
    Picker > .picker--highlight {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"picker--prompt", "picker--highlight"}
    @dataclass
    class Changed(Message):
        picker: Picker
        value: Hashable | None

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(self, options: Iterable[tuple[str | Text, Hashable]], *,
                 value: Hashable | None = None, prompt: str = "", allow_blank: bool = True,
                 id: str | None = None, classes: str | None = None,
                 disabled: bool = False) -> None:
        super().__init__(id=id, classes=classes, disabled=disabled)
        self.prompt, self.allow_blank = prompt, allow_blank
        self.is_open = False
        self._top = 0  # the first option drawn while open
        self._options: list[tuple[Text, Hashable | None]] = []
        self._value: Hashable | None = value
        self._typed, self._typed_at = "", 0.0  # what is being spelled, and when last
        self.set_options(options)  # a value that is not an option falls back to the first

    # -- the value -----------------------------------------------------------------------

    def set_options(self, options: Iterable[tuple[str | Text, Hashable]]) -> None:
        """New options; the value is kept if it is still one of them."""
        made = [(label if isinstance(label, Text) else Text(printable(label)), value)
                for label, value in options]
        if self.allow_blank or not made:
            made.insert(0, (Text(self.prompt or "—"), None))
        self._options = made
        # What a typed letter matches: the label, or the initials of any of its readings.
        self._initials = [(label.plain.lower(), *pinyin_initials(label.plain).split())
                          for label, _ in made]
        if self._index_of(self._value) is None:
            self._value = made[0][1]
        self._highlight = self._index_of(self._value) or 0
        self.refresh()

    @property
    def options(self) -> list[tuple[Text, Hashable | None]]:
        return list(self._options)

    @property
    def value(self) -> Hashable | None:
        return self._value

    @value.setter
    def value(self, value: Hashable | None) -> None:
        index = self._index_of(value)
        if index is None:
            index = 0  # not an option: the blank (or the first, when a value is required)
        self._choose(index)

    @property
    def code(self) -> str:
        """The value as text for a service's draft: "" while nothing is chosen."""
        return "" if self._value is None else str(self._value)

    def _index_of(self, value: Hashable | None) -> int | None:
        return next((i for i, (_, v) in enumerate(self._options) if v == value), None)

    def _choose(self, index: int) -> None:
        self._highlight = index
        new = self._options[index][1] if self._options else None
        if new != self._value:
            self._value = new
            self.post_message(self.Changed(self, new))
        self.refresh()

    # -- keys ----------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        """Every key is decided here, as it arrives (not by bindings that act only once the
        key has bubbled up to the app, after the keys behind it in the same burst). Closed,
        Up and Esc are left to the form (the field above; cancel)."""
        if not (self.is_open and event.key == "escape") and await in_order(self, event):
            return
        handled = True
        if event.key in ("enter", "space"):
            if self.is_open:
                self._choose(self._highlight)
            self._set_open(not self.is_open)
        elif event.key in _STEPS and self.is_open:
            self._highlight = max(0, min(len(self._options) - 1,
                                         self._highlight + _STEPS[event.key]))
            self._keep_highlight_in_view()
            self.refresh()
        elif event.key == "down":
            self._set_open(True)  # Down opens the list, as on every dropdown
        elif event.key == "escape" and self.is_open:
            self.close()
        elif event.is_printable and event.character and event.character.strip():
            handled = self._spell(event.character.lower())
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()

    def _spell(self, letter: str) -> bool:
        """A typed letter: spelling on what was typed just before, or starting again."""
        now = time.monotonic()
        spelled = self._typed + letter if now - self._typed_at <= TYPE_AHEAD else letter
        self._typed_at = now
        if len(set(spelled)) == 1:  # one letter, again: the next option starting with it
            self._typed = letter
            return self._jump(letter)
        if self._jump(spelled, here=True):
            self._typed = spelled
            return True
        return True  # nothing is spelled so: the choice stays (and the key is the field's)

    def _jump(self, typed: str, here: bool = False) -> bool:
        """To the next option whose label (or its pinyin initials) starts with `typed` — or
        this one, `here`, when it still does (a spelling going on)."""
        count = len(self._options)
        start = self._highlight if self.is_open else (self._index_of(self._value) or 0)
        for step in range(0 if here else 1, count + (0 if here else 1)):
            index = (start + step) % count
            if self._options[index][1] is not None and \
                    any(word.startswith(typed) for word in self._initials[index]):
                if self.is_open:
                    self._highlight = index
                    self._keep_highlight_in_view()
                    self.refresh()
                else:
                    self._choose(index)
                return True
        return False

    def close(self) -> None:
        """Close the list without changing the value."""
        self._highlight = self._index_of(self._value) or 0
        self._set_open(False)

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        if self.is_open:
            self.close()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if self.is_open and 0 <= event.y < self._rows_open():
            self._choose(self._top + event.y)
            self._set_open(False)
        else:
            self.focus()
            self._set_open(not self.is_open)

    # -- drawing -------------------------------------------------------------------------

    def _rows_open(self) -> int:
        return min(len(self._options), VISIBLE_ROWS)

    def _keep_highlight_in_view(self) -> None:
        rows = self._rows_open()
        if self._highlight < self._top:
            self._top = self._highlight
        elif self._highlight >= self._top + rows:
            self._top = self._highlight - rows + 1

    def _set_open(self, is_open: bool) -> None:
        self.is_open = is_open
        self.set_class(is_open, "-open")
        if is_open:
            self._highlight = self._index_of(self._value) or 0
            self._top = 0
            self._keep_highlight_in_view()
        self.styles.height = self._rows_open() if is_open else 1
        self.refresh(layout=True)
        if is_open:
            self.call_after_refresh(self.scroll_visible)

    def render(self) -> Text:
        if not self.is_open:
            label, value = self._options[self._index_of(self._value) or 0]
            text = Text(label.plain.lstrip(), style=label.style)  # a place without its indent
            if value is None:
                text.stylize(self.get_component_rich_style("picker--prompt"))
            shown = Text.assemble(text, " ▾")
            if self.has_focus and self.app.no_color:
                shown.stylize("reverse")  # the focused field, where colour cannot show it
            return shown
        lines = []
        for index in range(self._top, self._top + self._rows_open()):
            label, value = self._options[index]
            marker = "› " if index == self._highlight else "  "
            line = Text.assemble(marker, label, " ✓" if value == self._value and
                                 value is not None else "")
            if index == self._highlight:
                line.stylize(self.get_component_rich_style("picker--highlight"))
                if self.app.no_color:
                    line.stylize("reverse")
            lines.append(line)
        return Text("\n").join(lines)
