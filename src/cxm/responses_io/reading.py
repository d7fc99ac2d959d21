"""Read a responses file as the survey tool wrote it: header rows, tool, SPSS labels.

* **Header rows.** Qualtrics writes three (export tags, question texts, ``{"ImportId"…}``);
  the legacy Qualtrics exporter names its response columns ``V1``…``V10`` and writes the
  real names (``ResponseID`` … ``Finished``) in the next row; LimeSurvey writes one. Rows
  under the header that are more headers are recognised and dropped, however many.
* **SPSS.** A .sav is read with its user-missing values kept (``user_missing=True``), so
  that CXM's own "don't know" code (−99, declared missing) comes back as "don't know" and
  any other declared missing value as no answer; value labels come along for matching
  codes to choices by their text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxm.errors import InputError
from cxm.files.formats import cell_text, file_kind
from cxm.files.tables import iter_chunks
from cxm.i18n import _

__all__ = ["LEGACY_QUALTRICS", "ResponsesFile", "read_responses_file"]

#: What the legacy Qualtrics exporter's V1…V10 are.
LEGACY_QUALTRICS = {
    "V1": "ResponseID",
    "V2": "ResponseSet",
    "V3": "Name",
    "V4": "ExternalDataReference",
    "V5": "EmailAddress",
    "V6": "IPAddress",
    "V7": "Status",
    "V8": "StartDate",
    "V9": "EndDate",
    "V10": "Finished",
}
_HEADER_WORDS = {
    "response id",
    "responseid",
    "start date",
    "startdate",
    "response type",
    "response set",
    "responseset",
}


@dataclass
class ResponsesFile:
    """The data rows of a responses file (text cells, index = data row number as the
    user counts it: 1 = first row under all header rows) and what the tool said about
    its columns."""

    source: str
    header: list[str]
    frame: pd.DataFrame
    header_rows: int = 1
    #: SPSS: column → {code as text: label}
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: SPSS: column → declared missing values and ranges [(lo, hi)]
    user_missing: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def _is_header_row(row: pd.Series) -> bool:
    cells = [str(v).strip() for v in row.tolist()]
    if any(c.startswith('{"ImportId"') for c in cells):
        return True
    return bool(cells) and cells[0].casefold() in _HEADER_WORDS


def _read_sav(path: Path) -> ResponsesFile:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:
        raise InputError(
            _("{file} cannot be read as an SPSS file: {reason}", file=path.name, reason=str(exc))
        ) from None
    labels = {
        col: {cell_text(code): str(label) for code, label in table.items()}
        for col, table in meta.variable_value_labels.items()
    }
    missing: dict[str, list[tuple[float, float]]] = {}
    for col, ranges in (meta.missing_ranges or {}).items():
        missing[col] = [(float(r["lo"]), float(r["hi"])) for r in ranges]  # type: ignore[index]
    for col, values in (getattr(meta, "missing_user_values", None) or {}).items():
        missing.setdefault(col, []).extend(
            (float(v), float(v)) for v in values if isinstance(v, int | float)
        )
    text = frame.map(cell_text).astype(object)
    text.index = pd.RangeIndex(1, len(text) + 1)
    return ResponsesFile("sav", list(frame.columns), text, 1, labels, missing)


def read_responses_file(path: str | Path, *, header_rows: int | None = None) -> ResponsesFile:
    """Read ``path`` (CSV, XLSX or SPSS), dropping extra header rows (see the module notes)."""
    p = Path(path)
    if file_kind(p) == "sav":
        return _read_sav(p)
    with iter_chunks(p) as chunks:
        header = list(chunks.columns)
        frames = list(chunks)
    frame = pd.concat(frames) if frames else pd.DataFrame(columns=header, dtype=object)
    legacy = header[:10] == [f"V{i}" for i in range(1, 11)]
    extra = 0
    if header_rows is not None:
        extra = header_rows - 1
    else:
        while extra < min(len(frame), 4) and _is_header_row(frame.iloc[extra]):
            extra += 1
    if legacy:
        header = [LEGACY_QUALTRICS.get(h, h) for h in header]
        frame.columns = header
    qualtrics = legacy or any(
        str(v).startswith('{"ImportId"') for r in range(extra) for v in frame.iloc[r]
    )
    frame = frame.iloc[extra:]
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    source = "qualtrics-legacy" if legacy else "qualtrics" if qualtrics else "limesurvey"
    if p.suffix.lower() in (".xlsx", ".xlsm") and not qualtrics:
        source = "xlsx"
    return ResponsesFile(source, header, frame, 1 + extra)


def in_missing(ranges: list[tuple[float, float]], text: str) -> float | None:
    """The number ``text`` when it falls in one of ``ranges``, else ``None``."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if any(lo <= value <= hi for lo, hi in ranges) else None


def label_key(text: Any) -> str:
    """How a label is compared: NFKC, case-folded, inner spaces collapsed."""
    from cxm.files.parsing import normalise_text

    return normalise_text(str(text)).casefold()
