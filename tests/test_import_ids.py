"""The compact id memory of imports: 128-bit hashes with a value each, in sorted runs."""

from __future__ import annotations

import math

import numpy as np

from cxm.customers.importing.ids import HashRuns, first_positions, key_hashes, single_hash


def _ids(start: int, stop: int) -> list[str]:
    return [f"C{i:08d}" for i in range(start, stop)]


def test_it_finds_every_id_put_and_no_other_among_many() -> None:
    runs = HashRuns()
    sizes = [1, 7, 1000, 20_000, 3, 50_000, 20_000, 20_000, 88_989]  # 200,000 in all
    start = 0
    for size in sizes:
        ids = _ids(start, start + size)
        found, _values = runs.get(key_hashes(ids))
        assert not found.any()
        runs.add(key_hashes(ids), np.arange(start, start + size) * 3)
        start += size
    assert len(runs) == start == 200_000
    assert runs.runs <= math.log2(start) + 1
    assert runs.nbytes() == 24 * start  # two 64-bit hashes and one 64-bit value per id

    probe = _ids(0, 250_000)[::-1]  # every id put, then 50,000 never seen, in any order
    found, values = runs.get(key_hashes(probe))
    numbers = np.array([int(i[1:]) for i in probe])
    assert found.tolist() == (numbers < 200_000).tolist()
    assert values[found].tolist() == (numbers[found] * 3).tolist()
    assert not values[~found].any()


def test_runs_stop_merging_at_the_cap_and_still_find_everything() -> None:
    runs = HashRuns(max_merged=1000)
    rng = np.random.default_rng(5)
    hi = rng.integers(0, 2**64 - 1, 10_000, dtype=np.uint64)
    lo = rng.integers(0, 2**64 - 1, 10_000, dtype=np.uint64)
    for start in range(0, 10_000, 100):
        part = slice(start, start + 100)
        runs.add((hi[part], lo[part]), np.arange(start, start + 100))
    assert len(runs) == 10_000
    assert runs.runs == 13  # twelve of 800 (two of 800 would pass the cap), one of 400
    found, values = runs.get((hi[::-1], lo[::-1]))
    assert found.all()
    assert values.tolist() == list(range(9_999, -1, -1))
    found, _values = runs.get((hi, lo ^ np.uint64(1)))
    assert not found.any()


def test_put_changes_the_value_of_an_id_it_holds() -> None:
    runs = HashRuns()
    runs.put(key_hashes(_ids(0, 100)), np.zeros(100, dtype=np.int64))
    runs.put(key_hashes(_ids(50, 150)), np.arange(50, 150))
    assert len(runs) == 150
    found, values = runs.get(key_hashes(_ids(0, 150)))
    assert found.all()
    assert values.tolist() == [0] * 50 + list(range(50, 150))


def test_hashes_equal_in_their_first_half_are_told_apart_by_the_second() -> None:
    runs = HashRuns()
    hi = np.array([5, 5, 5, 9, 1], dtype=np.uint64)
    lo = np.array([30, 10, 20, 10, 10], dtype=np.uint64)
    runs.put((hi, lo), np.array([1, 2, 3, 4, 5]))
    runs.put((np.array([5], dtype=np.uint64), np.array([40], dtype=np.uint64)), [6])
    probe_hi = np.array([5, 5, 5, 5, 5, 9, 9, 1], dtype=np.uint64)
    probe_lo = np.array([10, 20, 30, 40, 50, 10, 30, 10], dtype=np.uint64)
    found, values = runs.get((probe_hi, probe_lo))
    assert found.tolist() == [True, True, True, True, False, True, False, True]
    assert values.tolist() == [2, 3, 1, 6, 0, 4, 0, 5]


def test_an_empty_map_finds_nothing() -> None:
    found, values = HashRuns().get(key_hashes(["a"]))
    assert found.tolist() == [False]
    assert values.tolist() == [0]


def test_first_positions_number_values_in_order_of_appearance() -> None:
    codes, first = first_positions(["b", "a", "b", "c", "a", "b"])
    assert codes.tolist() == [0, 1, 0, 2, 1, 0]
    assert first.tolist() == [0, 1, 3]
    codes, first = first_positions([])
    assert (codes.tolist(), first.tolist()) == ([], [])


def test_the_hashes_depend_on_the_text_only() -> None:
    hi, lo = key_hashes(["c001", "C001", "c001"])
    assert hi[0] == hi[2] != hi[1]
    assert lo[0] == lo[2] != lo[1]
    assert hi[0] != lo[0]  # two independent hashes, not one twice
    single = single_hash(["c001", "C001"])
    assert single.dtype == np.int64
    assert single[0] not in (hi[0].view(np.int64), lo[0].view(np.int64))
