"""One "now": the company time zone for dates people see, UTC for stored times, and the
analysis date within the data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxm.clock import (
    check_as_of,
    company_zone,
    parse_as_of,
    shown_time,
    to_company_time,
    today,
)
from cxm.errors import ConfigError, InputError


def test_the_company_day_is_shanghai_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXM_TIMEZONE", raising=False)
    late_utc = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    assert company_zone().key == "Asia/Shanghai"
    assert today(now=late_utc) == date(2026, 3, 2)
    assert to_company_time(datetime(2026, 3, 1, 17, 30)).hour == 1  # naive = UTC


def test_the_time_zone_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_TIMEZONE", "Europe/Berlin")
    assert today(now=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert today(now=datetime(2026, 3, 1, 22, 30, tzinfo=UTC)) == date(2026, 3, 1)
    monkeypatch.setenv("CXM_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="CXM_TIMEZONE: Mars/Olympus is not a time zone"):
        today()


def test_the_analysis_date_defaults_to_the_last_data_date() -> None:
    first, last = date(2024, 1, 1), date(2025, 6, 30)
    assert check_as_of(None, first=first, last=last) == last
    assert check_as_of("2024-01-01", first=first, last=last) == first
    assert check_as_of(date(2025, 1, 5), first=first, last=last) == date(2025, 1, 5)
    with pytest.raises(InputError, match="before the first data date 2024-01-01"):
        check_as_of("2023-12-31", first=first, last=last)
    with pytest.raises(InputError, match="after the last data date 2025-06-30"):
        check_as_of("2025-07-01", first=first, last=last)
    with pytest.raises(InputError, match="no dated purchases"):
        check_as_of(None, first=None, last=None)
    with pytest.raises(InputError, match="31/12/2024 is not a date"):
        parse_as_of("31/12/2024")


def test_people_read_times_on_the_company_clock_and_tables_show_them_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cxm.cli.output import print_table

    stored = datetime(2026, 12, 6, 23, 8, 41, 179753, tzinfo=UTC)  # 07:08 next day in Shanghai
    assert shown_time(stored) == "2026-12-07 07:08"
    assert shown_time(stored.replace(tzinfo=None)) == "2026-12-07 07:08"  # naive = UTC
    assert shown_time(None) == ""
    monkeypatch.setenv("CXM_TIMEZONE", "Europe/Berlin")
    assert shown_time(stored) == "2026-12-07 00:08"
    print_table(None, ["at"], [(stored,)])
    out = capsys.readouterr().out
    assert "2026-12-07 00:08" in out and "41.179753" not in out
