"""Complaint logs in and out: ``cxm cases import`` reads an existing complaint log (CSV or
XLSX, English or Chinese headers), checks every row first and writes all or nothing;
``cxm cases export`` writes the same columns (formula-safe), so an export re-imports.

A row's ``case_id`` makes re-importing idempotent: the case is kept under the source key
``import:<case_id>`` and a second import of the same row changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.cases.clocks import due_times
from cxm.cases.codes import CaseStatus, CaseType, Emotion, EventKind, ServiceFault
from cxm.cases.models import Case, CaseEvent
from cxm.cases.service import clock_policy
from cxm.customers.models import Customer
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.files.parsing import parse_datetime
from cxm.i18n import _

__all__ = ["COLUMNS", "ImportResult", "export_cases", "import_cases"]

#: Column → accepted header spellings (English and Chinese).
COLUMNS: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "case id", "工单编号", "投诉编号"),
    "customer_id": ("customer_id", "customer id", "客户编号", "客户id"),
    "opened_at": ("opened_at", "opened", "受理时间", "投诉时间"),
    "type": ("type", "类型"),
    "subject": ("subject", "主题", "标题"),
    "text": ("text", "description", "内容", "投诉内容"),
    "channel": ("channel", "渠道"),
    "emotion": ("emotion", "情绪"),
    "faults": ("faults", "服务过失"),
    "stage": ("stage", "阶段"),
    "status": ("status", "状态"),
    "owner": ("owner", "负责人"),
    "first_response_at": ("first_response_at", "首次响应时间"),
    "resolved_at": ("resolved_at", "解决时间"),
    "closed_at": ("closed_at", "关闭时间"),
}
REQUIRED = ("case_id", "customer_id", "opened_at")
_ZH = {
    "投诉": "complaint",
    "贬损者回访": "detractor_followup",
    "咨询": "enquiry",
    "建议": "suggestion",
    "表扬": "praise",
    "高兴": "happy",
    "失望": "disappointed",
    "愤怒": "angry",
    "担心": "afraid",
    "害怕": "afraid",
    "冷漠": "indifference",
    "推卸责任": "passing_the_buck",
    "冷淡": "coldness",
    "居高临下": "condescension",
    "机械式服务": "robotic",
    "拿公司规定当挡箭牌": "hiding_behind_rules",
    "踢皮球": "department_to_department",
    "新建": "new",
    "已受理": "acknowledged",
    "处理中": "in_progress",
    "等待客户": "waiting_on_customer",
    "已解决": "resolved",
    "已关闭": "closed",
}


def _header_map(columns: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for col in columns:
        key = col.strip().lower()
        for field, names in COLUMNS.items():
            if key in names and field not in found:
                found[field] = col
    return found


def _code(raw: str, cls: Any) -> str:
    value = _ZH.get(raw.strip(), raw.strip().lower().replace(" ", "_").replace("-", "_"))
    return str(cls(value).value)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    added: int
    unchanged: int
    ignored_columns: list[str]
    dry_run: bool


def _rows(chunks: Any) -> Iterator[tuple[int, dict[str, str]]]:
    for frame in chunks:
        for row_no, record in zip(frame.index, frame.to_dict("records"), strict=True):
            yield int(row_no), {str(k): str(v) for k, v in record.items()}


def import_cases(session: Session, *, path: str | Path, dry_run: bool = False) -> ImportResult:
    """Check every row, then add the new cases in the caller's transaction."""
    from cxm.files import iter_chunks

    path = Path(path)
    with iter_chunks(path) as chunks:
        return _import(session, path, list(chunks.columns), _rows(chunks), dry_run=dry_run)


