"""Reading the 110 system's export: XLSX (python-calamine), CSV (UTF-8 with or without BOM, or
GB18030 as Chinese Excel writes it) and JSON lines, with the export's Chinese headers in any
order and extra columns ignored. A file is checked whole: every bad row is reported with its
line, column and reason, and nothing is written unless every row is good."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
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


MAX_UNPACKED_BYTES = 150 * 1024 * 1024  # a year of one street's calls unpacks to far less
MAX_SHEET_ROWS = 500_000
MAX_JSON_LINE = 64 * 1024  # a call is a few hundred characters; a longer line is not one


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
    problem: str = ""  # a line the reader could not make a row of (bad JSON)


def read_rows(path: Path) -> Iterator[RawRow]:
    """The file's rows keyed by header, read as they are asked for (memory stays flat at any
    size); refuses an unreadable file or a missing column."""
    try:
        yield from _rows(path)
    except OSError as exc:
        raise ImportRefused(path.name, [t("police.import.unreadable", detail=exc.strerror)]) \
            from None


def _rows(path: Path) -> Iterator[RawRow]:
    name = path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportRefused(name, [t("police.import.unreadable", detail="> 200 MB")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        table = _read_sheet(path)
    elif suffix == ".csv":
        table = _read_csv(path)
    elif suffix in (".jsonl", ".ndjson", ".json"):
        yield from _read_json_lines(path)
        return
    else:
        raise ImportRefused(name, [t("police.import.unknown_format", suffix=suffix or "—")])
    first = next(table, None)
    if first is None:
        raise ImportRefused(name, [t("police.import.no_rows")])
    header = [str(cell).strip().lstrip("\ufeff") if cell is not None else "" for cell in first]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportRefused(name, [t("police.import.bad_header", column=c) for c in missing])
    twice = [column for column in COLUMNS if header.count(column) > 1]
    if twice:  # which of the two is meant cannot be guessed
        raise ImportRefused(name, [t("police.import.duplicate_header", column=c) for c in twice])
    for number, values in enumerate(table, start=2):
        if all(v in (None, "") for v in values):
            continue  # a blank line
        yield RawRow(number, {h: v for h, v in zip(header, values) if h in COLUMNS})


def _read_csv(path: Path) -> Iterator[list[str]]:
    with open(path, encoding=_encoding(path), newline="") as file:
        try:
            yield from csv.reader(file)
        except csv.Error as exc:
            raise ImportRefused(path.name, [t("police.import.unreadable", detail=str(exc))]) \
                from None


def _check_unpacked_size(path: Path) -> None:
    """A workbook is a zip: its directory says how big its parts unpack to, and what rows
    the sheet claims, before any of it is read. A 3.7 MB workbook whose sheet unpacks to
    1.5 GB (a zip bomb) took two minutes and 2.5 GB before it was refused."""
    import re
    import zipfile

    if not zipfile.is_zipfile(path):
        return  # .xls: not a zip; the reader's own limits apply
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ImportRefused(path.name, [t("police.import.unreadable",
                                              detail=t("police.import.too_big_unpacked"))])
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.file_size:
                with archive.open(member) as sheet:
                    head = sheet.read(4096).decode("utf-8", "replace")
                found = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
                if found and int(found[1]) > MAX_SHEET_ROWS:
                    raise ImportRefused(path.name, [t(
                        "police.import.too_many_rows", rows=int(found[1]),
                        limit=MAX_SHEET_ROWS)])


def _read_sheet(path: Path) -> Iterator[list[object]]:
    from python_calamine import CalamineWorkbook  # a compiled reader, many times openpyxl's speed

    _check_unpacked_size(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).iter_rows()
    except Exception as exc:  # calamine raises its own types for damaged or foreign files
        raise ImportRefused(path.name, [t("police.import.unreadable",
                                          detail=type(exc).__name__)]) from None
    yield from rows


def _encoding(path: Path) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 — what Chinese Excel writes for CSV; found by
    decoding the file in chunks, so that a large file is never held whole."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as file:
                while chunk := file.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ImportRefused(path.name, [t("police.import.bad_encoding")])


def _read_json_lines(path: Path) -> Iterator[RawRow]:
    with open(path, encoding=_encoding(path), newline="") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            if len(text) > MAX_JSON_LINE:
                yield RawRow(number, {}, t("police.import.bad_json", detail="> 64 KB"))
                continue
            try:
                value = json.loads(text, object_pairs_hook=_no_repeated_keys)
            except json.JSONDecodeError as exc:
                yield RawRow(number, {}, t("police.import.bad_json", detail=exc.msg))
                continue
            except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[…
                yield RawRow(number, {}, t("police.import.bad_json",
                                           detail=type(exc).__name__))
                continue
            except _RepeatedKey as exc:
                yield RawRow(number, {}, t("police.import.duplicate_header", column=str(exc)))
                continue
            if not isinstance(value, dict):
                yield RawRow(number, {}, t("police.import.bad_json",
                                           detail=type(value).__name__))
                continue
            cells, wrong = {}, []
            for key, cell in value.items():
                if key not in COLUMNS:
                    continue
                if cell is None:
                    cell = ""
                elif isinstance(cell, int) and not isinstance(cell, bool):
                    cell = str(cell)  # a number written without quotes: its digits
                elif not isinstance(cell, str):  # a list, an object, true: never its repr
                    wrong.append(key)
                cells[key] = cell
            if wrong:
                yield RawRow(number, {}, t("police.import.not_text", column="、".join(wrong)))
                continue
            yield RawRow(number, cells)


class _RepeatedKey(ValueError):
    pass


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object naming one of the export's columns twice is refused, as a CSV header is."""
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen and key in COLUMNS:
            raise _RepeatedKey(key)
        seen.add(key)
    return dict(pairs)


