"""Turning service values into cells: symbols as well as colours, widths in terminal cells."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.domain.text import printable
from dutydesk.i18n import local_time, t
from dutydesk.services.queue import DeadlineView

# Meaning never rests on colour alone: each state has a symbol (NO_COLOR, 16 colours).
DEADLINE_SYMBOL = {
    DeadlineState.ON_TIME: "✓",
    DeadlineState.DUE_SOON: "!",
    DeadlineState.OVERDUE: "✗",
}
DEADLINE_STYLE = {
    DeadlineState.ON_TIME: "green",
    DeadlineState.DUE_SOON: "bold yellow",
    DeadlineState.OVERDUE: "bold red",
}


def plain(text: str, style: str = "") -> Text:
    """Text from people (or the database) as plain text: never markup, never escape codes."""
    return Text(printable(text), style=style)


def fit_pad(text: str, width: int) -> str:
    """`text` cut to leave one cell of gap, then padded to exactly `width` cells."""
    cut = fit(text, width - 1)
    return cut + " " * (width - cell_len(cut))


def fit(text: str, width: int) -> str:
    """Cut `text` to `width` terminal cells (Chinese characters are two cells wide)."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = cell_len(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def deadline_label(deadline: DeadlineView | None) -> tuple[str, str]:
    """The symbol-and-word label of a deadline state, and its style."""
    if deadline is None:
        return t("deadline.none"), "dim"
    label = DEADLINE_SYMBOL[deadline.state] + t(f"deadline.{deadline.state.value}")
    if deadline.provisional:
        label += "?"  # 暂定: computed without an official calendar for that year
    return label, DEADLINE_STYLE[deadline.state]


def deadline_cell(deadline: DeadlineView | None) -> Text:
    label, style = deadline_label(deadline)
    return Text(label, style=style)


def deadline_long(deadline: DeadlineView | None) -> Text:
    if deadline is None:
        return Text(t("deadline.none"))
    text = deadline_cell(deadline)
    text.append(f" {t('deadline.' + deadline.kind)} {local_time(deadline.due_at)}")
    if deadline.provisional:
        text.append(f" ({t('deadline.provisional')})", style="italic")
    return text