def _import(
    session: Session,
    path: Path,
    columns: list[str],
    rows: Iterator[tuple[int, dict[str, str]]],
    *,
    dry_run: bool,
) -> ImportResult:
    where = _header_map(columns)
    missing = [f for f in REQUIRED if f not in where]
    if missing:
        raise InputError(
            _(
                "{file}: missing columns {cols} (accepted headers: {names}).",
                file=path.name,
                cols=", ".join(missing),
                names="; ".join(f"{f}: {'/'.join(COLUMNS[f])}" for f in missing),
            )
        )
    ignored = [c for c in columns if c not in where.values()]
    customers = dict(session.execute(select(Customer.external_id, Customer.id)).all())
    staff = dict(session.execute(select(StaffUser.name, StaffUser.id)).all())
    existing = set(session.scalars(select(Case.source_key).where(Case.source_key.like("import:%"))))
    problems: list[Problem] = []
    new: list[dict[str, Any]] = []
    seen: set[str] = set()
    n = 0
    now = datetime.now(UTC)
    for row_no, raw in rows:
        n += 1
        cell = {f: raw.get(col, "").strip() for f, col in where.items()}

        def bad(field: str, reason: str, row: int = row_no, got: dict[str, str] = cell) -> None:
            problems.append(
                Problem(
                    row=row, column=where.get(field, field), value=got.get(field, ""), reason=reason
                )
            )

        for f in REQUIRED:
            if not cell.get(f):
                bad(f, _("is empty"))
        if any(not cell.get(f) for f in REQUIRED):
            continue
        key = "import:" + cell["case_id"]
        if key in seen:
            bad("case_id", _("appears twice in the file"))
            continue
        seen.add(key)
        if key in existing:
            continue
        rec: dict[str, Any] = {"source_key": key}
        cid = customers.get(cell["customer_id"])
        if cid is None:
            bad("customer_id", _("no such customer in the customer file"))
        rec["customer_id"] = cid
        times: dict[str, datetime | None] = {}
        for f in ("opened_at", "first_response_at", "resolved_at", "closed_at"):
            times[f] = None
            if cell.get(f):
                try:
                    times[f] = parse_datetime(cell[f], now=now)
                except ValueError as exc:
                    bad(f, str(exc) or _("is not a date and time"))
        for f, cls, default in (
            ("type", CaseType, "complaint"),
            ("emotion", Emotion, None),
            ("status", CaseStatus, None),
        ):
            rec[f] = default
            if cell.get(f):
                try:
                    rec[f] = _code(cell[f], cls)
                except ValueError:
                    bad(
                        f,
                        _(
                            "unknown value; allowed: {allowed}",
                            allowed=", ".join(m.value for m in cls),
                        ),
                    )
        faults: list[str] = []
        for part in re.split(r"[;,、；，|]", cell.get("faults", "")):
            if part.strip():
                try:
                    faults.append(_code(part, ServiceFault))
                except ValueError:
                    bad("faults", _("unknown fault {value}", value=part.strip()))
        rec["faults"] = sorted(set(faults))
        owner = cell.get("owner")
        rec["owner_user_id"] = staff.get(owner) if owner else None
        if owner and rec["owner_user_id"] is None:
            bad("owner", _("no staff user with this name"))
        opened, resolved = times["opened_at"], times["resolved_at"]
        if opened and resolved and resolved < opened:
            bad("resolved_at", _("is before the case was opened"))
        text = cell.get("text") or None
        subject = cell.get("subject") or (text or "")[:120] or _("Imported case")
        rec.update(
            subject=subject[:300],
            text=text,
            channel=cell.get("channel") or None,
            stage=cell.get("stage") or None,
            times=times,
        )
        new.append(rec)
    if problems:
        raise ValidationFailed(
            _("{file}: {n} problem(s); nothing was imported.", file=path.name, n=len(problems)),
            problems,
        )
    if not dry_run and new:
        _write(session, new)
    return ImportResult(
        rows=n, added=len(new), unchanged=n - len(new), ignored_columns=ignored, dry_run=dry_run
    )


def _write(session: Session, new: list[dict[str, Any]]) -> None:
    from cxm.cases.service import service_tier

    rows = []
    for rec in new:
        t = rec.pop("times")
        opened = t["opened_at"]
        ctype = CaseType(rec["type"])
        tier = service_tier(session, rec["customer_id"])
        policy = clock_policy(tier, ctype, session)
        first_due, res_due = due_times(opened, policy)
        status = rec.pop("status") or (
            "closed" if t["closed_at"] else "resolved" if t["resolved_at"] else "new"
        )
        rows.append(
            {
                **rec,
                "source": "import",
                "tier": tier,
                "business_hours": False,
                "opened_at": opened,
                "first_response_due": first_due,
                "resolution_due": res_due,
                "first_response_at": t["first_response_at"],
                "resolved_at": t["resolved_at"],
                "closed_at": t["closed_at"],
                "status": status,
                "emotion_in": rec.pop("emotion"),
                "version": 1,
                "priority": "normal",
                "handoffs": 0,
                "reopened": 0,
                "needed_supervisor": False,
                "created_at": opened,
                "updated_at": opened,
            }
        )
    ids = list(session.scalars(insert(Case).returning(Case.id), rows))
    session.execute(
        insert(CaseEvent),
        [
            {
                "case_id": i,
                "at": r["opened_at"],
                "kind": EventKind.CREATED,
                "to_status": "new",
                "data": {"source": "import", "key": r["source_key"]},
            }
            for i, r in zip(ids, rows, strict=True)
        ],
    )
    from cxm.cases.text_outbox import text_arrived

    for i, r in zip(ids, rows, strict=True):
        if (r.get("text") or "").strip():  # the complaint's words, read by a worker
            text_arrived(session, i)


EXPORT_COLUMNS = (
    "case_id",
    "customer_id",
    "opened_at",
    "type",
    "subject",
    "text",
    "channel",
    "emotion",
    "faults",
    "stage",
    "status",
    "owner",
    "first_response_at",
    "resolved_at",
    "closed_at",
)


def export_cases(session: Session, *, path: str | Path, fmt: str = "csv") -> int:
    """Write every case in the import layout; returns the number of rows."""
    from cxm.files.safe import write_csv, write_xlsx
    from cxm.surveys.invitations import as_utc

    def iso(v: datetime | None) -> str:
        return "" if v is None else as_utc(v).isoformat()

    q = (
        select(Case, Customer.external_id, StaffUser.name)
        .join(Customer, Customer.id == Case.customer_id)
        .outerjoin(StaffUser, StaffUser.id == Case.owner_user_id)
        .order_by(Case.id)
    )
    rows = (
        (
            c.source_key[7:]
            if c.source_key and c.source_key.startswith("import:")
            else f"CXM-{c.id}",
            ext,
            iso(c.opened_at),
            c.type.value,
            c.subject,
            c.text or "",
            c.channel or "",
            c.emotion_in.value if c.emotion_in else "",
            ";".join(c.faults or []),
            c.stage or "",
            c.status.value,
            owner or "",
            iso(c.first_response_at),
            iso(c.resolved_at),
            iso(c.closed_at),
        )
        for c, ext, owner in session.execute(q)
    )
    if fmt == "xlsx":
        return write_xlsx(path, EXPORT_COLUMNS, rows, sheet_title="cases")
    if fmt != "csv":
        raise InputError(_("--format: csv or xlsx, not {value}.", value=fmt))
    return write_csv(path, EXPORT_COLUMNS, rows)
