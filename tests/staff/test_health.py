"""``/healthz`` answers while the process runs; ``/readyz`` only while the database is
reachable and its schema is the one the code needs."""

from __future__ import annotations

from sqlalchemy import text

from cxm.store import Store


def test_ready_then_not_when_the_schema_is_behind(client, store: Store) -> None:  # type: ignore[no-untyped-def]
    json = {"accept": "application/json"}
    assert client.get("/healthz", headers=json).json()["status"] == "ok"
    ready = client.get("/readyz", headers=json)
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "current",
        "message": "",
    }
    with store.engine.begin() as conn:
        heads = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0006')"))
    try:
        behind = client.get("/readyz", headers=json)
        assert behind.status_code == 503
        assert behind.json()["migrations"] == "behind" and "0006" in behind.json()["message"]
        assert client.get("/healthz", headers=json).status_code == 200
    finally:
        with store.engine.begin() as conn:  # as it was (the PostgreSQL database is shared)
            conn.execute(text("DELETE FROM alembic_version"))
            for head in heads:
                insert = text("INSERT INTO alembic_version (version_num) VALUES (:v)")
                conn.execute(insert, {"v": head})
