"""A desk on PostgreSQL from the command line: `--db postgresql://…` (the URL kept as typed)
makes one, refuses to make it twice, and the operator's commands run on it."""

from __future__ import annotations

import pytest

from dutydesk.cli import main

pytestmark = pytest.mark.postgresql


def test_a_desk_on_postgresql_from_the_command_line(pg_url, capsys):
    assert main(["init", "--db", pg_url]) == 0
    assert "t_" in capsys.readouterr().out
    assert main(["init", "--db", pg_url]) == 1  # it holds a desk: never made again
    assert "已存在" in capsys.readouterr().err
    assert main(["sweep", "--db", pg_url]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--db", pg_url]) == 0
    assert "审计日志完好" in capsys.readouterr().out
    assert main(["upgrade", "--db", pg_url]) == 0
