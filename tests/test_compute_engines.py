"""Same answers on every engine (issue 22): each aggregation of :mod:`cxm.frames.aggregations`
on the same data in the SQLite store, the PostgreSQL store, DuckDB (over the store's tables
and over Parquet files exported by ``cxm export all``) and PySpark in local mode — counts,
cents and dates exactly, anything else to 1e-9 relative — and the statistics built on them
(segments, behavioural churn, CLV, targets) equal whichever engine produced their inputs.

The independent reference is the pure pandas code of :mod:`cxm.analytics`
(:func:`~cxm.analytics.bgnbd.rfm_summary`, Fader, Hardie & Lee's (2005) BG/NBD inputs, and
:func:`~cxm.analytics.inactivity.inactivity_churn`) run on the raw purchase log, plus a
straight pandas group-by of the log for the sums.

The Spark tests share one local session and run in one xdist group (``spark``).
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cxm.store import Store
from tests.conftest import skip_or_fail

AS_OF = date(2026, 9, 1)

#: Every aggregation with the parameters it is tested with.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("profit", {}),
    ("profit", {"start": date(2025, 10, 1), "end": date(2026, 10, 1)}),
    ("totals", {"start": date(2025, 1, 1)}),
    ("totals", {"end": date(2026, 3, 1)}),
    ("first_purchases", {}),
    ("customers", {"as_of": AS_OF}),
    ("customers", {"as_of": date(2025, 12, 31)}),
    ("contacts", {}),
    ("contacts", {"stage": "complaint", "start_at": datetime(2025, 1, 1, tzinfo=UTC)}),
    ("contacts", {"end_at": datetime(2026, 1, 1, 12, tzinfo=UTC)}),
    ("segment_tallies", {"definition_id": None}),
    ("segment_tallies", {"definition_id": None, "start": date(2025, 6, 1)}),
    ("score_tallies", {"definition_id": None}),
]


def _company(store: Store) -> int:
    """60 surveyed customers in segments ``regions`` (Chinese region names), then a
    purchase log: 0–14 purchases each over 2024–2026, several on one day, some without a
    cost, some at a loss; touchpoints of every stage. Returns the definition id."""
    from cxm.customers.models import Customer, Purchase, Touchpoint
    from cxm.management.definitions import get_definition
    from cxm.store.bulk import insert_rows
    from tests.management_factories import surveyed_company

    surveyed_company(store, n=60, seed=11)
    rng = np.random.default_rng(22)
    with store.session() as s:
        ids = sorted(s.scalars(__import__("sqlalchemy").select(Customer.id)))
        for i, cid in enumerate(ids):
            s.get(Customer, cid).region = "华北" if i % 2 else "华南"  # type: ignore[union-attr]
        rows: dict[str, list[Any]] = {
            k: []
            for k in (
                "external_id",
                "customer_id",
                "purchased_on",
                "product",
                "quantity",
                "revenue",
                "cost",
            )
        }
        n = 0
        for cid in ids:
            days = rng.integers(0, 1000, int(rng.integers(0, 15)))
            for d in days:
                for _repeat in range(int(rng.integers(1, 3))):  # several lines on one day
                    revenue = Decimal(int(rng.integers(1, 500_000))) / 100
                    cost = (
                        None if rng.random() < 0.2 else Decimal(int(rng.integers(0, 600_000))) / 100
                    )
                    rows["external_id"].append(f"X{n}")
                    rows["customer_id"].append(cid)
                    rows["purchased_on"].append(date(2024, 1, 1) + timedelta(days=int(d)))
                    rows["product"].append("茶叶")
                    rows["quantity"].append(Decimal(1))
                    rows["revenue"].append(revenue)
                    rows["cost"].append(cost)
                    n += 1
        insert_rows(s.connection(), Purchase.__table__, rows)  # type: ignore[arg-type]
        stages = ["awareness", "purchase", "use", "complaint", "repurchase"]
        tp: dict[str, list[Any]] = {
            k: [] for k in ("external_id", "customer_id", "occurred_at", "channel", "stage")
        }
        for j in range(400):
            tp["external_id"].append(f"T{j}")
            tp["customer_id"].append(int(rng.choice(ids)))
            tp["occurred_at"].append(
                datetime(2024, 6, 1, tzinfo=UTC) + timedelta(minutes=int(rng.integers(0, 10**6)))
            )
            tp["channel"].append("门店")
            tp["stage"].append(stages[j % len(stages)])
        insert_rows(s.connection(), Touchpoint.__table__, tp)  # type: ignore[arg-type]
        definition = get_definition(s, "regions").id
        s.commit()
    return int(definition)


def _params(params: dict[str, Any], definition: int) -> dict[str, Any]:
    return {k: (definition if k == "definition_id" else v) for k, v in params.items()}


def _equal(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Counts, cents, dates and text exactly; other numbers to 1e-9 relative."""
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), f"{what}: {len(a)} != {len(b)} rows"
    for c in a.columns:
        x, y = a[c].reset_index(drop=True), b[c].reset_index(drop=True)
        if pd.api.types.is_float_dtype(x) and not c.endswith("_cents"):
            np.testing.assert_allclose(x, y, rtol=1e-9, err_msg=f"{what}.{c}")
        else:
            assert x.tolist() == y.tolist(), f"{what}.{c}"


