"""The text workspace for analysts: themes with their trend over waves, quotes, and the
coding screen where staff mark the faults and emotions they read in a text."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cxm.accounts.permissions import Capability
from cxm.text.lexicon import EMOTIONS, FAULTS
from cxm.text.models import TextEntry
from cxm.text.pii import PiiMasker
from cxm.text.service import kept_analysis
from cxm.text.sources import code_text_entry, names_in
from cxm.web.deps import AppStore, DbSession
from cxm.web.permissions import Grant, Require
from cxm.web.staff import page

__all__ = ["router"]

#: Customers' words over the whole company.
Verbatim = Annotated[Grant, Require(Capability.SEE_VERBATIM)]

router = APIRouter(prefix="/staff/texts", tags=["staff pages"], include_in_schema=False)

#: Texts offered for coding on one screen.
CODING_BATCH = 20


def _trend(doc: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    rows = doc.get("frequency_by", {}).get("wave", [])
    waves = sorted({str(r["wave"]) for r in rows if r["wave"] is not None})
    table: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["wave"] is not None:
            table.setdefault(r["theme"], {})[str(r["wave"])] = f"{100 * r['share']:.1f} %"
    return waves, [{"theme": t, "shares": [v.get(w, "–") for w in waves]} for t, v in table.items()]


@router.get("", response_class=HTMLResponse)
def workspace(request: Request, grant: Verbatim, db: DbSession, store: AppStore) -> Response:
    """The analysis is kept (made beside, at most every ten minutes while texts arrive: a
    minute of CPU at 20,000 customers); the coding screen is read now."""
    user = grant.user
    kept = kept_analysis(store, db, lang=request.state.lang)
    doc = kept.value if kept is not None else None
    waves, trend = _trend(doc) if doc is not None else ([], [])
    uncoded = db.execute(
        select(TextEntry.id, TextEntry.source, TextEntry.text, TextEntry.customer_id)
        .where(TextEntry.staff_labels.is_(None))
        .order_by(TextEntry.id.desc())
        .limit(CODING_BATCH)
    ).all()
    # Only the names that can occur on this screen: the writers' and those in the texts.
    masker = PiiMasker(
        names_in(db, [t for _i, _s, t, _c in uncoded], customer_ids=[c for *_r, c in uncoded if c])
    )
    context = {
        "user": user,
        "doc": doc,
        # Not the frame's "pending" (which reloads the page): the coding screen stays put.
        "analysis_pending": kept is None,
        "analysis_error": kept.error if kept is not None else None,
        "computed_at": kept.computed_at if kept is not None else None,
        "fresh": kept is None or kept.fresh,
        "labels": doc["theme_labels"] if doc is not None else {},
        "waves": waves,
        "trend": trend,
        "faults": FAULTS,
        "emotions": EMOTIONS,
        "to_code": [
            {"id": i, "source": str(getattr(s, "value", s)), "text": masker.mask(t)}
            for i, s, t, _c in uncoded
        ],
    }
    return page(request, "staff/texts.html", context)


@router.post("/{entry_id}/code")
def code(
    entry_id: int,
    grant: Verbatim,
    db: DbSession,
    labels: Annotated[list[str] | None, Form()] = None,
) -> Response:
    code_text_entry(db, entry_id=entry_id, labels=labels or [], coded_by=grant.user.name)
    return RedirectResponse("/staff/texts#coding", status_code=303)
