"""The TUI tests' fixtures (their helpers are in tests/tui/pilot.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch):
    # A blinking cursor makes screenshots differ from run to run.
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
