"""The intake queue's list: the shared paged list with the case columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.domain.lifecycle import CaseState
from dutydesk.domain.text import printable
from dutydesk.i18n import local_time, t
from dutydesk.services.queue import CaseRow, DeadlineView
from dutydesk.tui.format import deadline_label, fitted_width
from dutydesk.tui.widgets._paged_list import PageSource, PagedList
from dutydesk.tui.widgets._paged_table import Cells, Column

UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)  # any moment: only labels matter

# The mark, number, state and deadline always show; on a narrow terminal the others are added
# in the order of need (place first); channel, category and place grow on wide terminals.
CASE_COLUMNS = (
    Column("mark", "column.mark", 2),
    Column("id", "column.id", 7),
    Column("time", "column.time", 12, keep=2),
    Column("channel", "column.channel", keep=4, grows=True),
    Column("category", "column.category", keep=3, grows=True),
    Column("node", "column.node", keep=1, grows=True),
    Column("summary", "column.summary", flex=True),
    Column("state", "column.state"),
    Column("deadline", "column.deadline"),
)


def status_widths() -> dict[str, int]:
    """The state and deadline columns, sized to the current language's labels."""
    states = [t(f"state.{s.value}") for s in CaseState]
    deadlines = [deadline_label(DeadlineView("due", d, UTC_EPOCH, True))[0] for d in DeadlineState]
    return {"state": fitted_width(states, 12), "deadline": fitted_width(deadlines, 12)}


def case_cells(row: CaseRow, no_color: bool) -> Cells:
    deadline, deadline_style = deadline_label(row.deadline, no_color)
    return {
        "id": (str(row.id), ""),
        "time": (local_time(row.created_at), ""),
        "channel": (t(f"channel.{row.channel}"), ""),
        "category": (printable(row.category) or "—", ""),
        "node": (printable(row.node), ""),
        "summary": (printable(row.summary), ""),
        "state": (t(f"state.{row.state}"), ""),
        "deadline": (deadline, deadline_style),
    }


class CaseTable(PagedList):
    def __init__(self, source: PageSource, show_detail: Callable[[Any], None],
                 **kwargs) -> None:
        super().__init__(CASE_COLUMNS, case_cells, source, show_detail, **kwargs)

    def fixed_widths(self) -> dict[str, int]:
        return status_widths()
