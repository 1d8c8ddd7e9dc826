"""Keys that arrive together act in the order they were typed, even across a dialog.

Textual forwards each key to the focused field as it arrives and decides a screen's own keys
(Esc, Ctrl+S) only once the key has bubbled back up to the app — after the keys behind it in
the same burst have already been handed to the field. So `Esc y` would put the y into the
field before Esc asked its question. A field calls `in_order` first: the form's Esc and Ctrl+S
act right there, and a key queued behind one that opened a dialog goes to the dialog."""

from __future__ import annotations

from textual import events
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
            await app.run_action(active.binding.action, widget.screen)
            return True
    return False
