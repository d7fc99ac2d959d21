"""``cxm consent import FILE``: consent statements from CSV or XLSX, read by
:mod:`cxm.files`. Every row is checked first; one bad row refuses the file (each problem
named by row, column and value), so nothing is half imported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxm.consent.models import ConsentRecord
from cxm.consent.service import read_channel, read_purpose
from cxm.customers.models import Customer
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.files import iter_chunks, normalise_id, normalise_text, parse_datetime
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = ["COLUMNS", "ImportResult", "import_consent"]

#: Our field → the headers accepted for it (case and spaces ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("customer", "customer_id", "external_id", "客户", "客户编号", "客户号"),
    "channel": ("channel", "渠道", "联系渠道"),
    "purpose": ("purpose", "用途", "目的"),
    "granted": ("granted", "consent", "opt_in", "同意", "是否同意"),
    "date": ("date", "given_at", "consent_date", "日期", "同意日期"),
    "source": ("source", "来源"),
    "note": ("note", "备注"),
}
REQUIRED = ("customer", "channel", "purpose", "granted")
_YES = {"yes", "y", "true", "1", "granted", "grant", "opt-in", "opt_in", "in", "是", "同意", "允许"}
_NO = {
    "no",
    "n",
    "false",
    "0",
    "refused",
    "withdrawn",
    "opt-out",
    "opt_out",
    "out",
    "否",
    "不同意",
    "拒绝",
    "撤回",
}


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int
    granted: int
    refused: int


def _key(header: str) -> str:
    return normalise_text(header).lower().replace(" ", "_")


def _columns(headers: list[str], file: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for h in headers:
        for name, aliases in COLUMNS.items():
            if _key(h) in {_key(a) for a in aliases} and name not in found:
                found[name] = h
    missing = [n for n in REQUIRED if n not in found]
    if missing:
        raise InputError(
            _(
                "{file} lacks the column(s) {columns}; its header is: {header}",
                file=file,
                columns=", ".join(missing),
                header=", ".join(headers),
            )
        )
    return found


def _granted(text: str) -> bool:
    key = normalise_text(text).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(_("say yes or no (granted or refused)"))


def import_consent(
    session: Session, path: str | Path, *, source: str | None = None, now: datetime | None = None
) -> ImportResult:
    """Add the file's consent statements (history is kept: later statements win)."""
    p = Path(path)
    moment = now or utcnow()
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    with iter_chunks(p) as table:
        cols = _columns(list(table.columns), p.name)
        for chunk in table:
            refs = {normalise_id(str(v)) for v in chunk[cols["customer"]] if str(v).strip()}
            known = (
                dict(
                    session.execute(
                        select(Customer.external_id, Customer.id).where(
                            Customer.external_id.in_(list(refs))
                        )
                    ).all()
                )
                if refs
                else {}
            )
            for rownum, rec in zip(chunk.index, chunk.to_dict("records"), strict=True):
                row, bad = _row(
                    int(rownum), {str(k): v for k, v in rec.items()}, cols, known, moment
                )
                problems.extend(bad)
                if not bad:
                    row["source"] = row["source"] or source or p.name
                    rows.append(row)
    if problems:
        raise ValidationFailed(
            _("{file}: {n} problem(s); nothing was imported.", file=p.name, n=len(problems)),
            problems,
        )
    if not rows:
        raise InputError(_("{file} has no consent rows.", file=p.name))
    for i in range(0, len(rows), 5000):
        session.execute(insert(ConsentRecord), rows[i : i + 5000])
    granted = sum(1 for r in rows if r["granted"])
    from cxm.audit import record

    record(
        session,
        actor_id=None,
        action="import",
        entity="consent",
        entity_id=Path(path).name,
        after={"statements": len(rows), "granted": granted, "source": source},
    )
    return ImportResult(len(rows), granted, len(rows) - granted)


def _row(
    rownum: int,
    rec: dict[str, Any],
    cols: dict[str, str],
    known: dict[str, int],
    now: datetime,
) -> tuple[dict[str, Any], list[Problem]]:
    def cell(name: str) -> str:
        col = cols.get(name)
        value = rec.get(col) if col else None
        return "" if value is None else str(value).strip()

    problems: list[Problem] = []
    out: dict[str, Any] = {"recorded_at": now}

    def check(name: str, fn: Any, *, required: bool = True) -> Any:
        text = cell(name)
        if not text:
            if required:
                problems.append(Problem(rownum, cols.get(name, name), "", _("is empty")))
            return None
        try:
            return fn(text)
        except (InputError, ValueError) as exc:
            reason = exc.message if isinstance(exc, InputError) else str(exc)
            problems.append(Problem(rownum, cols[name], text, reason))
            return None

    ref = cell("customer")
    cid = known.get(normalise_id(ref)) if ref else None
    if not ref:
        problems.append(Problem(rownum, cols["customer"], "", _("is empty")))
    elif cid is None:
        problems.append(Problem(rownum, cols["customer"], ref, _("no customer with this id")))
    out["customer_id"] = cid
    out["channel"] = check("channel", read_channel)
    out["purpose"] = check("purpose", read_purpose)
    out["granted"] = check("granted", _granted)
    given = check("date", lambda t: parse_datetime(t, now=now), required=False)
    out["given_at"] = given or now.astimezone(UTC)
    out["source"] = cell("source") or None
    out["note"] = cell("note") or None
    return out, problems
