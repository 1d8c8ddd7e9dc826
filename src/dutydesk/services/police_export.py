"""Feedback for the 110 system to take back: every transfer the desk has decided since a
moment — diverted and fed back (分流, with the handling unit and the result) or sent back (退回,
with the reason) — as CSV (UTF-8 with BOM, so that Excel opens it), JSON lines or XLSX, with
the export's own headers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from sqlalchemy import case, or_
from sqlmodel import col, select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.errors import DutyDeskError
from dutydesk.files import WORKBOOK_OPTIONS, atomic_output, inert
from dutydesk.domain.lifecycle import DESK_ROLES
from dutydesk.domain.personal import Masks, mask_numbers_in
from dutydesk.domain.police import TransferState
from dutydesk.errors import PermissionDenied
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk
from dutydesk.services.events import refusals_logged
from dutydesk.store.models import Case, Node, PoliceTransfer, Unit

HEADERS = ("警情编号", "接警时间", "处置方式", "承办单位", "处置结果", "反馈时间", "是否按时反馈",
           "工单编号")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".xlsx": "xlsx"}


def feedback_rows(desk: Desk, since: dt.datetime | None = None,
                  transfer_id: int | None = None) -> list[tuple]:
    """One row per transfer decided at or after `since` (or the one transfer), oldest first:
    fed back after 分流, or sent back to 110 (its reason is its feedback)."""
    T = PoliceTransfer
    returned = T.state == TransferState.RETURNED.value
    # A sent-back transfer ends with its 退回: its last change is when 110 was told.
    decided_at = case((returned, T.updated_at), else_=T.fed_back_at)
    clauses = [or_(returned, col(T.fed_back_at).is_not(None))]
    if since is not None:
        clauses.append(decided_at >= since)
    if transfer_id is not None:
        clauses.append(T.id == transfer_id)
    with desk.db.read() as session:
        rows = session.exec(
            select(T, Unit.name, Node.name).outerjoin(Case, col(Case.id) == T.case_id)
            .outerjoin(Unit, col(Unit.id) == Case.lead_unit_id)
            .outerjoin(Node, col(Node.id) == Case.community_id)
            .where(*clauses).order_by(decided_at, col(T.id))).all()
    masks = desk.settings.masks
    return [_row(tr, unit or community or "", masks) for tr, unit, community in rows]


def _row(tr: PoliceTransfer, handler: str, masks: Masks) -> tuple:
    """A transfer's line; a phone or ID number written into the result or the reason is
    masked like the fields are."""
    if tr.state == TransferState.RETURNED.value:
        return (tr.number, _local(tr.called_at), "退回110", "",
                mask_numbers_in(tr.return_reason, masks), _local(tr.updated_at), "", "")
    on_time = tr.feedback_due_at is None or tr.fed_back_at <= tr.feedback_due_at
    return (tr.number, _local(tr.called_at), "分流", handler,
            mask_numbers_in(tr.feedback, masks), _local(tr.fed_back_at),
            "是" if on_time else "否", tr.case_id or "")


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
    try:
        with atomic_output(output) as partial:
            _write(kind, partial, rows)
    except OSError as exc:  # a folder, a missing folder, /proc: one sentence, no traceback
        raise DutyDeskError("police.export.failed_path", path=str(output),
                            detail=exc.strerror or str(exc)) from None
    return len(rows)


def _write(kind: str, partial: Path, rows: list) -> None:
    if kind == "csv":
        with open(partial, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADERS)
            writer.writerows([inert(cell) for cell in row] for row in rows)
    elif kind == "jsonl":
        with open(partial, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(dict(zip(HEADERS, row)), ensure_ascii=False) + "\n")
    else:
        import xlsxwriter

        # An imported 警情编号 or a feedback text is never a live formula or link.
        book = xlsxwriter.Workbook(str(partial), WORKBOOK_OPTIONS)
        sheet = book.add_worksheet("反馈")
        sheet.write_row(0, 0, HEADERS, book.add_format({"bold": True}))
        for index, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                if isinstance(cell, str):
                    sheet.write_string(index, column, cell)
                else:
                    sheet.write_number(index, column, cell)
        sheet.set_column(0, 1, 20)
        sheet.set_column(2, 3, 14)
        sheet.set_column(4, 4, 50)
        sheet.set_column(5, 5, 20)
        book.close()
