"""Chunks written on a thread of their own while the next is validated: every write runs,
in order, one at a time; a write's error reaches the import, before a later error that it
caused."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from cxm.customers.importing.pipeline import BackgroundWrites


def _chunk(n: int) -> pd.DataFrame:
    return pd.DataFrame({"n": [n] * n})


@pytest.mark.parametrize("background", [True, False])
def test_every_chunk_is_written_in_order_and_counted(background: bool) -> None:
    written: list[int] = []
    threads: set[str] = set()

    def write(rows: pd.DataFrame) -> int:
        written.append(int(rows["n"].iloc[0]))
        threads.add(threading.current_thread().name)
        return len(rows)

    with BackgroundWrites(write, background=background) as writes:
        for n in (1, 2, 3):
            writes.submit(_chunk(n))
        assert writes.finish() == 6
    assert written == [1, 2, 3]
    assert (threading.current_thread().name in threads) is not background


def test_a_failed_write_is_raised_by_the_next_submit() -> None:
    def write(rows: pd.DataFrame) -> int:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), BackgroundWrites(write, background=True) as w:
        w.submit(_chunk(1))
        w.submit(_chunk(2))


def test_a_failed_write_wins_over_the_error_it_caused() -> None:
    failed = threading.Event()

    def write(rows: pd.DataFrame) -> int:
        failed.set()
        raise OSError("disk full")

    with (
        pytest.raises(OSError, match="disk full") as info,
        BackgroundWrites(write, background=True) as writes,
    ):
        writes.submit(_chunk(1))
        failed.wait(5)
        raise RuntimeError("current transaction is aborted")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_an_error_while_validating_waits_for_the_write_in_flight() -> None:
    done = threading.Event()

    def write(rows: pd.DataFrame) -> int:
        done.wait(0.2)
        done.set()
        return len(rows)

    with (
        pytest.raises(ValueError, match="bad row"),
        BackgroundWrites(write, background=True) as writes,
    ):
        writes.submit(_chunk(1))
        raise ValueError("bad row")
    assert done.is_set()
