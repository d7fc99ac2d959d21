"""Plain JSON values from what analytics returns (numpy and pandas scalars, frames,
decimals, dates): the ``--json`` output of the CLI and the data of the report's sections."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["records", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Turn numpy/pandas/decimal/date values into plain JSON values (NaN → null)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return to_jsonable(value.item())
    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame's rows as dicts keyed by column name (as text): a ``--json`` list."""
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
