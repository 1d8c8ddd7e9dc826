"""Keys that arrive together act in the order they were typed, even across a dialog.

Textual forwards each key to the focused field as it arrives and decides a screen's own keys
(Esc, Ctrl+S) only once the key has bubbled back up to the app — after the keys behind it in
the same burst have already been handed to the field. So `Esc y` would put the y into the
field before Esc asked its question. A field calls `in_order` first: the form's Esc and Ctrl+S
act right there, and a key queued behind one that opened a dialog goes to the dialog."""

from __future__ import annotations

import asyncio

from textual import events
from textual.binding import Binding
from textual.widget import Widget

SCREEN_KEYS = frozenset({"escape", "ctrl+s"})  # a form's keys a field passes on at once


async def in_order(widget: Widget, event: events.Key) -> bool:
    """True when the key was handled here (the field must not act on it)."""
    app = widget.app
    if widget.screen is not app.screen:  # a dialog opened in front since the key was queued
        event.stop()
        event.prevent_default()
        key = events.Key(event.key, event.character)
        key.set_sender(app)
        app.post_message(key)
        return True
    if event.key in SCREEN_KEYS:
        active = app.active_bindings.get(event.key)
        if active is not None and active.node is widget.screen and active.enabled:
            event.stop()
            event.prevent_default()
            await _others_caught_up(widget)
            await app.run_action(active.binding.action, widget.screen)
            return True
    return False


async def _others_caught_up(widget: Widget, timeout: float = 2.0) -> None:
    """Let the form's other fields take the keys queued for them first: in `reason Shift+Tab
    Space Ctrl+S` the reason's characters may still wait in its own queue when Ctrl+S reaches
    the field after it. A callback queued behind them on each field says they are done."""
    waits = []
    for field in widget.screen.focus_chain:
        if field is not widget:
            done = asyncio.Event()
            field.call_later(done.set)
            waits.append(done.wait())
    if waits:
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
        except TimeoutError:
            pass  # a field that does not answer must not hold the form up


def own_binding(widget: Widget, key: str) -> Binding | None:
    """The widget's own binding of `key` (its classes' BINDINGS), whatever has the focus now.

    Textual decides a widget's keys by the focus chain at the moment it processes them; in a
    burst the Tab typed after them has moved the focus on by then, so `↓ Space Tab` would tick
    nothing. A field acts on its own keys itself, in the order they came."""
    for cls in type(widget).__mro__:
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())):
            if binding.key == key:
                return binding
    return None


async def act_on_own_key(widget: Widget, event: events.Key, *,
                         printable_too: bool = False) -> bool:
    """Run the widget's own binding of the key, if it has one: True when it did."""
    if event.is_printable and not printable_too:
        return False
    binding = own_binding(widget, event.key)
    if binding is None:
        return False
    event.stop()
    event.prevent_default()
    await widget.run_action(binding.action)
    return True
