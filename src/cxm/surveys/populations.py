"""Who else a wave can ask: prospects (lost customers: :mod:`cxm.management.lost`).

DOMAIN.md §6: a firm compares itself with the competitors people use. A wave of the
``prospect`` template invites people from a prospect list, who are kept out of the customer
file so that no churn, CLV or loyalty figure counts them.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxm.customers.models import Customer, Prospect
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.i18n import _
from cxm.store.base import utcnow
from cxm.surveys.models import Invitation, InvitationKind
from cxm.surveys.waves import get_wave, wave_expiry

__all__ = ["PROSPECT_COLUMNS", "import_prospects", "sample_prospects"]

#: Columns of a prospect list (``external_id`` required).
PROSPECT_COLUMNS = ("external_id", "name", "email", "phone", "region", "competitor", "source")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _cell(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def import_prospects(session: Session, *, path: str | Path, dry_run: bool = False) -> int:
    """Add or update the prospects of a list (CSV or Excel; columns :data:`PROSPECT_COLUMNS`,
    ``external_id`` required). Every bad row is reported (row, column, value, reason) and
    nothing is saved unless the whole file is good. Returns the number of rows."""
    from cxm.files import read_table

    frame = read_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "external_id" not in frame.columns:
        raise InputError(_("The prospect list needs a column external_id."))
    unknown = [c for c in frame.columns if c not in PROSPECT_COLUMNS]
    if unknown:
        raise InputError(
            _(
                "Unknown columns {columns}; a prospect list has {known}.",
                columns=", ".join(unknown),
                known=", ".join(PROSPECT_COLUMNS),
            )
        )
    customers = set(session.scalars(select(Customer.external_id)))
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(frame.to_dict("records"), start=1):
        rec = {c: _cell(raw.get(c)) for c in PROSPECT_COLUMNS}
        key = rec["external_id"]
        if key is None:
            problems.append(Problem(i, "external_id", None, _("is required")))
            continue
        if key in seen:
            problems.append(Problem(i, "external_id", key, _("appears twice in the file")))
        if key in customers:
            problems.append(
                Problem(i, "external_id", key, _("is a customer already, not a prospect"))
            )
        if rec["email"] is not None and not _EMAIL.match(rec["email"]):
            problems.append(Problem(i, "email", rec["email"], _("is not an e-mail address")))
        seen.add(key)
        rows.append(rec)
    if problems:
        raise ValidationFailed(
            _("The prospect list has {n} problem(s); nothing was saved.", n=len(problems)),
            problems,
        )
    if dry_run:
        return len(rows)
    existing = {p.external_id: p for p in session.scalars(select(Prospect))}
    for rec in rows:
        found = existing.get(str(rec["external_id"]))
        if found is None:
            session.add(Prospect(**rec, attributes={}))
        else:
            for k, v in rec.items():
                setattr(found, k, v)
    session.flush()
    from cxm.audit import record

    record(session, actor_id=None, action="import", entity="prospects", entity_id="list",
           after={"rows": len(rows)})  # fmt: skip
    return len(rows)


def sample_prospects(
    session: Session,
    *,
    wave_id: int,
    n: int | None = None,
    region: str | None = None,
    seed: int | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Invite prospects (all, or ``n`` at random; of one ``region`` when given) to the wave;
    those already invited to it are skipped. Returns the new invitation ids."""
    wave = get_wave(session, wave_id=wave_id)
    if n is not None and n < 1:
        raise InputError(_("The number to invite must be at least 1, not {n}.", n=n))
    q = select(Prospect.id).order_by(Prospect.id)
    if region:
        q = q.where(Prospect.region == region)
    pool = list(session.scalars(q))
    if not pool:
        raise InputError(_("No prospects to invite: import a prospect list first."))
    invited = set(
        session.scalars(
            select(Invitation.prospect_id).where(
                Invitation.wave_id == wave.id, Invitation.prospect_id.is_not(None)
            )
        )
    )
    eligible = [p for p in pool if p not in invited]
    draw = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    chosen = sorted(draw.sample(eligible, min(n, len(eligible)))) if n else eligible
    created = now or utcnow()
    rows = [
        {
            "kind": InvitationKind.WAVE,
            "questionnaire_id": wave.questionnaire_id,
            "wave_id": wave.id,
            "prospect_id": pid,
            "stratum": "prospects",
            "expires_at": wave_expiry(wave),
            "created_at": created,
            "updated_at": created,
        }
        for pid in chosen
    ]
    if not rows:
        return []
    return list(session.scalars(insert(Invitation).returning(Invitation.id), rows))
