"""Workers that fail say so: a database error must never vanish into a silent, stale screen."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from dutydesk.domain.text import printable
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import t


class ReportsWorkerErrors:
    """Mixed into every node that runs thread workers (they use exit_on_error=False)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        # An unexpected error's text may quote SQL or personal data: name only its kind.
        text = (error.message() if isinstance(error, DutyDeskError)
                else t("error.unexpected", detail=type(error).__name__))
        self.worker_failed(text)

    def worker_failed(self, text: str) -> None:
        self.notify(printable(text, multiline=True), severity="error", timeout=10,  # type: ignore[attr-defined]
                    markup=False)
