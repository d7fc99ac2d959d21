"""Export a wave's responses: one row per response, as CSV (streamed), XLSX or SPSS .sav.

Rows are read in batches by response id (keyset paging), each batch in its own short
transaction, so a large wave never sits in memory whole (CSV) and a long download holds
no lock. Text that a spreadsheet would run as a formula gets a leading apostrophe
(:func:`cxm.files.safe.safe_cell`), in cells and headers alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from cxm.customers.models import Customer
from cxm.files.safe import safe_cell
from cxm.responses_io.columns import Column, answer_cells, questionnaire_columns
from cxm.store import Store
from cxm.surveys.models import Answer, Invitation, Response
from cxm.surveys.waves import get_wave

__all__ = ["BATCH", "ExportPlan", "csv_chunks", "iter_rows", "plan_export", "response_page"]

BATCH = 1000


@dataclass(frozen=True, slots=True)
class ExportPlan:
    wave_id: int
    wave_name: str
    columns: list[Column]
    total: int

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def plan_export(store: Store, *, wave_id: int, lang: str) -> ExportPlan:
    """The columns and row count of a wave's export (raises NotFound for no such wave)."""
    with store.session() as session:
        wave = get_wave(session, wave_id=wave_id)
        cols = questionnaire_columns(session, questionnaire_id=wave.questionnaire_id, lang=lang)
        total = session.scalar(select(func.count(Response.id)).where(Response.wave_id == wave_id))
        return ExportPlan(wave.id, wave.name, cols, int(total or 0))


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _answers(session: Any, ids: list[int]) -> dict[int, list[Any]]:
    by_response: dict[int, list[Any]] = {i: [] for i in ids}
    for a in session.execute(
        select(
            Answer.response_id,
            Answer.question_code,
            Answer.number,
            Answer.text,
            Answer.choices,
            Answer.dont_know,
        ).where(Answer.response_id.in_(ids))
    ):
        by_response[a.response_id].append(a)
    return by_response


def _batches(
    store: Store,
    plan: ExportPlan,
    *,
    completed_only: bool,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Rows as dicts, ``BATCH`` at a time (plain column reads: no ORM objects to build)."""
    last = after
    left = limit
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        with store.session() as session:
            query = (
                select(
                    Response.id,
                    Customer.external_id,
                    Invitation.stratum,
                    Response.language,
                    Response.source,
                    Response.started_at,
                    Response.completed_at,
                )
                .join(Invitation, Invitation.id == Response.invitation_id)
                .outerjoin(Customer, Customer.id == Response.customer_id)
                .where(Response.wave_id == plan.wave_id, Response.id > last)
                .order_by(Response.id)
                .limit(size)
            )
            if completed_only:
                query = query.where(Response.completed_at.is_not(None))
            batch = session.execute(query).all()
            answers = _answers(session, [r.id for r in batch]) if batch else {}
        rows = []
        for r in batch:
            row: dict[str, Any] = {
                "response_id": r.id,
                "wave": plan.wave_name,
                "customer_external_id": r.external_id,
                "stratum": r.stratum,
                "language": r.language,
                "source": r.source,
                "started_at": _iso(r.started_at),
                "completed_at": _iso(r.completed_at),
            }
            row.update(answer_cells(plan.columns, answers[r.id]))
            rows.append(row)
        if not batch:
            return
        last = batch[-1].id
        if left is not None:
            left -= len(batch)
        yield rows
        if len(batch) < size:
            return


def iter_rows(
    store: Store, plan: ExportPlan, *, completed_only: bool = False
) -> Iterator[list[Any]]:
    """Every response of the wave as a list of cells in ``plan.header`` order."""
    names = plan.header
    for rows in _batches(store, plan, completed_only=completed_only):
        for row in rows:
            yield [row.get(n) for n in names]


def response_page(
    store: Store, *, wave_id: int, lang: str, page: int, per_page: int
) -> dict[str, Any]:
    """One page of responses as JSON-ready dicts (``page`` counts from 1)."""
    plan = plan_export(store, wave_id=wave_id, lang=lang)
    with store.session() as session:
        ids = list(
            session.scalars(
                select(Response.id)
                .where(Response.wave_id == wave_id)
                .order_by(Response.id)
                .offset((page - 1) * per_page)
                .limit(1)
            )
        )
    items: list[dict[str, Any]] = []
    if ids:
        for rows in _batches(store, plan, completed_only=False, after=ids[0] - 1, limit=per_page):
            items.extend(rows)
    return {
        "wave_id": plan.wave_id,
        "total": plan.total,
        "page": page,
        "per_page": per_page,
        "columns": [{"name": c.name, "label": c.label, "kind": c.kind} for c in plan.columns],
        "items": items,
    }


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return str(value)
    return str(safe_cell(str(value)))


def csv_chunks(store: Store, plan: ExportPlan) -> Iterator[bytes]:
    """The CSV file in pieces of about a batch each: UTF-8 with BOM (Excel reads Chinese)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([_csv_text(h) for h in plan.header])
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    for rows in _batches(store, plan, completed_only=False):
        buf = io.StringIO()
        writer = csv.writer(buf)
        for row in rows:
            writer.writerow([_csv_text(row.get(n)) for n in plan.header])
        yield buf.getvalue().encode("utf-8")
