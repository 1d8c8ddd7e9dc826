"""Every state reads: WCAG AA contrast (4.5:1) for rows, the cursor bar and each deadline
state, in colour and in the greys NO_COLOR turns colours into."""

from __future__ import annotations

import pytest
from rich.style import Style
from textual.color import Color

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.tui.format import DEADLINE_STYLE
from dutydesk.tui.widgets import CaseTable
from tests.tui.pilot import make_app, settle

AA = 4.5


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(fg: Color, bg: Color) -> float:
    high, low = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _pairs(table: CaseTable, no_color: bool) -> dict[str, tuple[Color, Color]]:
    base = table.rich_style
    cursor = table.get_component_rich_style("paged-table--cursor")
    header = table.get_component_rich_style("paged-table--header")
    background = Color.from_rich_color(base.bgcolor)

    def pair(style: Style, under: Style = base) -> tuple[Color, Color]:
        combined = under + style
        fg = Color.from_rich_color(combined.color)
        bg = Color.from_rich_color(combined.bgcolor) if combined.bgcolor else background
        if no_color:  # what Textual's Monochrome filter draws
            fg, bg = fg.monochrome, bg.monochrome
        return fg, bg

    pairs = {"row": pair(Style()), "header": pair(header), "cursor": pair(cursor)}
    if not no_color:
        for state in DeadlineState:
            pairs[f"deadline-{state.value}"] = pair(Style.parse(DEADLINE_STYLE[state]))
    return pairs


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_every_state_has_aa_contrast(demo_desk, no_color):
    app = make_app(demo_desk)
    app.no_color = no_color
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        for focused in (True, False):
            if focused:
                table.focus()
            else:
                app.screen.query_one("#search").focus()
            await settle(pilot)
            table._style_cache = None
            for name, (fg, bg) in _pairs(table, no_color).items():
                ratio = contrast(fg, bg)
                assert ratio >= AA, f"{name} (focus={focused}): {fg.hex} on {bg.hex} = {ratio:.2f}"
