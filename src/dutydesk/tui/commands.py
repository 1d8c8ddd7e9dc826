"""Command palette: the queue's views and forms, and the actions open on the current case."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from dutydesk.i18n import t
from dutydesk.tui import keys


class QueueCommands(Provider):
    def _commands(self) -> list[tuple[str, object]]:
        from dutydesk.tui.screens.queue import QueueScreen

        screen = self.screen  # the screen the palette was opened over
        if not isinstance(screen, QueueScreen):
            return []
        found = []
        for spec in [k for k in keys.QUEUE_KEYS if k.show] + list(keys.CASE_ACTION_KEYS):
            name, _, arg = spec.action.partition("(")
            args = (arg.rstrip(")").strip("'"),) if arg else ()
            if screen.check_action(name, args) is not True:
                continue
            label = f"{t(spec.label)}  ({keys.shown_key(spec)})"
            found.append((label, partial(self.app.run_action, spec.action, screen)))
        return found

    async def discover(self) -> Hits:
        for label, callback in self._commands():
            yield DiscoveryHit(label, callback)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, callback in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback)