def parse_time(value: object) -> dt.datetime | None:
    """接警时间 as text (2026-11-24 21:05:00, 2026/11/24 21:05) or an Excel date cell, local."""
    if isinstance(value, dt.datetime):
        moment: dt.datetime | None = value
    elif isinstance(value, str):
        moment = _parse_time_text(value.strip())
    else:
        moment = None
    if moment is None:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def _parse_time_text(text: str) -> dt.datetime | None:
    if len(text) >= 16:  # 2026-11-24 21:05[:00], the usual shape, parsed fastest
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _check_row(desk: Desk, row: RawRow) -> tuple[TransferDraft, dict[str, str]]:
    if row.problem:
        return TransferDraft("", None, ""), {"—": row.problem}
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
    return cleaned, errors


def check_file(desk: Desk, path: Path) -> int:
    """The first pass: every row checked and nothing kept but the 警情编号 seen; returns the
    number of rows, or refuses naming every bad row, column and reason."""
    problems: list[str] = []
    first_line: dict[str, int] = {}
    count = 0
    for row in read_rows(path):
        count += 1
        cleaned, errors = _check_row(desk, row)
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
    if not count:
        problems.append(t("police.import.no_rows"))
    if problems:
        raise ImportRefused(path.name, problems)
    return count


def _drafts(desk: Desk, path: Path) -> Iterator[TransferDraft]:
    """The second pass: the checked rows again, cleaned, for writing. A file changed since it
    was checked is refused (the write is rolled back)."""
    for row in read_rows(path):
        cleaned, errors = _check_row(desk, row)
        if errors:
            raise ImportRefused(path.name, [t("police.import.changed")])
        yield cleaned


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
    """Check the whole file, then read it again and write it in one transaction (or refuse
    and write nothing). Two passes keep memory flat: no row is held beyond its batch."""
    total = check_file(desk, path)
    return import_transfers(desk, actor, _drafts(desk, path), path.name, total, progress)
