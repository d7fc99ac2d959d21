"""Writers of one SQLite file take turns through Store.writing(), also across stores
(as across worker processes, the lock is a file lock beside the database)."""

from __future__ import annotations

import threading
from pathlib import Path

from cxm.store import Store, make_engine


def test_writers_of_one_sqlite_file_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cxm.db'}"
    first, second = Store(make_engine(url)), Store(make_engine(url))
    held, release, got = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with first.writing():
            held.set()
            release.wait(10)

    def take() -> None:
        with second.writing():
            got.set()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    taker = threading.Thread(target=take)
    taker.start()
    try:
        assert not got.wait(0.3)  # still the first writer's turn
    finally:
        release.set()
    assert got.wait(10)
    holder.join()
    taker.join()
    assert (tmp_path / "cxm.db-writer").exists()
    first.close()
    second.close()


def test_postgresql_writers_do_not_queue(postgres_url: str) -> None:
    store = Store(make_engine(postgres_url))
    try:
        with store.writing(), store.writing():  # nothing held: no self-deadlock
            pass
    finally:
        store.close()
