"""What a report is made of: sections of figures, tables, charts and decision sentences.

Every figure, table and chart carries its *source*: the CLI command whose ``--json`` output
holds the same number (DESIGN.md: every number a report shows can be recomputed from the
CLI). The model holds already-translated text; rendering only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: The states of a section: shown; no data yet (no wave, no survey of that kind); answers
#: below the minimum n; an optional dependency missing; the data made the analysis fail.
SHOWN, NO_DATA, TOO_FEW, NOT_AVAILABLE, NOT_COMPUTED = (
    "shown",
    "no_data",
    "too_few",
    "not_available",
    "not_computed",
)

__all__ = [
    "NOT_AVAILABLE",
    "NOT_COMPUTED",
    "NO_DATA",
    "SHOWN",
    "TOO_FEW",
    "Chart",
    "Decision",
    "Figure",
    "Report",
    "Section",
    "Series",
    "Table",
]


@dataclass(frozen=True)
class Figure:
    """One headline number: ``value`` is the raw number; ``text`` is how it is shown."""

    label: str
    value: float | None
    text: str
    source: str
    detail: str = ""
    #: "up", "down" or "" — drawn as an arrow beside the number.
    trend: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: str
    note: str = ""


@dataclass(frozen=True)
class Series:
    """One series of a chart; ``error`` holds half-widths (or None) for error bars."""

    name: str
    x: tuple[Any, ...]
    y: tuple[float | None, ...]
    error: tuple[float | None, ...] | None = None
    labels: tuple[str, ...] | None = None
    mode: Literal["bar", "line", "step", "marker"] = "bar"


@dataclass(frozen=True)
class Chart:
    """A chart described once and drawn twice: Plotly (interactive HTML) and SVG (PDF).

    ``kind`` "bar" draws categories on x; "hbar" categories on y; "xy" numeric axes
    (scatter, lines, survival steps). ``hlines``/``vlines`` are reference lines (targets,
    quadrant borders) as ``(value, label)``.
    """

    key: str
    title: str
    kind: Literal["bar", "hbar", "xy"]
    series: tuple[Series, ...]
    source: str
    x_title: str = ""
    y_title: str = ""
    hlines: tuple[tuple[float, str], ...] = ()
    vlines: tuple[tuple[float, str], ...] = ()
    y_range: tuple[float, float] | None = None
    x_range: tuple[float, float] | None = None
    percent: bool = False


@dataclass(frozen=True)
class Decision:
    """A sentence that says what the numbers suggest doing."""

    text: str
    source: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    #: An SVG drawn by the section itself (the PLS model diagram).
    diagram_svg: str = ""
    #: Free-text items shown escaped (open comments).
    quotes: list[str] = field(default_factory=list)
    #: Set when the data is not there: the section says so instead of failing.
    unavailable: str = ""
    #: Why the section shows what it shows: :data:`SHOWN`, :data:`NO_DATA`,
    #: :data:`TOO_FEW`, :data:`NOT_AVAILABLE` or :data:`NOT_COMPUTED`.
    state: str = "shown"
    #: The JSON document the section was built from (what the CLI prints).
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    title: str
    subtitle: str
    lang: str
    generated_at: datetime
    sections: list[Section]
    footer: str = ""

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)
