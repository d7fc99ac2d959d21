"""Bad import files: every problem is named (row, column, value, reason) and nothing is
half imported."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.customers.importing import import_customers
from cxm.customers.models import Customer
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.store import Store


def _count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Customer)) or 0)


def _problems(store: Store, path: Path, text: str, **kwargs: int) -> list[Problem]:
    path.write_text(text, encoding="utf-8")
    before = _count(store)
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, path, **kwargs)  # type: ignore[arg-type]
    assert _count(store) == before, "a failed import must leave the database as it was"
    return info.value.problems


def test_an_empty_file_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        import_customers(store, path)


def test_a_header_without_rows_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("customer_id,name\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        import_customers(store, path)


def test_missing_required_columns_are_named(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("姓名,地区\n张三,华东\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lacks required columns: customer_id / 客户编号"):
        import_customers(store, path)


def test_unknown_columns_are_warned_and_ignored(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("customer_id,name,shoe_size\nC1,A,42\n", encoding="utf-8")
    result = import_customers(store, path)
    assert result.inserted == 1
    assert result.warnings == ("Column 'shoe_size' is not a known field and was ignored.",)


def test_two_columns_for_one_field_are_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("customer_id,name,姓名\nC1,A,B\n", encoding="utf-8")
    with pytest.raises(InputError, match="both give the field name"):
        import_customers(store, path)


def test_duplicate_ids_name_both_rows(store: Store, tmp_path: Path) -> None:
    problems = _problems(store, tmp_path / "c.csv", "customer_id,name\nC1,a\nC2,b\nC1,c\n")
    assert problems == [
        Problem(3, "customer_id", "C1", "duplicate id: row 1 has the same id"),
    ]


@pytest.mark.parametrize("twin", ["c1", " C1 ", "Ｃ１", "ｃ1"])
def test_ids_that_differ_only_by_case_spaces_or_width_are_reported(
    store: Store, tmp_path: Path, twin: str
) -> None:
    problems = _problems(store, tmp_path / "c.csv", f"customer_id\nC1\n{twin}\n")
    assert len(problems) == 1
    assert problems[0].row == 2
    assert problems[0].value == twin
    assert "row 1 has 'C1'" in problems[0].reason


def test_a_full_width_id_alone_is_normalised_and_reported(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("customer_id\nＣ００７\n", encoding="utf-8")
    result = import_customers(store, path)
    assert result.warnings == (
        "1 ids were normalised (full-width characters or extra spaces removed).",
    )
    with store.session() as s:
        assert s.scalars(select(Customer.external_id)).all() == ["C007"]


def test_every_bad_value_is_reported_with_row_column_value_and_reason(
    store: Store, tmp_path: Path
) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    text = (
        "customer_id,email,phone,acquired_on,churned_on,churn_reason,status\n"
        "C1,not-an-email,,2024-01-05,,,\n"
        f"C2,,,{tomorrow},,,\n"
        "C3,,,2024/13/01,,,\n"
        "C4,,,05/01/2024,,,\n"
        "C5,,call me,,,,\n"
        "C6,,,2024-01-05,2023-12-31,,\n"
        "C7,,,,,bored,\n"
        "C8,,,,2024-01-05,,active\n"
        "C9,,,,,,sleeping\n"
        ",,,,,,\n"
    )
    problems = _problems(store, tmp_path / "c.csv", text)
    got = {(p.row, p.column, p.value) for p in problems}
    assert got == {
        (1, "email", "not-an-email"),
        (2, "acquired_on", tomorrow),
        (3, "acquired_on", "2024/13/01"),
        (4, "acquired_on", "05/01/2024"),
        (5, "phone", "call me"),
        (6, "churned_on", "2023-12-31"),
        (7, "churn_reason", "bored"),
        (8, "status", "active"),
        (9, "status", "sleeping"),
        (10, "customer_id", ""),
    }
    reasons = {p.row: p.reason for p in problems}
    assert reasons[2] == "is in the future"
    assert reasons[3] == "not a real date"
    assert "--date-format DMY or MDY" in reasons[4]  # ambiguous: refused, not guessed
    assert "staff_indifference" in reasons[7]
    assert reasons[10] == "a value is required"
    assert [p.row for p in problems] == sorted(p.row or 0 for p in problems)


def test_a_bad_row_in_a_late_chunk_undoes_the_chunks_already_written(
    store: Store, tmp_path: Path
) -> None:
    rows = "".join(f"C{i},n{i}\n" for i in range(1, 10))
    problems = _problems(
        store, tmp_path / "c.csv", f"customer_id,name\n{rows}C10,{'x' * 201}\n", chunk_rows=3
    )
    assert [(p.row, p.column, p.reason) for p in problems] == [
        (10, "name", "longer than 200 characters")
    ]


def test_a_failed_re_import_keeps_the_previous_data(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("customer_id,name\nC1,Alice\nC2,Bob\n", encoding="utf-8")
    import_customers(store, good)
    _problems(store, tmp_path / "bad.csv", "customer_id,name,email\nC1,Alicia,\nC2,Bob,x\n")
    with store.session() as s:
        assert s.scalar(select(Customer.name).where(Customer.external_id == "C1")) == "Alice"


def test_a_row_with_too_many_cells_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("customer_id,name\nC1,a\nC2,b,extra\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3"):
        import_customers(store, path)
    assert _count(store) == 0


def test_problems_beyond_the_report_limit_are_counted(store: Store, tmp_path: Path) -> None:
    from cxm.customers.importing.checks import MAX_PROBLEMS_KEPT

    n = MAX_PROBLEMS_KEPT + 5
    path = tmp_path / "c.csv"
    path.write_text("customer_id,email\n" + "".join(f"C{i},bad\n" for i in range(n)), "utf-8")
    with pytest.raises(ValidationFailed) as info:
        import_customers(store, path)
    assert len(info.value.problems) == MAX_PROBLEMS_KEPT
    assert f"{n} problems found" in info.value.message


def test_an_id_that_matches_a_stored_customer_only_by_case_is_reported(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text("customer_id,name\nC001,Alice\n", encoding="utf-8")
    import_customers(store, first)
    problems = _problems(store, tmp_path / "second.csv", "customer_id,name\nC002,Bob\nｃ001,Al\n")
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "customer_id", "ｃ001")]
    assert "already has customer 'C001'" in problems[0].reason
