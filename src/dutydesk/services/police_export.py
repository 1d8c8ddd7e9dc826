"""Feedback for the 110 system to take back: the transfers fed back since a moment, as CSV
(UTF-8 with BOM, so that Excel opens it), JSON lines or XLSX, with the export's own headers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from sqlmodel import col, select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.errors import DutyDeskError
from dutydesk.files import atomic_output
from dutydesk.domain.lifecycle import DESK_ROLES
from dutydesk.errors import PermissionDenied
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk
from dutydesk.services.events import refusals_logged
from dutydesk.store.models import PoliceTransfer

HEADERS = ("警情编号", "接警时间", "处置结果", "反馈时间", "是否按时反馈", "工单编号")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".xlsx": "xlsx"}


def feedback_rows(desk: Desk, since: dt.datetime | None = None,
                  transfer_id: int | None = None) -> list[tuple]:
    """One row per transfer fed back at or after `since` (or the one transfer), oldest first."""
    T = PoliceTransfer
    clauses = [col(T.fed_back_at).is_not(None)]
    if since is not None:
        clauses.append(col(T.fed_back_at) >= since)
    if transfer_id is not None:
        clauses.append(T.id == transfer_id)
    with desk.db.read() as session:
        transfers = session.exec(select(T).where(*clauses)
                                 .order_by(col(T.fed_back_at), col(T.id))).all()
    return [(t.number, _local(t.called_at), t.feedback, _local(t.fed_back_at),
             "是" if t.feedback_due_at is None or t.fed_back_at <= t.feedback_due_at else "否",
             t.case_id or "") for t in transfers]


def _local(moment: dt.datetime | None) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@refusals_logged
def export_feedback(desk: Desk, actor: Actor, since: dt.datetime | None, output: Path,
                    transfer_id: int | None = None) -> int:
    """Write the feedback file (its format from the file name) for the transfers fed back
    since a moment, or for one transfer; returns how many rows. The desk's: 110 calls are the
    centre's, not a community's or a unit's."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("error.permission", action=t("police.export.key"))
    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise DutyDeskError("police.export.bad_format", suffix=output.suffix or "—")
    rows = feedback_rows(desk, since, transfer_id)
    with atomic_output(output) as partial:
        _write(kind, partial, rows)
    return len(rows)


def _write(kind: str, partial: Path, rows: list) -> None:
    if kind == "csv":
        with open(partial, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADERS)
            writer.writerows(rows)
    elif kind == "jsonl":
        with open(partial, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(dict(zip(HEADERS, row)), ensure_ascii=False) + "\n")
    else:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(partial))
        sheet = book.add_worksheet("反馈")
        sheet.write_row(0, 0, HEADERS, book.add_format({"bold": True}))
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, row)
        sheet.set_column(0, 1, 20)
        sheet.set_column(2, 2, 50)
        sheet.set_column(3, 3, 20)
        book.close()
