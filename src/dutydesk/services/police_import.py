"""Reading the 110 system's export: XLSX (python-calamine), CSV (UTF-8 with or without BOM, or
GB18030 as Chinese Excel writes it) and JSON lines, with the export's Chinese headers in any
order and extra columns ignored. A file is checked whole: every bad row is reported with its
line, column and reason, and nothing is written unless every row is good."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.text import printable
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk
from dutydesk.services.police import ImportResult, TransferDraft, check_draft, import_transfers

# The export's header -> the draft's field.
COLUMNS = {
    "警情编号": "number", "接警时间": "called_at", "报警人": "caller", "联系电话": "phone",
    "发生地址": "address", "管辖派出所": "station", "警情类别": "category_110", "简要警情": "summary",
}
REQUIRED = ("警情编号", "接警时间", "简要警情")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
MAX_ERRORS_SHOWN = 50
MAX_FILE_BYTES = 200 * 1024 * 1024


class ImportRefused(DutyDeskError):
    """A file that cannot be imported; `problems` lists every bad row (line, column, reason)."""

    key = "police.import.refused"

    def __init__(self, file: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(self.key, file=file, count=len(problems))

    def message(self) -> str:
        shown = self.problems[:MAX_ERRORS_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [super().message(), *(f"  {printable(p)}" for p in shown)]
        if more:
            lines.append(f"  … (+{more})")
        return "\n".join(lines)


@dataclass(frozen=True)
class RawRow:
    line: int  # as the officer sees it in the file (the header is line 1)
    cells: dict[str, object]


def read_rows(path: Path) -> list[RawRow]:
    """The file's rows keyed by header; refuses an unreadable file or a missing column."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportRefused(name, [t("police.import.unreadable", detail="> 200 MB")])
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            table = _read_sheet(path)
        elif suffix == ".csv":
            table = _read_csv(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            return _read_json_lines(path)
        else:
            raise ImportRefused(name, [t("police.import.unknown_format", suffix=suffix or "—")])
    except OSError as exc:
        raise ImportRefused(name, [t("police.import.unreadable", detail=exc.strerror)]) from None
    if not table:
        raise ImportRefused(name, [t("police.import.no_rows")])
    header = [str(cell).strip().lstrip("\ufeff") if cell is not None else "" for cell in table[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportRefused(name, [t("police.import.bad_header", column=c) for c in missing])
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if all(v in (None, "") for v in values):
            continue  # a blank line
        rows.append(RawRow(number, {h: v for h, v in zip(header, values) if h in COLUMNS}))
    return rows


def _read_csv(path: Path) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(_decode(path.read_bytes(), path.name))))
    except csv.Error as exc:
        raise ImportRefused(path.name, [t("police.import.unreadable", detail=str(exc))]) from None


def _read_sheet(path: Path) -> list[list[object]]:
    from python_calamine import CalamineWorkbook  # a compiled reader, many times openpyxl's speed

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for damaged or foreign files
        raise ImportRefused(path.name, [t("police.import.unreadable",
                                          detail=type(exc).__name__)]) from None


def _decode(raw: bytes, file: str) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 — what Chinese Excel writes for CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(file, [t("police.import.bad_encoding")])


def _read_json_lines(path: Path) -> list[RawRow]:
    rows = []
    problems = []
    for number, text in enumerate(_decode(path.read_bytes(), path.name).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(t("police.import.row_error", line=number, column="—",
                              reason=t("police.import.bad_json", detail=exc.msg)))
            continue
        if not isinstance(value, dict):
            problems.append(t("police.import.row_error", line=number, column="—",
                              reason=t("police.import.bad_json", detail=type(value).__name__)))
            continue
        rows.append(RawRow(number, {k: v for k, v in value.items() if k in COLUMNS}))
    if problems:
        raise ImportRefused(path.name, problems)
    return rows


def parse_time(value: object) -> dt.datetime | None:
    """接警时间 as text (2026-11-24 21:05:00, 2026/11/24 21:05) or an Excel date cell, local."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        moment = None
        for fmt in TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(value.strip(), fmt)
                break
            except ValueError:
                continue
        if moment is None:
            return None
    else:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def check_rows(desk: Desk, file: str, rows: list[RawRow]) -> list[TransferDraft]:
    """Drafts for every row, or ImportRefused naming every bad row, column and reason."""
    problems: list[str] = []
    drafts: list[TransferDraft] = []
    first_line: dict[str, int] = {}
    for row in rows:
        cells = {field: row.cells.get(header) for header, field in COLUMNS.items()}
        called_at = parse_time(cells["called_at"])
        draft = TransferDraft(
            number=_text(cells["number"]), called_at=called_at, summary=_text(cells["summary"]),
            caller=_text(cells["caller"]), phone=_text(cells["phone"]),
            address=_text(cells["address"]), station=_text(cells["station"]),
            category_110=_text(cells["category_110"]))
        cleaned, errors = check_draft(desk, draft)
        if called_at is None and cells["called_at"] not in (None, ""):
            errors["called_at"] = t("police.import.bad_time", value=_text(cells["called_at"])[:40])
        for field, reason in errors.items():
            problems.append(t("police.import.row_error", line=row.line,
                              column=_header_of(field), reason=reason))
        if cleaned.number and not errors:
            if cleaned.number in first_line:
                problems.append(t("police.import.row_error", line=row.line, column="警情编号",
                                  reason=t("police.import.duplicate_in_file",
                                           number=cleaned.number,
                                           first=first_line[cleaned.number])))
            first_line.setdefault(cleaned.number, row.line)
        drafts.append(cleaned)
    if not rows:
        problems.append(t("police.import.no_rows"))
    if problems:
        raise ImportRefused(file, problems)
    return drafts


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number cell: 13800138000.0 -> 13800138000
    return str(value)


def _header_of(field: str) -> str:
    return {f: h for h, f in COLUMNS.items()}.get(field, field)


def import_file(desk: Desk, actor: Actor, path: Path,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read, check whole, then write in one transaction (or refuse and write nothing)."""
    rows = read_rows(path)
    drafts = check_rows(desk, path.name, rows)
    return import_transfers(desk, actor, drafts, path.name, progress)
