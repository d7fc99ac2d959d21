"""Checks shared by every import: required values, lengths, dates, duplicate ids.

A :class:`ImportState` lives for one file and collects every problem (keeping the first
:data:`MAX_PROBLEMS_KEPT`, counting all) and the ids seen so far, as 128-bit hashes with
the row they were first seen on (:class:`~cxm.customers.importing.ids.HashRuns`, 24 bytes
per id), so that a duplicate on row 9,000,000 names its twin on row 3. A twin's text is
not kept: a problem that quotes it is *deferred* and worded at the end, when the import
has failed anyway, from the file read again. A :class:`Chunk` wraps one DataFrame of text
cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cxm.customers.importing.columns import ColumnMap
from cxm.customers.importing.ids import HashRuns, first_positions, key_hashes, texts
from cxm.errors import Problem
from cxm.files.chunks import HeaderAt
from cxm.files.encoding import CONTROL_CHARACTERS, control_name
from cxm.files.parsing import (
    all_match,
    infer_date_order,
    is_clean_text,
    normalise_text_fast,
    parse_amount,
    parse_date,
    parse_datetime,
    parse_unique_codes,
)
from cxm.files.safe import unescape
from cxm.i18n import _

__all__ = ["MAX_PROBLEMS_KEPT", "Chunk", "ImportState", "unescape"]

T = TypeVar("T")

#: Problems kept for the report; beyond this they are only counted (bounded memory).
MAX_PROBLEMS_KEPT = 1000
#: Distinct values whose parse result is remembered across chunks, per field.
MAX_MEMO = 100_000


@dataclass(frozen=True)
class Deferred:
    """A kept problem whose reason quotes a text not held in memory: ``source`` says where
    to read it (``("file", header)``: the cell of row ``ref``; ``("stored", "")``: the
    stored id that case-folds to ``ref``) and ``reason`` words the problem with it."""

    index: int
    source: tuple[str, str]
    ref: int | str
    reason: Callable[[str | None], str]


@dataclass
class ImportState:
    """What one import remembers across chunks."""

    today: date = field(default_factory=date.today)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    #: per kind of id, hash of the case-folded id → data row it was first seen on
    seen: dict[str, HashRuns] = field(default_factory=dict)
    normalised_ids: int = 0
    #: per field, parsed value or failure reason of each distinct text seen so far (emptied
    #: past MAX_MEMO values, so bounded however many distinct texts the file has)
    parsed: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: content hash → times seen, for rows keyed by their content (no id column)
    occurrences: HashRuns = field(default_factory=HashRuns)
    rows: int = 0
    #: rows in the table when the import began
    rows_before: int = 0
    #: hash of each stored case-folded external id → hash of the stored id as written
    #: (loaded when needed)
    stored_keys: HashRuns | None = None
    #: kept problems whose reason is worded at the end (see :meth:`resolve`)
    deferred: list[Deferred] = field(default_factory=list)
    #: ``--date-format`` / the mapping's date_format (YMD, DMY, MDY or a strftime pattern)
    date_format: str | None = None
    #: per field, the day/month order inferred from the file (when not given)
    date_orders: dict[str, str | None] = field(default_factory=dict)
    decimal_comma: bool = False
    #: rows skipped by the mapping's ``skip`` / ``skip_without``, per reason
    skipped: dict[str, int] = field(default_factory=dict)
    #: where the header was found when a title came before it (the rows above are skipped)
    header_at: HeaderAt | None = None
    #: the first rows as they would be stored (a dry run prints them)
    preview: list[dict[str, Any]] = field(default_factory=list)
    #: per date field, the day (or the failure) of each distinct date part before a time
    days: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the active journey's stage reader (touchpoints; read once per import)
    stage_reader: Callable[[str], str] | None = None

    def add(self, row: int | None, column: str | None, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            text = None if value is None else str(value)
            self.problems.append(Problem(row, column, text, reason))

    def defer(
        self,
        row: int,
        column: str,
        value: Any,
        *,
        source: tuple[str, str],
        ref: int | str,
        reason: Callable[[str | None], str],
    ) -> None:
        """Record a problem whose reason needs the text found at ``source`` / ``ref``."""
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.deferred.append(Deferred(len(self.problems), source, ref, reason))
        self.add(row, column, value, "")

    def resolve(self, read: Mapping[str, Callable[[str, set[Any]], Mapping[Any, str]]]) -> None:
        """Word the deferred problems; ``read[source kind](name, refs)`` finds the texts."""
        wanted: dict[tuple[str, str], set[Any]] = {}
        for d in self.deferred:
            wanted.setdefault(d.source, set()).add(d.ref)
        texts = {source: read[source[0]](source[1], refs) for source, refs in wanted.items()}
        for d in self.deferred:
            reason = d.reason(texts[d.source].get(d.ref))
            self.problems[d.index] = replace(self.problems[d.index], reason=reason)
        self.deferred.clear()


def _duplicate_reason(other_row: int, other: str | None, written: str) -> str:
    if other is None or other == written:
        return _("duplicate id: row {other} has the same id", other=other_row)
    return _(
        "duplicate id: row {other} has {value!r}, which is the same id once case, "
        "spaces and full-width characters are ignored",
        other=other_row,
        value=other,
    )


_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
#: A time of day that :func:`~cxm.files.parsing.parse_date` accepts and ignores, and a
#: date part written with separators (not a bare number, which would read as a serial day).
_CLOCK = re.compile(r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
_DAY_PART = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{2,4}")


def _control_reason(value: Any) -> str:
    found = _CONTROL.search(str(value))
    char = control_name(found.group()) if found else ""
    return _(
        "holds the control character {char} at position {position}, which is not text",
        char=char,
        position=found.start() + 1 if found else 0,
    )


def _casefolded(values: list[str]) -> list[str]:
    """Each value case-folded, in one call on the joined text (case folding maps each
    character on its own, so the parts are the values' foldings) unless a value holds the
    separator."""
    joined = "\x00".join(values)
    if joined.count("\x00") != max(len(values) - 1, 0):
        return [value.casefold() for value in values]
    return joined.casefold().split("\x00") if values else []


class Chunk:
    """One chunk of an import file, read through its :class:`ColumnMap`."""

    def __init__(self, frame: pd.DataFrame, columns: ColumnMap, state: ImportState) -> None:
        self.frame = frame
        self.columns = columns
        self.state = state
        self.bad = pd.Series(False, index=frame.index)
        #: per parsed field, each row's code among the column's distinct texts
        self.codes: dict[str, np.ndarray[Any, Any]] = {}
        #: per parsed field, the value of each code (``None``: empty or refused)
        self.results: dict[str, np.ndarray[Any, Any]] = {}

    def header(self, name: str) -> str:
        return self.columns.fields.get(name, name)

    def raw(self, name: str) -> pd.Series:
        if name not in self.columns.fields:
            return pd.Series("", index=self.frame.index, dtype=object)
        return self.frame[self.columns.fields[name]]

    def fail(self, mask: pd.Series, name: str, reason: str | Callable[[Any], str]) -> None:
        """Record a problem for each row where ``mask`` holds."""
        if not mask.any():
            return
        raw = self.raw(name)
        for row in mask.index[mask.to_numpy()]:
            value = raw.at[row]  # noqa: PD008 - one cell: .at is pandas' scalar accessor
            text = reason(value) if callable(reason) else reason
            self.state.add(int(row), self.header(name), value, text)
        self.bad |= mask

    def _absent(self, name: str, *, required: bool) -> pd.Series:
        """A field the file has no column for: empty on every row (required: refused)."""
        nothing = np.full(len(self.frame), None, dtype=object)
        values = pd.Series(nothing, index=self.frame.index, dtype=object, copy=False)
        if required and len(values):
            self.fail(pd.Series(True, index=self.frame.index), name, _("a value is required"))
        return values

    def text(self, name: str, *, max_length: int, required: bool = False) -> pd.Series:
        """The column as normalised text (``None`` where empty), length-checked. A column
        already clean is taken as it is; otherwise each distinct value is normalised once."""
        if name not in self.columns.fields:
            return self._absent(name, required=required)
        column = self.raw(name)
        raw: list[str] = column.tolist()
        normalised: dict[str, str | None] = {}
        out: Any
        if is_clean_text(raw):  # taken as it is: only blanks become None (no list per row)
            out = column.to_numpy(dtype=object, copy=True)
            blank = out == ""
            empty = bool(blank.any())
            if empty:
                out[blank] = None
            lengths = max(map(len, raw), default=0)
            too_long: set[str | None] = (
                {t for t in raw if len(t) > max_length} if lengths > max_length else set()
            )
        else:
            out = []
            missing = object()
            for value in raw:
                text = normalised.get(value, missing)
                if text is missing:
                    text = normalised[value] = normalise_text_fast(unescape(str(value))) or None
                out.append(text)
            empty = None in normalised.values()
            too_long = {t for t in normalised.values() if t is not None and len(t) > max_length}
            controls = {v for v in normalised if _CONTROL.search(str(v))}
            if controls:
                mask = self.raw(name).isin(controls)
                self.fail(mask, name, _control_reason)
        values = pd.Series(out, index=self.frame.index, dtype=object, copy=False)
        if required and empty:
            self.fail(values.isna(), name, _("a value is required"))
        if too_long:
            self.fail(values.isin(too_long), name, _("longer than {n} characters", n=max_length))
        return values

    def check(
        self,
        values: pd.Series,
        name: str,
        valid: Callable[[str], bool],
        reason: str,
        *,
        pattern: str | None = None,
    ) -> None:
        """Report the rows whose non-empty value fails ``valid`` (tested once per value);
        ``pattern``, equivalent to ``valid``, first lets a clean column pass in one go."""
        column = values.tolist()
        if pattern is not None and all_match(column, pattern):
            return
        bad = {v for v in set(column) if v is not None and not valid(v)}
        if bad:
            self.fail(values.isin(bad), name, reason)

    def parsed(
        self, name: str, parse: Callable[[str], T], *, required: bool = False
    ) -> list[T | None]:
        """The column parsed value by value (once per distinct value)."""
        return self.parsed_series(name, parse, required=required).tolist()

    def parsed_series(
        self, name: str, parse: Callable[[str], Any], *, required: bool = False
    ) -> pd.Series:
        """:meth:`parsed` as an object Series on the chunk's index (no list per row)."""
        if name not in self.columns.fields and len(self.frame):  # every cell empty
            self.codes[name] = np.zeros(len(self.frame), dtype=np.intp)
            self.results[name] = np.array([None], dtype=object)
            return self._absent(name, required=required)
        raw = self.raw(name)
        memo = self.state.parsed.setdefault(name, {})
        if len(memo) > MAX_MEMO:  # mostly distinct values (times): memory over speed
            memo.clear()
        codes, results, failures = parse_unique_codes(
            raw, lambda text: parse(unescape(text)), memo=memo
        )
        self.codes[name] = codes
        self.results[name] = results
        array = results.take(codes) if len(codes) else np.empty(0, dtype=object)
        values = pd.Series(array, index=self.frame.index, dtype=object, copy=False)
        if failures:
            for row, reason in failures.items():
                self.state.add(int(row), self.header(name), raw.at[row], reason)  # noqa: PD008 - one cell
            self.bad.loc[list(failures)] = True
        if required:
            blank = [v for v in raw.unique().tolist() if not str(v).strip()]
            if blank:
                self.fail(raw.isin(blank), name, _("a value is required"))
        return values

    def date_order(self, name: str) -> str | None:
        """The order in which this column writes day and month: given, else inferred from
        its values (once a chunk shows it, it holds for the rest of the file)."""
        state = self.state
        if state.date_format is not None:
            return state.date_format
        if state.date_orders.get(name) is None:
            values = [str(v) for v in self.raw(name).unique().tolist() if v]
            try:
                state.date_orders[name] = infer_date_order(values)
            except ValueError as exc:
                state.add(None, self.header(name), None, str(exc))
                state.date_orders[name] = None
        return state.date_orders.get(name)

    def dates(self, name: str, *, required: bool = False, moment: bool = False) -> pd.Series:
        """The column as dates (or UTC instants with ``moment``), historical (a date in
        the future is refused), read in the column's day/month order."""
        state = self.state
        order = self.date_order(name)
        parse: Callable[[str], Any]
        if moment:

            def parse(text: str) -> Any:
                return parse_datetime(text, now=state.now, order=order)
        elif order is not None and "%" in order:

            def parse(text: str) -> Any:
                return parse_date(text, today=state.today, order=order)
        else:
            days = state.days.setdefault(name, {})
            if len(days) > MAX_MEMO:
                days.clear()

            def parse(text: str) -> Any:
                # A date with a plain valid time (12/1/2010 8:26): the day is read once
                # per distinct date part, not once per distinct moment.
                head, space, clock = text.partition(" ")
                if not (space and _CLOCK.fullmatch(clock) and _DAY_PART.fullmatch(head)):
                    return parse_date(text, today=state.today, order=order)
                day = days.get(head)
                if day is None:
                    try:
                        day = days[head] = parse_date(head, today=state.today, order=order)
                    except ValueError as exc:
                        day = days[head] = exc
                if isinstance(day, ValueError):
                    raise day
                return day

        return self.parsed_series(name, parse, required=required)

    def amount(self, name: str, *, required: bool = False) -> list[Decimal | None]:
        """The column parsed as amounts (``decimal_comma`` as the import says)."""
        comma = self.state.decimal_comma
        return self.parsed(
            name, lambda text: parse_amount(text, decimal_comma=comma), required=required
        )

    def unique_ids(
        self, name: str, ids: pd.Series, *, kind: str, count_normalised: bool = True
    ) -> None:
        """Report ids seen before in this file (also when they differ only by case,
        spaces or full-width characters), naming the row that had the id first."""
        seen = self.state.seen.setdefault(kind, HashRuns())
        raw = self.raw(name)
        present = ids.notna().to_numpy()
        if count_normalised:
            self.state.normalised_ids += int(((raw != ids).to_numpy() & present).sum())
        if not present.any():  # empty ids are reported as required
            return
        rows = ids.index.to_numpy(dtype=np.int64)[present]
        keys = texts(_casefolded(ids.to_numpy()[present].tolist()))
        codes, first = first_positions(keys)
        hashes = key_hashes(keys[first])
        found, earlier = seen.get(hashes)
        new = ~found
        seen.add((hashes[0][new], hashes[1][new]), rows[first[new]])
        twin = np.where(found, earlier, rows[first])[codes]
        duplicate = twin != rows
        if not duplicate.any():  # the usual case
            return
        header = self.header(name)
        here = set(ids.index.tolist())
        for row, other_row in zip(rows[duplicate].tolist(), twin[duplicate].tolist(), strict=True):
            written = str(raw.at[row])  # noqa: PD008 - one cell: .at is pandas' scalar accessor
            if other_row in here:
                reason = _duplicate_reason(other_row, str(raw.at[other_row]), written)  # noqa: PD008 - one cell
                self.state.add(row, header, written, reason)
            else:
                self.state.defer(
                    row,
                    header,
                    written,
                    source=("file", header),
                    ref=other_row,
                    reason=partial(_duplicate_reason, other_row, written=written),
                )
        self.bad.loc[rows[duplicate]] = True
