"""? help: built from the same key registry and lifecycle table that make the bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from dutydesk.domain.boards import boards_for
from dutydesk.domain.lifecycle import TRANSITIONS, Role
from dutydesk.domain.disputes import DISPUTE_STEPS
from dutydesk.domain.police import TRANSFER_TRANSITIONS
from dutydesk.domain.revisits import REVISIT_STEPS
from dutydesk.i18n import t
from dutydesk.tui import keys
from dutydesk.tui.boards import BOARDS


class HelpScreen(ModalScreen):
    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "", show=False),
    ]

    def __init__(self, role: Role, training: bool = False) -> None:
        super().__init__()
        self.role = role
        self.training = training  # a training run's clock keys are listed only in one

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(t("help.title"), classes="help-title")
            yield Static(t("help.intro"))
            yield Static(self._general())
            yield Static(self._case_actions())
            sections = {  # the queue's keys are the general ones and the case actions
                "police": self._police, "disputes": self._disputes, "revisits": self._revisits,
                "handover": lambda: self._keys_table(t("duty.title"), keys.HANDOVER_KEYS),
                "stats": lambda: self._keys_table(t("stats.title"), keys.STATS_KEYS)}
            for board in BOARDS:  # a section for each board the role has, in the F-keys' order
                if board.name in sections and board.name in boards_for(self.role):
                    yield Static(sections[board.name]())

    def _general(self) -> Table:
        table = Table(title=t("help.global"), show_header=False, box=None, padding=(0, 2))
        boards = boards_for(self.role)
        for spec in keys.APP_KEYS + keys.QUEUE_KEYS:
            if spec.board is not None and spec.board not in boards:
                continue  # no F-key that does nothing
            if spec in keys.TRAINING_KEYS and not self.training:
                continue
            table.add_row(keys.help_key(spec), t(spec.help_label or spec.label))
        table.add_row("↑ ↓ PgUp PgDn", f"{t('key.prev_page')} / {t('key.next_page')}")
        return table

    def _case_actions(self) -> Table:
        table = Table(title=t("help.case_actions"), box=None, padding=(0, 2))
        for _ in range(5):  # key, action, from, to, who
            table.add_column("")
        for tr in TRANSITIONS:
            mark = "✓" if tr.allows(self.role) else " "
            table.add_row(
                f"{mark} {tr.key}", t(f"action.{tr.action.value}"),
                "/".join(t(f"state.{s.value}") for s in sorted(tr.sources))
                if len(tr.sources) < 4 else "…",
                t(f"state.{tr.target.value}") if tr.target else "=",
                "、".join(t(f"role.{r.value}") for r in sorted(tr.roles)),
            )
        return table

    def _police(self) -> Table:
        """The 110 board's keys: its sections and the steps of the transfer's table."""
        table = Table(title=t("police.title"), box=None, padding=(0, 2))
        for _ in range(4):  # key, step, from, to
            table.add_column("")
        for spec in keys.POLICE_KEYS:
            table.add_row(keys.help_key(spec), t(spec.label), "", "")
        for tr in TRANSFER_TRANSITIONS:
            table.add_row(tr.key, t(f"police.action.{tr.action.value}"),
                          "/".join(t(f"police.state.{s.value}") for s in sorted(tr.sources)),
                          t(f"police.state.{tr.target.value}"))
        return table

    def _disputes(self) -> Table:
        """The dispute board's keys: moving between lanes and the steps of the dispute's table,
        with who may take them (✓: you)."""
        table = Table(title=t("dispute.title"), box=None, padding=(0, 2))
        for _ in range(3):  # key, step, who
            table.add_column("")
        table.add_row("← →", f"{t('dispute.key.lane_left')} / {t('dispute.key.lane_right')}", "")
        for spec in keys.DISPUTE_KEYS:
            if spec.keys not in ("left", "right"):
                table.add_row(keys.help_key(spec), t(spec.label), "")
        for step in DISPUTE_STEPS:
            mark = "✓" if self.role in step.roles else " "
            table.add_row(f"{mark} {step.key}", t(f"dispute.action.{step.action.value}"),
                          "、".join(t(f"role.{r.value}") for r in sorted(step.roles)))
        return table

    def _revisits(self) -> Table:
        """The calendar's keys, and the steps of the revisit's table with who may take them."""
        table = self._keys_table(t("revisit.title"), keys.REVISIT_GRID_KEYS
                                 + keys.REVISIT_LIST_KEYS)
        for step in REVISIT_STEPS:
            mark = "✓" if self.role in step.roles else " "
            table.add_row(f"{mark} {step.key}", t(f"revisit.action.{step.action.value}"))
        return table

    @staticmethod
    def _keys_table(title: str, specs) -> Table:
        table = Table(title=title, show_header=False, box=None, padding=(0, 2))
        for spec in specs:
            table.add_row(keys.help_key(spec), t(spec.help_label or spec.label))
        return table

    def action_dismiss(self) -> None:
        self.dismiss(None)
