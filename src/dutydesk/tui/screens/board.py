"""What every board screen has: the desk and the signed-in officer (read from the app), a
worker's failure said aloud, and a refused key said with the bell."""

from __future__ import annotations

from textual.screen import Screen

from dutydesk.tui.workers import ReportsWorkerErrors


class BoardScreen(ReportsWorkerErrors, Screen):
    @property
    def desk(self):
        return self.app.desk  # type: ignore[attr-defined]

    @property
    def actor(self):
        return self.app.actor  # type: ignore[attr-defined]

    def refuse_key(self, text: str) -> None:
        """A key that cannot act on the row it reached: said, with the bell, never silent."""
        self.app.bell()
        self.notify(text, severity="warning", markup=False)
