"""Imports point downwards: domain is pure, the TUI reaches the database only via services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dutydesk"
FORBIDDEN = {
    "domain": ("textual", "sqlalchemy", "sqlmodel", "dutydesk.store", "dutydesk.services",
               "dutydesk.tui"),
    "tui": ("sqlalchemy", "sqlmodel", "dutydesk.store"),
    "services": ("textual", "dutydesk.tui"),
    "reports": ("textual", "dutydesk.tui", "sqlalchemy", "sqlmodel", "dutydesk.store"),
    "store": ("textual", "dutydesk.tui", "dutydesk.services"),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer):
    offending = []
    for path in (SRC / layer).rglob("*.py"):
        for name in _imports(path):
            if name.startswith(FORBIDDEN[layer]):
                offending.append(f"{path.relative_to(SRC)}: {name}")
    assert offending == []


def test_only_the_clock_module_reads_the_wall_clock():
    offending = []
    for path in SRC.rglob("*.py"):
        if path.name == "clock.py":
            continue
        text = path.read_text("utf-8")
        for needle in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time()"):
            if needle in text:
                offending.append(f"{path.relative_to(SRC)}: {needle}")
    assert offending == []
