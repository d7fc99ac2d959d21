"""How an import remembers ids in constant memory per id: 128-bit hashes in sorted runs.

A file of ten million customers must import, so an import cannot keep every id it has
seen as Python objects (a few hundred bytes each). It keeps, per id, two independent
64-bit hashes of its key and one 64-bit value (the row it was first seen on, a count, or
the hash of a stored id as written): 24 bytes. The hashes live in numpy arrays sorted
into runs that are merged log-structured (a run is merged into the one before it while
that one is no larger), so a look-up is one :func:`numpy.searchsorted` per run, about
log2(n) runs, and all merging costs O(n log n). Runs stop merging at
:data:`MAX_MERGED` ids, so a merge never needs more than ~100 MB beside the data; past
that each further 4 million ids add one search per look-up (few: ten million ids make
about three such runs). While a merge runs, the memory held is up to about twice the
24 bytes per id.

Two different keys share a 128-bit hash with probability about n² / 2¹²⁹ (≈ 10⁻²⁵ for ten
million ids). The texts a problem message quotes (a twin's id as written on its row, a
stored id's exact case) are not kept: they are read back for the few problems reported
(:func:`written_cells`, :func:`stored_ids`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, Table

from cxm.customers.importing.sql import external_ids
from cxm.files import iter_chunks

__all__ = [
    "MAX_MERGED",
    "HashRuns",
    "Hashes",
    "Texts",
    "first_positions",
    "key_hashes",
    "single_hash",
    "stored_ids",
    "texts",
    "written_cells",
]

UInt64s = npt.NDArray[np.uint64]
Int64s = npt.NDArray[np.int64]
#: Two independent 64-bit hashes per key (``hi`` sorts the runs, ``lo`` confirms a match).
Hashes = tuple[UInt64s, UInt64s]
_A = TypeVar("_A", UInt64s, Int64s)

#: Ids in a run beyond which runs are no longer merged: a merge then never copies more
#: than about 100 MB at once, and a look-up costs one more search per 4 million ids.
MAX_MERGED = 1 << 22

_KEY_HI = "cxm:import:ids:1"
_KEY_LO = "cxm:import:ids:2"
_KEY_SINGLE = "cxm:import:ids:3"


#: Texts as a numpy object array (a list is converted once, then indexed by positions).
Texts = npt.NDArray[np.object_]


def texts(values: Sequence[str]) -> Texts:
    """``values`` as an object array, to take by positions and hash without copying."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _hash(values: Sequence[str] | Texts, key: str) -> UInt64s:
    array = values if isinstance(values, np.ndarray) else texts(values)
    return pd.util.hash_array(array, encoding="utf8", hash_key=key, categorize=False)


def key_hashes(values: Sequence[str] | Texts) -> Hashes:
    """The 128-bit hash (two SipHash-2-4 with different keys) of each text."""
    return _hash(values, _KEY_HI), _hash(values, _KEY_LO)


def single_hash(values: Sequence[str] | Texts) -> Int64s:
    """A third, independent 64-bit hash of each text, as a value :class:`HashRuns` can hold."""
    return _hash(values, _KEY_SINGLE).view(np.int64)


def first_positions(values: Sequence[str] | Texts) -> tuple[Int64s, Int64s]:
    """``(codes, first)``: each value's code (0, 1, … in order of first appearance) and, per
    code, the position of its first appearance, so ``values[first[codes[i]]] == values[i]``."""
    codes, _uniques = pd.factorize(values if isinstance(values, np.ndarray) else texts(values))
    codes = codes.astype(np.int64)
    # Codes are numbered in order of appearance: a value is new where its code exceeds
    # every code before it.
    before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return codes, np.flatnonzero(codes > before).astype(np.int64)


@dataclass
class _Run:
    """Hashes sorted by ``hi``, with their ``lo`` halves and values alongside."""

    hi: UInt64s
    lo: UInt64s
    values: Int64s

    def merge(self, newer: _Run) -> None:
        """Take in ``newer``'s hashes, keeping the order, in linear time: the positions of
        ``newer``'s hashes are found once, then each column is rebuilt and the old one let
        go before the next (the peak is about one column more than the data)."""
        at = np.searchsorted(self.hi, newer.hi)
        at += np.arange(len(at))  # where each of newer's hashes lands in the merged run
        old = np.ones(len(self.hi) + len(at), dtype=np.bool_)
        old[at] = False
        self.hi = _interleaved(self.hi, newer.hi, at, old)
        self.lo = _interleaved(self.lo, newer.lo, at, old)
        self.values = _interleaved(self.values, newer.values, at, old)


def _interleaved(older: _A, newer: _A, at: Int64s, old: npt.NDArray[np.bool_]) -> _A:
    out = np.empty(len(old), dtype=older.dtype)
    out[at] = newer
    out[old] = older
    return out


