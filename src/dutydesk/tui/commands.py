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
        offered = {spec.id: spec for spec in keys.QUEUE_KEYS + keys.CASE_ACTION_KEYS
                   if spec.show or spec in keys.CASE_ACTION_KEYS}
        found, seen = [], set()
        for active in screen.active_bindings.values():  # each key as the screen decides it now
            spec = offered.get(active.binding.id)
            if spec is None or not active.enabled or spec.id in seen:
                continue
            seen.add(spec.id)
            label = f"{t(spec.label)}  ({keys.shown_key(spec)})"
            found.append((label, partial(self.app.run_action, active.binding.action,
                                         active.node)))
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
