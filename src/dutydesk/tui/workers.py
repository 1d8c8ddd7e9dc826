"""Workers that fail say so: a database error must never vanish into a silent, stale screen."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from dutydesk.domain.text import printable
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import t


def worker_error_text(worker: Worker) -> str:
    """What a failed worker tells the officer. An unexpected error's text may quote SQL or
    personal data: only its kind is named."""
    error = worker.error
    text = (error.message() if isinstance(error, DutyDeskError)
            else t("error.unexpected", detail=type(error).__name__))
    return printable(text, multiline=True)


class ReportsWorkerErrors:
    """Mixed into every node that runs thread workers (they use exit_on_error=False)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.worker_failed(worker_error_text(event.worker))

    def worker_failed(self, text: str) -> None:
        self.notify(text, severity="error", timeout=10, markup=False)  # type: ignore[attr-defined]
