"""Rendering helpers shared by CLI commands: JSON, tables, errors, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

from cxm.errors import CXMError, ValidationFailed
from cxm.i18n import _
from cxm.jsonable import to_jsonable

__all__ = [
    "console",
    "err_console",
    "print_error",
    "print_json",
    "print_table",
    "progress_bar",
    "table_cell",
    "to_jsonable",
]


class _OnFirstUse:
    """A rich ``Console`` made when first used: importing rich costs a tenth of a second
    that ``cxm --help`` and the commands that print JSON do not need to spend."""

    def __init__(self, make: Callable[[], Console]) -> None:
        self._make = make
        self._made: Console | None = None

    def real(self) -> Console:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line


console = cast("Console", _OnFirstUse(_console))
err_console = cast("Console", _OnFirstUse(_err_console))

#: How many row problems to print before summarising the rest.
MAX_PROBLEMS_SHOWN = 50


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(table_cell(v) for v in row))
    console.print(table)


def table_cell(value: Any) -> str:
    """A table cell: a time on the company's clock to the minute, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        from cxm.clock import shown_time  # zoneinfo: not on `cxm --help`'s path

        return shown_time(value)
    return str(value)


def print_error(exc: CXMError) -> None:
    from rich.markup import escape

    # The message is text, not markup: "[/…]" in a value must print, not crash rich.
    err_console.print(
        f"[bold red]{_('Error')}:[/] {escape(exc.message)}", markup=True, highlight=False
    )
    if isinstance(exc, ValidationFailed):
        for p in exc.problems[:MAX_PROBLEMS_SHOWN]:
            where = []
            if p.row is not None:
                where.append(_("row {row}", row=p.row))
            if p.column:
                where.append(_("column {column}", column=p.column))
            value = "" if p.value is None else f" {p.value!r}"
            err_console.print(f"  {', '.join(where)}{value}: {p.reason}", markup=False)
        rest = len(exc.problems) - MAX_PROBLEMS_SHOWN
        if rest > 0:
            err_console.print("  " + _("… and {n} more problems.", n=rest), markup=False)


def progress_bar(*, transient: bool = False, disable: bool = False) -> Progress:
    """A progress bar on stderr (so that ``--json`` output on stdout stays clean)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=cast("_OnFirstUse", err_console).real(),
        transient=transient,
        disable=disable,
    )
