"""The demo's organisation: 2 regions, 6 branches, 50 teams each with a lead, 600 people
with hire and leave dates, and one serving team for every customer on every day."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from sqlalchemy import func, select

from cxm.customers.models import Customer
from cxm.demo import STEPS, run_demo
from cxm.org.hierarchy import teams_in_units
from cxm.org.models import CustomerAssignment, Employee, OrgUnit, Team
from cxm.store import Store

STEPS_NEEDED = tuple(s for s in STEPS if s.name in ("company", "organisation"))


def test_the_demo_draws_the_organisation(store: Store) -> None:
    summary = run_demo(store, customers=600, seed=3, steps=STEPS_NEEDED)
    assert summary.employees == 600 and summary.teams_count == 50
    with store.session() as s:
        kinds = {
            kind.value: n
            for kind, n in s.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind))
        }
        assert kinds == {"company": 1, "region": 2, "branch": 6}
        assert s.scalar(select(func.count()).where(Team.lead_id.is_(None))) == 0
        assert s.scalar(select(func.count()).where(Team.unit_id.is_(None))) == 0
        leads_gone = s.scalar(
            select(func.count())
            .select_from(Team)
            .join(Employee, Employee.id == Team.lead_id)
            .where(Employee.left_on.is_not(None))
        )
        assert leads_gone == 0
        assert s.scalar(select(func.count()).where(Employee.left_on < Employee.hired_on)) == 0
        left = s.scalar(select(func.count()).where(Employee.left_on.is_not(None)))
        assert left is not None and 40 < left < 130
        north = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "NORTH"))
        assert north is not None and len(teams_in_units(s, {north})) == 3 * 7 + 5
        periods: dict[int, list[tuple[date, date | None]]] = {}
        for a in s.scalars(select(CustomerAssignment)):
            periods.setdefault(a.customer_id, []).append((a.starts_on, a.ends_on))
        customers = s.execute(select(Customer.id, Customer.acquired_on)).all()
    assert set(periods) == {cid for cid, _acq in customers}
    for cid, acquired in customers:
        spans = sorted(periods[cid])
        assert spans[0][0] == acquired
        for (_s1, e1), (s2, _e2) in pairwise(spans):
            assert e1 is not None and (s2 - e1).days == 1  # no gap, no overlap
