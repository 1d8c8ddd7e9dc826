"""SQL the engines spell differently, said once per engine so that the services never ask which
engine they run on: each construct here compiles to SQLite's words and to PostgreSQL's."""

from __future__ import annotations

from sqlalchemy import Boolean, Date, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class json_text(FunctionElement):  # noqa: N801 (used as a SQL function)
    """A top-level value of a JSON text column, as text: `json_text(Event.payload, "unit")`."""

    type = String()
    inherit_cache = True

    def __init__(self, column: ColumnElement, key: str) -> None:
        self.key = key
        super().__init__(column)


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler, **kw) -> str:
    (column,) = element.clauses
    return f"json_extract({compiler.process(column, **kw)}, '$.{element.key}')"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler, **kw) -> str:
    (column,) = element.clauses
    return f"(CAST({compiler.process(column, **kw)} AS JSONB) ->> '{element.key}')"


class local_day(FunctionElement):  # noqa: N801 (used as a SQL function)
    """A stored moment's day in Asia/Shanghai, a date (UTC+8 with no daylight saving since
    1991, so a fixed offset is exact)."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler, **kw) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} + interval '8 hours' AS DATE)"


class co_unit_part(ColumnElement):  # noqa: N801 (used as a SQL clause)
    """A co-unit's part of a case (case_unit.lead false), spelled on SQLite as the partial
    index ix_case_unit_parts says it (models.PARTS_SQL), so that the planner may read it."""

    type = Boolean()
    inherit_cache = True


@compiles(co_unit_part, "sqlite")
def _co_unit_part_sqlite(element: co_unit_part, compiler, **kw) -> str:
    from dutydesk.store.models import PARTS_SQL

    return f"case_unit.{PARTS_SQL}"


@compiles(co_unit_part, "postgresql")
def _co_unit_part_postgresql(element: co_unit_part, compiler, **kw) -> str:
    return "NOT case_unit.lead"
