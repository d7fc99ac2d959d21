"""The dashboard on the demo company: each segment's KPIs against target come from the
targets service (the figures on the page are those of ``cxm.management.targets.report``),
the wave picker moves them, a regional manager's figures cover only the customers her
region's teams serve, money and the company-wide priority list stay with those allowed,
and the slow analyses are kept until the data change."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from cxm.accounts import create_user
from cxm.config import Settings
from cxm.frames.responses import responses_frame
from cxm.management import dashboard as dash
from cxm.management.segments import members
from cxm.management.targets import report
from cxm.org.models import Team
from cxm.org.serving import served_by
from cxm.store import Store
from cxm.surveys.models import Wave
from cxm.web.app import create_app
from tests.demo_db import demo_copy
from tests.staff.conftest import login

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path, password_hash: str):
    path = demo_copy(demo_db, tmp_path / "demo")
    store = Store.open(f"sqlite:///{path}")
    with store.session() as s:
        team = s.scalars(select(Team.name).order_by(Team.id)).first()
        create_user(s, name="boss", role="admin", password_hash=password_hash)
        create_user(
            s, name="north", role="manager", scope="unit", unit="NORTH", password_hash=password_hash
        )
        create_user(
            s, name="agent", role="agent", scope="team", team=team, password_hash=password_hash
        )
        create_user(s, name="viewer", role="viewer", password_hash=password_hash)
    prepare(store, ["boss", "north", "agent", "viewer"])
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", env="test", secret_key="t" * 48), store=store
    )
    from fastapi.testclient import TestClient

    with TestClient(app, headers={"accept": "text/html"}) as client:
        yield store, client
    dash.clear_cache()
    store.close()


def prepare(store: Store, names: list[str]) -> None:
    """Work out the dashboard's analyses of these users now (a page asks for them in the
    background and says so while they are computed: tested below)."""
    from cxm.accounts.permissions import Capability
    from cxm.accounts.service import get_user
    from cxm.web.permissions import grant_for

    with store.session() as s:
        for name in names:
            grant = grant_for(s, get_user(s, name=name), Capability.VIEW_REPORTS)
            assert grant is not None
            dash.analyses(store, s, definition="value", team_ids=grant.team_ids)


def _pct(v: float) -> str:
    return "—" if pd.isna(v) else f"{v * 100:.1f}%"


def _kpi_block(html: str, code: str) -> str:
    found = re.search(
        rf'<article class="kpi" aria-labelledby="k-{code}">(.*?)</article>', html, re.S
    )
    assert found, f"no {code} panel"
    return found.group(1)


def _cell(block: str, segment: str) -> list[str]:
    row = re.search(rf'<th scope="row">{segment}</th>(.*?)</tr>', block, re.S)
    assert row, f"no row for {segment}"
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)


def test_the_figures_are_the_targets_report_for_the_chosen_wave(demo) -> None:
    store, client = demo
    with store.session() as s:
        expected = report(s, "value", kpis=list(dash.KPIS_SHOWN))
        waves = list(s.execute(select(Wave.id, Wave.name).order_by(Wave.opens_on, Wave.id)))
    login(client, "boss")
    html = client.get("/staff/?lang=en").text
    latest = expected[expected["kpi"] == "csat"].sort_values("wave_order").iloc[-1]["wave"]
    for segment in ("key", "other"):
        row = expected[
            (expected["kpi"] == "csat")
            & (expected["segment"] == segment)
            & (expected["wave"] == latest)
        ].iloc[0]
        value, interval, target, status, _change = _cell(_kpi_block(html, "csat"), segment)
        assert value == _pct(row["value"])
        assert interval == (
            "—" if pd.isna(row["ci_low"]) else f"{_pct(row['ci_low'])} – {_pct(row['ci_high'])}"
        )
        assert target == _pct(row["target"])
        assert (
            status
            == {
                "too few answers": "too few answers",
                "met": "met",
                "missed": "missed",
                "within uncertainty": "within the interval",
            }[row["status"]]
        )
    shown = expected[(expected["kpi"] == "csat") & expected["value"].notna()]
    assert not shown.empty  # the demo has segments with enough answers
    assert "<svg" in _kpi_block(html, "nps")  # the trend over every wave, drawn on the server
    assert "Net value" in html  # an admin sees money
    # The wave picker: the first wave's figures.
    first_id, first_name = waves[0]
    older = client.get(f"/staff/?lang=en&wave={first_id}").text
    block = _kpi_block(older, "csat")
    assert f"· {first_name}" in block
    row = expected[
        (expected["kpi"] == "csat")
        & (expected["segment"] == "key")
        & (expected["wave"] == first_name)
    ].iloc[0]
    assert _cell(block, "key")[0] == _pct(row["value"])
    # Every missed target is an alert.
    missed = expected[(expected["status"] == "missed") & (expected["wave"] == latest)]
    alerts = re.search(r'<section aria-labelledby="alerts-h".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]
    assert alerts.count("missed its target") >= len(missed)


def test_a_regional_manager_sees_her_region_only(demo) -> None:
    store, client = demo
    login(client, "north")
    html = client.get("/staff/?lang=en").text
    assert "Figures cover the customers your teams serve." in html
    assert "Fix first" in html and "worked out for the whole company" in html
    assert "Net value" not in html  # the priority list is not hers (it is company-wide)
    # Independently: the answered customers of segment key served by the region's teams.
    with store.session() as s:
        from cxm.accounts.permissions import Capability
        from cxm.accounts.service import get_user
        from cxm.web.permissions import grant_for

        grant = grant_for(s, get_user(s, name="north"), Capability.VIEW_REPORTS)
        assert grant is not None and grant.team_ids
        served = set(s.scalars(served_by(grant.team_ids, on=date.today())))
        latest_id, latest_name = s.execute(
            select(Wave.id, Wave.name).order_by(Wave.opens_on.desc(), Wave.id.desc())
        ).first()
        answers = responses_frame(s, wave_id=latest_id).dropna(subset=["customer_id", "CUSA1"])
        keys = members(s, "value")
        keys = set(keys.loc[keys["segment"] == "key", "customer_id"])
        whole = report(s, "value", kpis=["csat"])
    ids = pd.to_numeric(answers["customer_id"]).astype(int)
    n_region = int((ids.isin(served) & ids.isin(keys)).sum())
    n_all = int(whole[(whole["segment"] == "key") & (whole["wave"] == latest_name)]["n"].iloc[0])
    assert 0 < n_region < n_all
    mine = re.search(r"key</th>.*?</tr>", _kpi_block(html, "csat"), re.S)
    assert mine
    # The page shows her figure (or "too few answers" where the region has under 30).
    with store.session() as s:
        hers = report(s, "value", kpis=["csat"], customer_ids=served)
    row = hers[(hers["segment"] == "key") & (hers["wave"] == latest_name)].iloc[0]
    assert int(row["n"]) == n_region
    if row["status"] != "too few answers":
        assert f"{row['value'] * 100:.1f}%" in mine.group(0)
    else:
        assert "too few answers" in mine.group(0)


def test_an_agent_sees_no_money_and_a_viewer_no_cases(demo) -> None:
    _store, client = demo
    login(client, "agent")
    html = client.get("/staff/?lang=en").text
    assert "Net value" not in html and "Fix first" in html
    assert "Detractors awaiting a call" in html
    client.cookies.clear()
    login(client, "viewer")
    html = client.get("/staff/?lang=en").text
    assert "Detractors awaiting a call" not in html and "Segments against their targets" in html
    assert "Net value" not in html  # viewers read reports, not money


def test_a_new_wave_without_answers_keeps_the_charts(demo) -> None:
    store, client = demo
    from cxm.surveys.models import Questionnaire
    from cxm.surveys.waves import create_wave

    with store.session() as s:
        qid = s.scalars(select(Questionnaire.id).order_by(Questionnaire.id)).first()
        wave = create_wave(
            s,
            questionnaire_id=qid,
            name="2026-Q4 新批次",
            opens_on=date.today(),
            closes_on=date.today() + timedelta(days=30),
        )
        wave_id = wave.id
    login(client, "boss")
    html = client.get(f"/staff/?lang=zh-CN&wave={wave_id}").text
    assert "2026-Q4 新批次 还没有答卷" in html
    assert "<svg" in _kpi_block(html, "csat")


def test_the_analyses_are_kept_until_the_data_change(demo) -> None:
    store, _client = demo
    with store.session() as s:
        first = dash.analyses(store, s, definition="value", team_ids=None)
        again = dash.analyses(store, s, definition="value", team_ids=None)
    assert first is not None and again is first and first.fresh
    from cxm.management.targets import set_target

    with store.session() as s:
        set_target(s, "value", segment="key", kpi="csat", value=0.99)
    with store.session() as s:
        stale = dash.analyses(store, s, definition="value", team_ids=None)
    assert stale is first and not stale.fresh  # shown while the new one is computed
    import time

    deadline = time.monotonic() + 120
    while True:
        with store.session() as s:
            new = dash.analyses(store, s, definition="value", team_ids=None)
        if new is not first:
            break
        assert time.monotonic() < deadline, "the dashboard was not recomputed"
        time.sleep(0.2)
    assert new is not None
    targets = new.report[(new.report["kpi"] == "csat") & (new.report["segment"] == "key")]
    assert (targets["target"] == 0.99).all()


def test_a_first_visit_answers_at_once_and_comes_back_for_the_figures(demo) -> None:
    _store, client = demo
    dash.clear_cache()
    login(client, "north")
    first = client.get("/staff/?lang=en")
    assert "are being worked out" in first.text
    assert '<meta http-equiv="refresh" content="10">' in first.text
    import time

    deadline = time.monotonic() + 120
    while "are being worked out" in (page := client.get("/staff/?lang=en").text):
        assert time.monotonic() < deadline, "the figures never came"
        time.sleep(0.3)
    assert '<article class="kpi" aria-labelledby="k-csat">' in page
    assert "http-equiv" not in page
