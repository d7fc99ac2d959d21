"""Waves: a periodic survey over a stratified sample of customers, with per-stratum quotas
and a quiet period that spares customers surveyed recently."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxm.audit.service import record, snapshot
from cxm.customers.codes import CustomerStatus
from cxm.customers.models import Customer
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.store.base import utcnow
from cxm.surveys.models import Invitation, InvitationKind, Wave
from cxm.surveys.tokens import hash_token, new_token

__all__ = [
    "SampleResult",
    "Stratum",
    "create_wave",
    "enable_public_link",
    "get_wave",
    "sample_wave",
    "wave_expiry",
]

#: How customers are split into strata: a customer column or attribute name
#: (``"region"``, ``"channel"``, ``"segment"``), a function of the customer, or an explicit
#: mapping stratum → customer ids (segments from the management domain).
Stratum = str | Callable[[Customer], str | None] | Mapping[str, Sequence[int]] | None

_COLUMNS = ("region", "channel", "status")


@dataclass(frozen=True, slots=True)
class SampleResult:
    wave_id: int
    invited: dict[str, int]
    #: Strata whose quota could not be filled: stratum → missing count.
    shortfall: dict[str, int]
    skipped_quiet: int
    invitation_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.invited.values())


def get_wave(session: Session, *, wave_id: int) -> Wave:
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("No wave with id {id}.", id=wave_id))
    return wave


def create_wave(
    session: Session,
    *,
    questionnaire_id: int,
    name: str,
    opens_on: date,
    closes_on: date,
    quiet_days: int = 90,
    public_rate_limit: int = 20,
    public_one_per_browser: bool = True,
    actor_id: int | None = None,
) -> Wave:
    """A new wave of ``questionnaire_id`` open from ``opens_on`` to ``closes_on``."""
    if closes_on < opens_on:
        raise InputError(_("A wave cannot close before it opens."))
    if quiet_days < 0:
        raise InputError(_("The quiet period cannot be negative."))
    if session.scalar(select(Wave.id).where(Wave.name == name)) is not None:
        raise InputError(_("A wave named {name} exists already.", name=name))
    wave = Wave(
        questionnaire_id=questionnaire_id,
        name=name,
        opens_on=opens_on,
        closes_on=closes_on,
        quiet_days=quiet_days,
        public_rate_limit=public_rate_limit,
        public_one_per_browser=public_one_per_browser,
        sampling={},
    )
    session.add(wave)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="create",
        entity="wave",
        entity_id=wave.id,
        after=snapshot(wave, ("name", "questionnaire_id", "opens_on", "closes_on", "quiet_days")),
    )
    return wave


def enable_public_link(session: Session, *, wave_id: int) -> str:
    """Give the wave a (new) public link token; the old public link stops working."""
    wave = get_wave(session, wave_id=wave_id)
    token = new_token()
    wave.public_token_hash = hash_token(token)
    session.flush()
    return token


def wave_expiry(wave: Wave) -> datetime:
    """Invitations of a wave expire at the end of its closing day (UTC)."""
    return datetime.combine(wave.closes_on + timedelta(days=1), time(0), tzinfo=UTC)


#: ``stratum="segment:value"`` stratifies by the current segments of a saved definition.
SEGMENT_PREFIX = "segment:"


def _segment_strata(session: Session, name: str) -> dict[str, list[int]]:
    """Active customers by their current segment of definition ``name`` (management)."""
    from cxm.segments.membership import members

    current = members(session, name)
    if current.empty:
        raise InputError(
            _("Segments of {name} are empty: run `cxm segments recompute`.", name=name)
        )
    active = set(
        session.scalars(select(Customer.id).where(Customer.status == CustomerStatus.ACTIVE))
    )
    out: dict[str, list[int]] = {}
    for cid, segment in zip(current["customer_id"].tolist(), current["segment"], strict=True):
        if cid in active:
            out.setdefault(str(segment), []).append(int(cid))
    return {k: sorted(v) for k, v in out.items()}


def _strata(session: Session, stratum: Stratum) -> dict[str, list[int]]:
    active = Customer.status == CustomerStatus.ACTIVE
    if stratum is None:
        ids = session.scalars(select(Customer.id).where(active).order_by(Customer.id))
        return {"all": list(ids)}
    if isinstance(stratum, Mapping):
        return {str(k): sorted({int(i) for i in v}) for k, v in stratum.items()}
    if isinstance(stratum, str) and stratum.startswith(SEGMENT_PREFIX):
        return _segment_strata(session, stratum.removeprefix(SEGMENT_PREFIX).strip())
    out: dict[str, list[int]] = {}
    if callable(stratum):
        for c in session.scalars(select(Customer).where(active).order_by(Customer.id)):
            key = stratum(c)
            if key is not None:
                out.setdefault(str(key), []).append(c.id)
        return out
    if stratum in _COLUMNS:
        col = getattr(Customer, stratum)
        rows: Any = session.execute(select(Customer.id, col).where(active).order_by(Customer.id))
    else:
        rows = (
            (cid, (attrs or {}).get(stratum))
            for cid, attrs in session.execute(
                select(Customer.id, Customer.attributes).where(active).order_by(Customer.id)
            )
        )
    for cid, key in rows:
        if key is not None and key != "":
            out.setdefault(str(key), []).append(cid)
    return out


def sample_wave(
    session: Session,
    *,
    wave_id: int,
    stratum: Stratum = None,
    quotas: Mapping[str, int] | int | None = None,
    seed: int | None = None,
    now: datetime | None = None,
    actor_id: int | None = None,
) -> SampleResult:
    """Invite a random sample of customers to the wave, ``quotas[s]`` from each stratum ``s``
    (all eligible when ``quotas`` is None; the same number from each when it is an int).

    Customers invited to any survey in the ``quiet_days`` before the wave opens, and those
    invited to this wave already, are skipped. One invitation per customer. ``now`` is the
    invitations' creation time (a wave recorded after the fact passes its opening time).
    """
    wave = get_wave(session, wave_id=wave_id)
    strata = _strata(session, stratum)
    if isinstance(quotas, Mapping):
        unknown = sorted(set(quotas) - set(strata))
        if unknown and any(quotas[u] > 0 for u in unknown):
            raise InputError(_("No customers in stratum {names}.", names=", ".join(unknown)))
    since = datetime.combine(wave.opens_on - timedelta(days=wave.quiet_days), time(0), UTC)
    recent = Invitation.wave_id == wave.id
    if wave.quiet_days > 0:
        recent = recent | (Invitation.created_at >= since)
    quiet = set(
        session.scalars(
            select(Invitation.customer_id).where(Invitation.customer_id.is_not(None), recent)
        )
    )
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    invited: dict[str, int] = {}
    shortfall: dict[str, int] = {}
    skipped = 0
    rows: list[dict[str, Any]] = []
    expires = wave_expiry(wave)
    created = now or utcnow()
    taken: set[int] = set()
    for key in sorted(strata):
        eligible = [c for c in strata[key] if c not in quiet and c not in taken]
        skipped += sum(1 for c in strata[key] if c in quiet)
        if quotas is None:
            want = len(eligible)
        elif isinstance(quotas, int):
            want = quotas
        else:
            want = int(quotas.get(key, 0))
        if want < 0:
            raise InputError(_("Quota for {name} is negative.", name=key))
        chosen = rng.sample(eligible, min(want, len(eligible)))
        if want > len(chosen):
            shortfall[key] = want - len(chosen)
        invited[key] = len(chosen)
        taken.update(chosen)
        rows.extend(
            {
                "kind": InvitationKind.WAVE,
                "questionnaire_id": wave.questionnaire_id,
                "wave_id": wave.id,
                "customer_id": cid,
                "stratum": key[:200],
                "expires_at": expires,
                "created_at": created,
                "updated_at": created,
            }
            for cid in sorted(chosen)
        )
    ids: list[int] = []
    if rows:
        ids = list(session.scalars(insert(Invitation).returning(Invitation.id), rows))
    wave.sampling = {
        "stratum": stratum if isinstance(stratum, str) else type(stratum).__name__,
        "quotas": quotas if not isinstance(quotas, Mapping) else dict(quotas),
        "seed": seed,
        "invited": invited,
        "shortfall": shortfall,
    }
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="sample",
        entity="wave",
        entity_id=wave.id,
        after={**wave.sampling, "invitations": len(ids)},
    )
    return SampleResult(wave.id, invited, shortfall, skipped, ids)
