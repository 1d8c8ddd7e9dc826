"""Imports point downwards: domain is pure, the TUI reaches the database only via services."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
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
    "config": ("textual", "sqlalchemy", "sqlmodel", "dutydesk.store", "dutydesk.services",
               "dutydesk.tui"),
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


def _loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after `statement` (run, not parsed: an import
    inside a function that runs at import time counts too)."""
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    return set(result.stdout.split())


def _top_names(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_the_domain_runs_without_the_database_or_the_terminal():
    names = [f"dutydesk.domain.{m.name}" for m in pkgutil.iter_modules([str(SRC / "domain")])]
    loaded = _loaded_after("; ".join(f"import {name}" for name in names))
    assert _top_names(loaded) & {"textual", "sqlalchemy", "sqlmodel", "rich"} == set()
    assert not {m for m in loaded if m.startswith(("dutydesk.store", "dutydesk.services",
                                                    "dutydesk.tui"))}


# What opening the desk must not load: each is loaded where it is used (a chart, a report, an
# import or export, a phone number being checked), so a session starts without paying for it.
HEAVY = {"plotext", "textual_plotext", "openpyxl", "python_calamine", "xlsxwriter", "icalendar",
         "phonenumbers", "stdnum", "alembic", "mako"}  # (alembic: only to make or upgrade)


def test_opening_the_desk_loads_no_heavy_module():
    loaded = _loaded_after("import dutydesk.cli, dutydesk.tui.app")
    assert _top_names(loaded) & HEAVY == set()
    # PostgreSQL's dialect and drivers load for a desk on a server alone (store/postgres.py)
    assert not {m for m in loaded if m.startswith(("sqlalchemy.dialects.postgresql",
                                                    "psycopg", "dutydesk.store.postgres"))}
    assert not {m for m in loaded if m.startswith(("dutydesk.services.statistics",
                                                    "dutydesk.reports",
                                                    "dutydesk.tui.screens.stats"))}
