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
from sqlalchemy.orm import selectinload

from cxm.customers.models import Customer
from cxm.files.safe import safe_cell
from cxm.responses_io.columns import Column, answer_cells, questionnaire_columns
from cxm.store import Store
from cxm.surveys.models import Invitation, Response
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


def _meta(resp: Response, wave: str, customer: str | None, stratum: str | None) -> list[Any]:
    return [
        resp.id,
        wave,
        customer,
        stratum,
        resp.language,
        resp.source,
        resp.started_at.isoformat() if resp.started_at else None,
        resp.completed_at.isoformat() if resp.completed_at else None,
    ]


def _batches(
    store: Store,
    plan: ExportPlan,
    *,
    completed_only: bool,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[list[dict[str, Any]]]:
    last = after
    left = limit
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        with store.session() as session:
            query = (
                select(Response, Customer.external_id, Invitation.stratum)
                .join(Invitation, Invitation.id == Response.invitation_id)
                .outerjoin(Customer, Customer.id == Response.customer_id)
                .where(Response.wave_id == plan.wave_id, Response.id > last)
                .options(selectinload(Response.answers))
                .order_by(Response.id)
                .limit(size)
            )
            if completed_only:
                query = query.where(Response.completed_at.is_not(None))
            batch = session.execute(query).all()
            rows = []
            for resp, customer, stratum in batch:
                cells = answer_cells(plan.columns, list(resp.answers))
                meta = dict(
                    zip(
                        [c.name for c in plan.columns if c.kind == "meta"],
                        _meta(resp, plan.wave_name, customer, stratum),
                        strict=True,
                    )
                )
                rows.append({**meta, **cells})
        if not batch:
            return
        last = batch[-1][0].id
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
