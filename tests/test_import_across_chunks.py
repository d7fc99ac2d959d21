"""Duplicate ids and case twins found across chunks name their twin as within one chunk:
the importer keeps only hashes of earlier chunks' ids and reads the texts back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.importing import import_customers, import_purchases
from cxm.customers.importing.checks import MAX_PROBLEMS_KEPT
from cxm.customers.models import Customer, Purchase
from cxm.errors import Problem, ValidationFailed
from cxm.store import Store


def _problems(store: Store, path: Path, text: str, *, chunk_rows: int) -> list[Problem]:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, path, chunk_rows=chunk_rows)
    with store.session() as s:
        assert s.scalars(select(Customer.external_id)).all() == []
    return info.value.problems


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 100])
def test_duplicates_name_their_first_row_whatever_the_chunks(
    store: Store, tmp_path: Path, chunk_rows: int
) -> None:
    ids = ["C1", "C2", "C3", "C1", "Ｃ２", "C4", "c1", " C3 ", "C1"]
    text = "customer_id\n" + "".join(f"{i}\n" for i in ids)
    problems = _problems(store, tmp_path / "c.csv", text, chunk_rows=chunk_rows)
    same = "which is the same id once case, spaces and full-width characters are ignored"
    assert problems == [
        Problem(4, "customer_id", "C1", "duplicate id: row 1 has the same id"),
        Problem(5, "customer_id", "Ｃ２", f"duplicate id: row 2 has 'C2', {same}"),
        Problem(7, "customer_id", "c1", f"duplicate id: row 1 has 'C1', {same}"),
        Problem(8, "customer_id", " C3 ", f"duplicate id: row 3 has 'C3', {same}"),
        Problem(9, "customer_id", "C1", "duplicate id: row 1 has the same id"),
    ]


def test_a_twin_written_differently_is_quoted_as_written(store: Store, tmp_path: Path) -> None:
    text = "customer_id\n Ｃ１ \nC2\nC3\nc1\n"
    problems = _problems(store, tmp_path / "c.csv", text, chunk_rows=2)
    assert [(p.row, p.reason) for p in problems] == [
        (
            4,
            "duplicate id: row 1 has ' Ｃ１ ', which is the same id once case, spaces and "
            "full-width characters are ignored",
        )
    ]


def test_twins_in_an_xlsx_workbook_are_read_back_from_their_rows(
    store: Store, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    path = tmp_path / "c.xlsx"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["customer_id", "name"])
    for row in [["X1", "a"], [None, None], ["X2", "b"], ["X3", "c"], ["x1", "d"]]:
        ws.append(row)
    book.save(path)
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, path, chunk_rows=1)
    (problem,) = info.value.problems
    assert (problem.row, problem.value) == (5, "x1")  # rows count the blank one, as Excel
    assert problem.reason.startswith("duplicate id: row 1 has 'X1', which")


def test_ids_matching_stored_ones_only_by_case_name_the_stored_id_in_any_chunk(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(
        "customer_id\n" + "".join(f"Cust{i}\n" for i in range(10)) + "MiXeD\n", encoding="utf-8"
    )
    import_customers(store, first)
    rows = ["Cust0", "New1", "cust3", "New2", "Cust5", "MIXED", "cust3"]
    second = tmp_path / "second.csv"
    second.write_text("customer_id\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, second, chunk_rows=2)
    twin = "the database already has customer {!r}, the same id in another case; " + (
        "write it exactly as stored"
    )
    assert info.value.problems == [
        Problem(3, "customer_id", "cust3", twin.format("Cust3")),
        Problem(6, "customer_id", "MIXED", twin.format("MiXeD")),
        Problem(7, "customer_id", "cust3", "duplicate id: row 3 has the same id"),
        Problem(7, "customer_id", "cust3", twin.format("Cust3")),
    ]
    with store.session() as s:
        assert len(s.scalars(select(Customer.id)).all()) == 11


def test_exact_stored_ids_are_updated_whatever_the_chunks(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("customer_id,name\n" + "".join(f"C{i},a\n" for i in range(7)), "utf-8")
    import_customers(store, path)
    path.write_text("customer_id,name\n" + "".join(f"C{i},b\n" for i in range(9)), "utf-8")
    result = import_customers(store, path, chunk_rows=2)
    assert (result.inserted, result.updated, result.unchanged) == (2, 7, 0)


def test_only_the_kept_problems_are_worded_and_all_are_counted(
    store: Store, tmp_path: Path
) -> None:
    n = MAX_PROBLEMS_KEPT + 10
    ids = [f"C{i}" for i in range(n)]
    twins = [i.lower() for i in ids]
    text = "customer_id\n" + "".join(f"{i}\n" for i in ids + twins)
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, path, chunk_rows=7)
    problems = info.value.problems
    assert f"{n} problems found" in info.value.message
    assert len(problems) == MAX_PROBLEMS_KEPT
    for p in problems:
        other = p.row - n  # type: ignore[operator]
        assert p.reason.startswith(f"duplicate id: row {other} has 'C{other - 1}', which")


def test_identical_purchases_are_numbered_across_chunks(store: Store, tmp_path: Path) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id\nC1\nC2\n", encoding="utf-8")
    import_customers(store, customers)
    path = tmp_path / "p.csv"
    row = "C1,2024-03-01,tea,1,100\n"
    other = "C2,2024-03-01,tea,1,100\n"
    header = "customer_id,date,product,quantity,revenue\n"
    path.write_text(header + row + other + row + row + other + row, encoding="utf-8")
    first = import_purchases(store, path, chunk_rows=2)
    assert first.inserted == 6
    with store.session() as s:
        keys = s.scalars(select(Purchase.external_id).order_by(Purchase.id)).all()
    assert [k.rsplit(":", 1)[1] for k in keys] == ["1", "1", "2", "3", "2", "4"]
    assert len({k.rsplit(":", 1)[0] for k in keys}) == 2
    again = import_purchases(store, path)  # other chunks, the same keys: nothing changes
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)


def test_duplicate_order_ids_across_chunks_name_their_first_row(
    store: Store, tmp_path: Path
) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id\nC1\n", encoding="utf-8")
    import_customers(store, customers)
    path = tmp_path / "p.csv"
    body = "".join(f"O{i},C1,2024-03-01,tea,1,100\n" for i in range(5)) + "o2,C1,2024-03-01,t,1,1\n"
    path.write_text("order_id,customer_id,date,product,quantity,revenue\n" + body, "utf-8")
    with pytest.raises(ValidationFailed) as info:
        import_purchases(store, path, chunk_rows=2)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (6, "order_id", "o2")
    assert problem.reason.startswith("duplicate id: row 3 has 'O2', which")
