"""Turning service values into cells: symbols as well as colours, widths in terminal cells."""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len
from rich.text import Text

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.domain.supervision import Card
from dutydesk.domain.text import printable
from dutydesk.i18n import language, local_time, t
from dutydesk.services.queue import DeadlineView

# Meaning never rests on colour alone: each state has a symbol (NO_COLOR, 16 colours).
DEADLINE_SYMBOL = {
    DeadlineState.ON_TIME: "✓",
    DeadlineState.DUE_SOON: "!",
    DeadlineState.OVERDUE: "✗",
}
# Colours chosen for WCAG AA contrast (≥ 4.5:1) on the dark theme's backgrounds, in colour and
# in the greys NO_COLOR turns them into; without colour, overdue is also drawn reversed and due
# soon underlined, so that the three states differ by more than a shade of grey.
DEADLINE_STYLE = {
    DeadlineState.ON_TIME: "#5fd75f",
    DeadlineState.DUE_SOON: "bold #ffd75f",
    DeadlineState.OVERDUE: "bold #ff8787",
}
DEADLINE_STYLE_NO_COLOR = {
    DeadlineState.ON_TIME: "",
    DeadlineState.DUE_SOON: "bold underline",
    DeadlineState.OVERDUE: "bold reverse",
}
CARD_LABEL = {Card.YELLOW: "detail.card_yellow_long", Card.RED: "detail.card_red_long"}
WIDE_CAP = 16  # the widest a narrow column grows on a wide terminal


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


def fitted_width(labels: list[str], cap: int = WIDE_CAP) -> int:
    """Wide enough for the longest label (plus a gap), up to `cap`."""
    return min(cap, max((cell_len(label) for label in labels), default=0) + 1)


def deadline_label(deadline: DeadlineView | None, no_color: bool = False) -> tuple[str, str]:
    """The symbol-and-word label of a deadline state, and its style."""
    if deadline is None:
        return t("deadline.none"), ""
    label = DEADLINE_SYMBOL[deadline.state] + t(f"deadline.{deadline.state.value}")
    if deadline.provisional:
        label += "?"  # 暂定: computed without an official calendar for that year
    styles = DEADLINE_STYLE_NO_COLOR if no_color else DEADLINE_STYLE
    return label, styles[deadline.state]


def span(start: dt.datetime, end: dt.datetime) -> str:
    """A humanised distance in the officer's language: "1小时 20分钟", "2 days and 3 hours"."""
    import arrow

    seconds = abs((end - start).total_seconds())
    granularity = (["day", "hour"] if seconds >= 86400 else
                   ["hour", "minute"] if seconds >= 3600 else ["minute"])
    locale = "zh" if language() == "zh_CN" else "en"
    return arrow.get(start).humanize(arrow.get(end), locale=locale, only_distance=True,
                                     granularity=granularity)


def deadline_long(deadline: DeadlineView | None, now: dt.datetime,
                  no_color: bool = False) -> Text:
    if deadline is None:
        return Text(t("deadline.none"))
    label, style = deadline_label(deadline, no_color)
    text = Text(label, style=style)
    text.append(f" {t('deadline.' + deadline.kind)} {local_time(deadline.due_at)}")
    late = now >= deadline.due_at
    text.append(t("deadline.late_by" if late else "deadline.left",
                  span=span(now, deadline.due_at)))
    if deadline.provisional:
        text.append(f" ({t('deadline.provisional')})", style="italic")
    if deadline.card is not None:
        text.append(f" · {t(CARD_LABEL[deadline.card])}", style="bold")
    return text


def title_line(desk, actor, screen: str, width: int = 1000) -> Text:
    """Every board's title: the desk, the board, who is signed in, demo and read-only marks,
    and the desk's clock. On a narrow terminal the desk's name goes first, then the date —
    the clock (HH:MM) and the board stay."""
    demo = f" · {t('app.demo')}" if desk.settings.is_demo else ""
    speed = getattr(desk.clock, "speed", None)  # a training run's clock (TrainingClock)
    if speed is not None:
        demo = f" · {t('training.run.mark')}"
    read_only = f" · {t('error.readonly_banner')}" if desk.db.read_only else ""
    who = t("app.who", name=actor.name, role=t("role." + actor.role.value))
    now = desk.clock.now()
    for title, clock in ((f"{t('app.title')} · ", "%Y-%m-%d %H:%M"), ("", "%Y-%m-%d %H:%M"),
                         ("", "%H:%M")):
        running = "" if speed is None else (f" {t('training.run.paused')}"
                                            if desk.clock.paused else f" ×{speed}")
        line = f"{title}{screen}  {who}{demo}  {local_time(now, clock)}{running}{read_only}"
        if cell_len(line) + 2 <= width:
            break
    return plain(line)