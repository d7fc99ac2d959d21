"""Business-hour clocks on mainland China's calendar, make-up working days included.

Dates checked against the State Council's notice for 2026 (国办发明电〔2025〕7号) as
recorded by the ``holidays`` package: Spring Festival off 15–23 February, make-up working
days Sunday 4 January, Saturday 14 February and Saturday 28 February.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxm.cases.calendar import WorkCalendar, china_calendar, load_override
from cxm.cases.clocks import ClockPolicy, clock_state, due_times
from cxm.errors import InputError

CN = china_calendar(years=[2026, 2027])


def sh(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """A Shanghai wall-clock time, as UTC (Shanghai is UTC+8 all year)."""
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def test_make_up_working_days_are_working_days() -> None:
    assert CN.is_working_day(date(2026, 1, 4))  # a Sunday
    assert CN.is_working_day(date(2026, 2, 14))  # a Saturday
    assert CN.is_working_day(date(2026, 2, 28))  # a Saturday
    assert not CN.is_working_day(date(2026, 2, 17))  # Spring Festival, a Tuesday
    assert not CN.is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert CN.is_working_day(date(2026, 3, 9))


def test_a_clock_started_friday_evening_runs_on_monday() -> None:
    start = sh(2026, 3, 6, 17)  # Friday 17:00: one working hour left that day
    assert CN.add_hours(start, 4) == sh(2026, 3, 9, 12)  # Monday 12:00


def test_a_clock_skips_the_holiday_and_counts_the_make_up_saturday() -> None:
    start = sh(2026, 2, 13, 9)  # Friday 13 February 09:00
    # 9 h Friday, 9 h Saturday 14 (make-up day), then 15–23 off, Tuesday 24 from 09:00.
    assert CN.add_hours(start, 18) == sh(2026, 2, 14, 18)
    assert CN.add_hours(start, 20) == sh(2026, 2, 24, 11)


def test_an_override_adds_days_off_and_working_days(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cal.yaml"
    path.write_text(
        "days_off: [2026-03-09]\nworkdays: [2026-03-07]\nopens: '08:30'\ncloses: '17:30'\n",
        encoding="utf-8",
    )
    cal = china_calendar(years=[2026], override=load_override(path))
    assert cal.opens == time(8, 30)
    assert not cal.is_working_day(date(2026, 3, 9)) and cal.is_working_day(date(2026, 3, 7))
    assert cal.add_hours(sh(2026, 3, 6, 17), 2) == sh(2026, 3, 7, 10)


def test_bad_overrides_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cal.yaml"
    path.write_text("days_off: [2026-03-09]\nworkdays: [2026-03-09]\n", encoding="utf-8")
    with pytest.raises(InputError, match="both as a day off and as a working day"):
        china_calendar(years=[2026], override=load_override(path))
    path.write_text("holidays: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown keys"):
        load_override(path)
    path.write_text("days_off: [9 March]\n", encoding="utf-8")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        china_calendar(years=[2026], override=load_override(path))


def test_the_calendar_says_when_its_published_schedule_ends() -> None:
    ends = CN.runs_out_on()
    assert ends is not None and ends >= date(2026, 12, 31)


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
    ),
    hours=st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_adding_then_measuring_working_hours_gives_them_back(start: datetime, hours: float) -> None:
    due = CN.add_hours(start, hours)
    assert due >= start
    assert CN.hours_between(start, due) == pytest.approx(hours, abs=1e-6)


def test_calendar_hours_are_the_default_and_business_hours_follow_the_calendar() -> None:
    start = sh(2026, 3, 6, 17)
    first, resolution = due_times(start, ClockPolicy(4, 24))
    assert (first - start).total_seconds() == 4 * 3600
    assert (resolution - start).total_seconds() == 24 * 3600
    first_b, _res = due_times(start, ClockPolicy(4, 24, business_hours=True), CN)
    assert first_b == sh(2026, 3, 9, 12)


def test_clock_states() -> None:
    start = sh(2026, 3, 2, 9)
    due1, due2 = due_times(start, ClockPolicy(4, 24))
    state = clock_state(
        opened_at=start,
        first_response_due=due1,
        resolution_due=due2,
        first_response_at=sh(2026, 3, 2, 10),
        resolved_at=None,
        now=sh(2026, 3, 3, 4),
    )
    assert state.first_response == "met" and state.resolution == "warning"
    late = clock_state(
        opened_at=start,
        first_response_due=due1,
        resolution_due=due2,
        first_response_at=None,
        resolved_at=None,
        now=sh(2026, 3, 4, 9),
    )
    assert late.first_response == "breached_open" and late.resolution == "breached_open"


def test_working_hours_must_make_sense() -> None:
    with pytest.raises(InputError, match="close after they open"):
        WorkCalendar(opens=time(18), closes=time(9))
    with pytest.raises(InputError, match="Unknown time zone"):
        WorkCalendar(zone="Mars/Olympus")


def test_the_calendar_command_lists_make_up_days_and_reads_the_override(
    cxm,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    import json

    override = tmp_path / "cal.yaml"
    override.write_text("workdays: [2026-03-07]\ndays_off: [2026-03-09]\n", encoding="utf-8")
    monkeypatch.setenv("CXM_CALENDAR_FILE", str(override))
    r = cxm("cases", "calendar", "--year", "2026", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert (
        "2026-02-14" in out["make_up_working_days"] and "2026-03-07" in out["make_up_working_days"]
    )
    assert "2026-02-17" in out["weekdays_off"] and "2026-03-09" in out["weekdays_off"]