class HashRuns:
    """A map from 128-bit hashes to one ``int64`` each, in sorted runs (see module notes).

    >>> runs = HashRuns()
    >>> hashes = key_hashes(["a", "b"])
    >>> runs.put(hashes, np.array([1, 2]))
    >>> runs.get(key_hashes(["b", "c"]))
    (array([ True, False]), array([2, 0]))
    """

    def __init__(self, *, max_merged: int = MAX_MERGED) -> None:
        self._runs: list[_Run] = []
        self.max_merged = max_merged

    def __len__(self) -> int:
        return sum(len(run.hi) for run in self._runs)

    @property
    def runs(self) -> int:
        """How many sorted runs the hashes are in (at most about log2 of their number)."""
        return len(self._runs)

    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(run.hi.nbytes + run.lo.nbytes + run.values.nbytes for run in self._runs)  # noqa: PD011 - our _Run's array, not pandas

    def _locate(self, hashes: Hashes) -> tuple[Int64s, Int64s]:
        """Per hash, the run holding it and its position there (run ``-1``: absent)."""
        hi, lo = hashes
        run_of = np.full(len(hi), -1, dtype=np.int64)
        position = np.zeros(len(hi), dtype=np.int64)
        # Sorted needles walk each run in order (several times faster than random ones).
        by_hi = np.argsort(hi)
        for number, run in enumerate(self._runs):
            run_hi, run_lo = run.hi, run.lo
            todo = by_hi[run_of[by_hi] < 0]
            if not len(todo):
                break
            at = np.searchsorted(run_hi, hi[todo])
            inside = at < len(run_hi)
            todo, at = todo[inside], at[inside]
            same_hi = run_hi[at] == hi[todo]
            todo, at = todo[same_hi], at[same_hi]
            match = run_lo[at] == lo[todo]
            run_of[todo[match]] = number
            position[todo[match]] = at[match]
            # Equal ``hi`` but different ``lo``: look further along the (rare) equal range.
            for i, start in zip(todo[~match].tolist(), at[~match].tolist(), strict=True):
                j = start + 1
                while j < len(run_hi) and run_hi[j] == hi[i]:
                    if run_lo[j] == lo[i]:
                        run_of[i], position[i] = number, j
                        break
                    j += 1
        return run_of, position

    def get(self, hashes: Hashes) -> tuple[npt.NDArray[np.bool_], Int64s]:
        """``(found, values)`` per hash; ``values`` is 0 where not found."""
        run_of, position = self._locate(hashes)
        values = np.zeros(len(run_of), dtype=np.int64)
        for number, run in enumerate(self._runs):
            here = run_of == number
            if here.any():
                values[here] = run.values[position[here]]  # noqa: PD011 - our _Run's array, not pandas
        return run_of >= 0, values

    def put(self, hashes: Hashes, values: Int64s | Iterable[int]) -> None:
        """Set the value of each hash (distinct hashes), adding those not yet held."""
        hi, lo = hashes
        values = np.asarray(values, dtype=np.int64)
        if not len(hi):
            return
        run_of, position = self._locate(hashes) if self._runs else (np.full(len(hi), -1), None)
        if position is not None:
            for number, run in enumerate(self._runs):
                here = run_of == number
                if here.any():
                    run.values[position[here]] = values[here]  # noqa: PD011 - our _Run's array, not pandas
        new = run_of < 0
        if new.any():
            self._push(hi[new], lo[new], values[new])

    def add(self, hashes: Hashes, values: Int64s | Iterable[int]) -> None:
        """Add hashes known to be new (distinct, and not found by :meth:`get`)."""
        if len(hashes[0]):
            self._push(hashes[0], hashes[1], np.asarray(values, dtype=np.int64))

    def _push(self, hi: UInt64s, lo: UInt64s, values: Int64s) -> None:
        order = np.argsort(hi, kind="stable")
        self._runs.append(_Run(hi[order], lo[order], values[order]))
        runs = self._runs
        while (
            len(runs) > 1
            and len(runs[-2].hi) <= len(runs[-1].hi)
            and len(runs[-2].hi) + len(runs[-1].hi) <= self.max_merged
        ):
            newer = runs.pop()
            runs[-1].merge(newer)


def written_cells(
    path: str | Path,
    column: str,
    rows: Iterable[int],
    *,
    chunk_rows: int,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
) -> dict[int, str]:
    """The text of ``column`` on each of ``rows`` of the file, read again chunk by chunk
    (only as far as the last row wanted), as the import read it (same encoding, delimiter
    and rows above the header)."""
    wanted = set(rows)
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(wanted)
    with iter_chunks(
        path, chunk_rows, sheet=sheet, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows
    ) as chunks:
        for frame in chunks:
            cells = frame[column]
            for row in wanted.intersection(frame.index.tolist()):
                found[row] = str(cells.at[row])  # noqa: PD008 - one cell: .at is pandas' scalar accessor
            if frame.index[-1] >= last:
                break
    return found


def stored_ids(conn: Connection, table: Table, keys: Iterable[str]) -> dict[str, str]:
    """For each case-folded id in ``keys``, the first stored ``external_id`` that folds to
    it: one pass over the stored ids (run only to word a few problems)."""
    wanted = set(keys)
    found: dict[str, str] = {}
    if not wanted:
        return found
    for batch in external_ids(conn, table):
        for stored in batch:
            key = stored.casefold()
            if key in wanted and key not in found:
                found[key] = stored
        if len(found) == len(wanted):
            break
    return found
