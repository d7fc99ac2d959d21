"""Moments of truth on any imported touchpoint type: CSAT per moment and stage, and each
moment's weight in overall satisfaction, in the service, the CLI (with export) and the API."""

from __future__ import annotations

import csv
import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from cxm.accounts import create_token, create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.management.moments import moments_of_truth
from cxm.store import Store
from cxm.web.app import create_app

with warnings.catch_warnings():  # starlette asks for httpx2, which is not packaged yet
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

OVERALL = {
    "code": "overall",
    "title": {"en": "Overall"},
    "pages": [
        {
            "questions": [
                {
                    "code": "CUSA1",
                    "type": "satisfaction5",
                    "construct": "satisfaction",
                    "text": {"en": "Overall"},
                }
            ]
        }
    ],
}


def _rated_company(store: Store, n: int = 60) -> dict[str, float]:
    """``n`` customers answered overall satisfaction; each called the "hotline" (rated as
    their overall answer) and used a "pickup locker" (rated at random)."""
    from cxm.surveys.invitations import issue_links, resolve_link
    from cxm.surveys.moments import record_touchpoint
    from cxm.surveys.responses import save_page
    from tests.survey_factories import wave_with_links

    rng = np.random.default_rng(3)
    _wave, tokens = wave_with_links(store, customers=n, definition=OVERALL)
    hotline, locker = [], []
    start = datetime.now(UTC) - timedelta(days=4)  # invitations stay valid 14 days
    with store.session() as s:
        for i, token in enumerate(tokens):
            overall = int(rng.integers(1, 6))
            customer = resolve_link(s, token=token).customer_id
            save_page(s, token=token, page=0, raw={"CUSA1": str(overall)})
            for kind, stage, rating in (
                ("hotline", "after_sale", overall),
                ("pickup locker", "delivery", int(rng.integers(1, 6))),
            ):
                _tp, inv = record_touchpoint(
                    s,
                    customer_id=customer,
                    external_id=f"{kind}-{i}",
                    occurred_at=start + timedelta(hours=i),
                    stage=stage,
                    channel=kind,
                )
                assert inv is not None
                link = issue_links(s, invitation_ids=[inv])[inv]
                save_page(s, token=link, page=0, raw={"MOT_SAT": str(rating), "MOT_CES": "3"})
                (hotline if kind == "hotline" else locker).append(rating)
    return {
        "hotline": float(np.mean(np.asarray(hotline) >= 4)),
        "pickup locker": float(np.mean(np.asarray(locker) >= 4)),
    }


def test_every_touchpoint_type_is_a_moment_with_its_weight(store: Store) -> None:
    csat = _rated_company(store)
    with store.session() as s:
        result = moments_of_truth(s)
    table = result.by_moment.set_index("moment")
    assert set(table.index) == {"hotline", "pickup locker"}
    for moment, share in csat.items():
        assert table.loc[moment, "csat"] == pytest.approx(share)
    assert table.loc["hotline", "r_overall"] == pytest.approx(1.0)
    assert table.loc["hotline", "weight"] > 0.9
    assert table.loc["pickup locker", "r_ci_low"] < 0 < table.loc["pickup locker", "r_ci_high"]
    stages = result.by_stage.set_index("moment")["stage"].to_dict()
    assert stages == {"hotline": "after_sale", "pickup locker": "delivery"}
    assert result.responses == 120


def test_the_cli_exports_and_the_api_serves_the_moments(  # type: ignore[no-untyped-def]
    cxm, store: Store, database_url: str, tmp_path: Path
) -> None:
    _rated_company(store)
    out = tmp_path / "moments.csv"
    r = cxm("moments", "--json", "--export", str(out))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    with out.open(encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    assert [row["moment"] for row in exported] == [m["moment"] for m in doc["by_moment"]]
    settings = Settings(database_url=database_url, env="test", secret_key="t" * 48)
    with store.session() as s:
        create_user(s, name="alice", role="analyst", password_hash=hash_password("x" * 20))
        secret = create_token(s, name="alice", label="test").secret
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as c:
        got = c.get("/api/v1/moments", headers={"Authorization": f"Bearer {secret}"})
        assert got.status_code == 200, got.text
        api = got.json()
        assert [m["moment"] for m in api["by_moment"]] == [m["moment"] for m in doc["by_moment"]]
        assert api["by_moment"][0]["csat"] == pytest.approx(doc["by_moment"][0]["csat"])
        assert c.get("/api/v1/moments").status_code in (401, 403)