@pytest.fixture(scope="module")
def company_sqlite(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("engines") / "cxm.db"
    shutil.copyfile(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    definition = _company(store)
    lake = path.parent / "lake"
    from cxm.frames.lake import export_tables
    from cxm.registry import metadata

    with store.session() as s:
        export_tables(s, ["all"], lake, metadata=metadata)
    yield store, definition, lake
    store.close()


def _store_result(store: Store, name: str, params: dict[str, Any]) -> pd.DataFrame:
    from cxm.frames.engines import _on_store

    with store.session() as s:
        return _on_store(s, name, {k: v for k, v in params.items() if v is not None})


def _engine_result(
    store: Store, kind: str, name: str, params: dict[str, Any], source: Path | None = None
) -> pd.DataFrame:
    from cxm.frames.engines import engine_for

    with store.session() as s:
        return engine_for(kind, session=s, source=source or "").aggregate(name, **params)


def test_compiled_sql_is_what_the_ibis_definitions_compile_to() -> None:
    from cxm.frames.compile import TARGET, render

    assert TARGET.read_text(encoding="utf-8") == render(), (
        "run python -m cxm.frames.compile --write"
    )


def test_everyday_commands_do_not_import_ibis(python_exe: str) -> None:
    import subprocess

    code = (
        "import sys; from cxm.frames.customers import profit_by_customer, customer_table; "
        "import cxm.management.segments, cxm.management.churn_rules, cxm.cli; "
        "print(sorted(m for m in ('ibis', 'duckdb', 'pyspark', 'sqlglot') if m in sys.modules))"
    )
    out = subprocess.run([python_exe, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_store_and_duckdb_agree_with_the_pandas_reference(company_sqlite: Any) -> None:
    """The per-customer table on the SQLite store and on DuckDB against rfm_summary,
    inactivity's per-customer step and a pandas group-by of the raw log."""
    from cxm.analytics.bgnbd import rfm_summary
    from cxm.analytics.inactivity import _per_customer

    store, _definition, lake = company_sqlite
    log = pd.read_parquet(lake / "purchases.parquet")
    log["revenue"] = log["revenue"].astype(float)
    log["cost"] = log["cost"].astype(float)
    log["purchased_on"] = pd.to_datetime(log["purchased_on"])
    log = log[log["purchased_on"] <= pd.Timestamp(AS_OF)]
    log["profit"] = log["revenue"] - log["cost"].fillna(0.0)
    for table in (
        _store_result(store, "customers", {"as_of": AS_OF}),
        _engine_result(store, "duckdb", "customers", {"as_of": AS_OF}, source=lake),
    ):
        ref = rfm_summary(log, as_of=AS_OF, value="profit").set_index("customer_id")
        mine = table.set_index("customer_id")
        assert list(mine.index) == list(ref.index)
        np.testing.assert_array_equal(mine["purchase_days"] - 1, ref["x"])
        np.testing.assert_allclose(mine["span_days"] / 7, ref["t_x"], rtol=1e-12)
        np.testing.assert_allclose(mine["observed_days"] / 7, ref["T"], rtol=1e-12)
        x = (mine["purchase_days"] - 1).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            monetary = np.where(
                x > 0, (mine["profit_cents"] - mine["first_day_profit_cents"]) / 100 / x, 0.0
            )
        np.testing.assert_allclose(monetary, ref["monetary"], rtol=1e-9, atol=1e-9)
        per = _per_customer(log, "customer_id", "purchased_on", pd.Timestamp(AS_OF))
        per = per.set_index("customer_id")
        assert (mine["first_purchase"] == per["first_purchase"]).all()
        assert (mine["last_purchase"] == per["last_purchase"]).all()
        assert (mine["purchase_days"] == per["days"]).all()
        sums = log.groupby("customer_id").agg(lines=("revenue", "size"))
        assert (mine["orders"] == sums["lines"]).all()
        cents = (
            log.assign(
                r=np.round(log["revenue"] * 100).astype("int64"),
                c=np.round(log["cost"].fillna(0) * 100).astype("int64"),
            )
            .groupby("customer_id")[["r", "c"]]
            .sum()
        )
        assert (mine["revenue_cents"] == cents["r"]).all()
        assert (mine["cost_cents"] == cents["c"]).all()


@pytest.mark.parametrize(
    ("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _p) in enumerate(CASES)]
)
def test_duckdb_equals_the_store(company_sqlite: Any, name: str, params: dict[str, Any]) -> None:
    """DuckDB over the store's tables, and over the Parquet files of ``cxm export all``,
    give what the SQLite store's SQL gives."""
    store, definition, lake = company_sqlite
    p = _params(params, definition)
    expected = _store_result(store, name, p)
    assert len(expected) > 0, name
    _equal(_engine_result(store, "duckdb", name, p), expected, f"duckdb/store {name}")
    _equal(_engine_result(store, "duckdb", name, p, source=lake), expected, f"duckdb/lake {name}")


def test_duckdb_in_passes_equals_one_pass(
    company_sqlite: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large source runs the per-customer table in passes over customer-id ranges (the
    memory of one pass is bounded): the passes' rows, put together, are the store's."""
    from cxm.frames.engines import engine_for

    store, _definition, lake = company_sqlite
    monkeypatch.setenv("CXM_DUCKDB_PASS_LINES", "150")
    for as_of in (AS_OF, date(2025, 12, 31)):
        expected = _store_result(store, "customers", {"as_of": as_of})
        engine = engine_for("duckdb", source=lake)
        passes = engine._passes("customers")
        assert len(passes) > 3, passes
        _equal(engine.aggregate("customers", as_of=as_of), expected, "duckdb in passes")
        with store.session() as s:
            over_store = engine_for("duckdb", session=s)
            assert len(over_store._passes("customers")) > 3
            _equal(over_store.aggregate("customers", as_of=as_of), expected, "passes/store")


@pytest.mark.postgres
def test_postgresql_store_equals_the_sqlite_store(
    company_sqlite: Any, postgres_url: str, tmp_path: Path
) -> None:
    """The same data in PostgreSQL (copied through the lake files): every aggregation
    pushed down there equals SQLite's."""
    from sqlalchemy import text

    from cxm.registry import metadata
    from cxm.store.bulk import insert_rows
    from tests.conftest import _truncate_all

    store, definition, _lake = company_sqlite
    pg = Store.open(postgres_url)
    try:
        _truncate_all(pg)
        with store.engine.connect() as src, pg.engine.begin() as dst:
            for table in metadata.sorted_tables:
                rows = src.execute(table.select()).mappings().all()
                if rows:
                    cols = {c: [r[c] for r in rows] for c in rows[0]}
                    insert_rows(dst, table, cols)
            for table in metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False:
                    dst.execute(
                        text(
                            # table names from our metadata
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                            f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 1))'
                        )
                    )
        for name, params in CASES:
            p = _params(params, definition)
            _equal(_store_result(pg, name, p), _store_result(store, name, p), f"pg {name}")
    finally:
        _truncate_all(pg)
        pg.close()


def _downstream(store: Store) -> dict[str, pd.DataFrame]:
    """Statistics built on the aggregations: segment profit, behavioural churn, CLV
    (retention and BG/NBD), cost to serve and targets."""
    from cxm.frames.cache import shared_reads
    from cxm.management.churn_rules import ChurnRule, customers_as_of
    from cxm.management.economics import probabilistic_segment_clv, segment_economics
    from cxm.management.segments import members, summary
    from cxm.management.targets import _cost_to_serve

    out: dict[str, pd.DataFrame] = {}
    # The random log is no BG/NBD population: the fits' standard errors overflow (the same
    # on every engine, which is what is compared here).
    with store.session() as s, shared_reads(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out["segments"] = summary(s, "regions")
        gap = customers_as_of(s, as_of=AS_OF, rule=ChurnRule("gap"))[0]
        out["churn_gap"] = gap.drop(columns=["attrs"], errors="ignore")
        alive = customers_as_of(s, as_of=AS_OF, rule=ChurnRule("p_alive"))[0]
        out["churn_p_alive"] = alive
        econ = segment_economics(s, "regions", as_of=AS_OF, rule=ChurnRule("gap"))
        out["economics"] = econ.table
        clv, params = probabilistic_segment_clv(s, "regions", as_of=AS_OF)
        out["clv"] = clv
        out["clv_params"] = pd.DataFrame([params])
        out["cost_to_serve"] = _cost_to_serve(members(s, "regions"), s, 12.5).to_frame()
    return out


def _frames_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], kind: str) -> None:
    for key in a:
        x, y = a[key], b[key]
        pd.testing.assert_frame_equal(x, y, rtol=1e-9, check_dtype=False, obj=f"{kind}: {key}")


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_downstream_statistics_agree_on_duckdb(
    company_sqlite: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _definition, lake = company_sqlite
    expected = _downstream(store)
    monkeypatch.setenv("CXM_COMPUTE", "duckdb")
    _frames_equal(expected, _downstream(store), "duckdb over the store")
    monkeypatch.setenv("CXM_COMPUTE_SOURCE", str(lake))
    _frames_equal(expected, _downstream(store), "duckdb over Parquet")


# --- Spark: one local session, one xdist group ------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Any:
    if shutil.which("java") is None:
        skip_or_fail("Java is not installed (apt-get install -y default-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_or_fail("PySpark is not installed (pip install 'cxm[spark]')")
    from cxm.frames.engines import spark_session

    return spark_session("local[2]", "2g")


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
# py4j leaves its gateway sockets to the garbage collector: not ours to close
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_spark_equals_the_store(
    company_sqlite: Any, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every aggregation on Spark local, over the store's tables and over Parquet, and the
    statistics downstream, equal the store's."""
    from cxm.frames.engines import engine_for

    store, definition, lake = company_sqlite
    monkeypatch.setenv("CXM_SPARK_URL", "local[2]")
    with store.session() as s:
        on_store = engine_for("spark", session=s)  # the store's tables copied in once
        on_lake = engine_for("spark", source=lake)
        for name, params in CASES:
            p = _params(params, definition)
            expected = _store_result(store, name, p)
            _equal(on_store.aggregate(name, **p), expected, f"spark/store {name}")
            _equal(on_lake.aggregate(name, **p), expected, f"spark/lake {name}")
    expected_stats = _downstream(store)
    monkeypatch.setenv("CXM_COMPUTE", "spark")
    monkeypatch.setenv("CXM_COMPUTE_SOURCE", str(lake))
    _frames_equal(expected_stats, _downstream(store), "spark over Parquet")
