"""How to read one export: which column is which field, how its values, dates and amounts
are written — from a YAML mapping file, a built-in preset (:mod:`cxm.files.presets`), or
both (the mapping file wins key by key, and the import says so).

A mapping file::

    columns:                 # file header -> field; "attr:<name>" keeps it as an attribute,
      InvoiceNo: order_id    # "ignore" drops it without a warning
      Kundennummer: customer_id
      Land: attr:country
    values:                  # field -> {value in the file: value stored}
      status: {Aktiv: active, Gekündigt: churned}
    date_format: DMY         # YMD, DMY, MDY or a strftime pattern such as "%d.%m.%Y %H:%M"
    decimal_comma: true      # 1.234,50 is one thousand two hundred and thirty-four and a half
    delimiter: ";"           # else sniffed from the header
    encoding: gbk            # else detected
    skip: {status: [voided]} # rows whose field has one of these values are skipped (counted)
    skip_without: [customer_id]   # rows with no value there are skipped (counted)
    customer_key: email      # orders: find the customer by external_id (default), email or phone
    cancel_prefix: C         # orders: an order id starting with it cancels an earlier order
    header_rows: 1           # rows of headers (Qualtrics writes 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cxm.errors import InputError
from cxm.files.parsing import DATE_ORDERS
from cxm.i18n import _

__all__ = ["CUSTOMER_KEYS", "FileMapping", "combine", "load_mapping"]

#: How an order line may find its customer.
CUSTOMER_KEYS = ("external_id", "email", "phone")
_KEYS = (
    "columns",
    "values",
    "date_format",
    "decimal_comma",
    "delimiter",
    "encoding",
    "skip",
    "skip_without",
    "customer_key",
    "cancel_prefix",
    "header_rows",
    "join",
)


@dataclass(frozen=True)
class Join:
    """Columns looked up in a second file of the same export, by a shared key (Olist keeps
    the customer and date of an order in ``olist_orders_dataset.csv``, not in its items)."""

    file: str
    on: str
    columns: Mapping[str, str]


@dataclass(frozen=True)
class FileMapping:
    """What a mapping file or a preset says; ``None`` / empty means "not said"."""

    name: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    date_format: str | None = None
    decimal_comma: bool | None = None
    delimiter: str | None = None
    encoding: str | None = None
    skip: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    skip_without: tuple[str, ...] = ()
    customer_key: str | None = None
    cancel_prefix: str | None = None
    header_rows: int | None = None
    join: Join | None = None
    #: keys this mapping set that another one also set (filled by :func:`combine`)
    overridden: tuple[str, ...] = ()

    def field_of(self, header: str) -> str | None:
        return self.columns.get(header)

    def describe(self) -> dict[str, Any]:
        """The mapping as plain data, for a dry run's printout."""
        out: dict[str, Any] = {"name": self.name, "columns": dict(self.columns)}
        for key in _KEYS[1:]:
            value = getattr(self, key)
            if value not in (None, {}, ()):
                out[key] = value if not isinstance(value, Join) else value.__dict__
        return out


def _problem(source: str, key: str, reason: str) -> InputError:
    return InputError(
        _("{file}: the mapping key {key!r} {reason}.", file=source, key=key, reason=reason)
    )


def _text_map(source: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _problem(source, key, _("must be a table of name: value"))
    return {str(k): str(v) for k, v in value.items()}


def from_dict(data: Mapping[str, Any], *, name: str) -> FileMapping:
    """A :class:`FileMapping` from parsed YAML; InputError naming the first bad key."""
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise _problem(name, unknown[0], _("is not known; use {keys}", keys=", ".join(_KEYS)))
    columns = _text_map(name, "columns", data.get("columns") or {})
    values_in = data.get("values") or {}
    if not isinstance(values_in, dict):
        raise _problem(name, "values", _("must be a table of field: {{value: stored}}"))
    values = {str(f): _text_map(name, f"values.{f}", v) for f, v in values_in.items()}
    date_format = data.get("date_format")
    if date_format is not None:
        date_format = str(date_format).strip()
        if date_format.upper() in DATE_ORDERS:
            date_format = date_format.upper()
        elif "%" not in date_format:
            raise _problem(name, "date_format", _("must be YMD, DMY, MDY or a strftime pattern"))
    decimal_comma = data.get("decimal_comma")
    if decimal_comma is not None and not isinstance(decimal_comma, bool):
        raise _problem(name, "decimal_comma", _("must be true or false"))
    skip_in = data.get("skip") or {}
    if not isinstance(skip_in, dict):
        raise _problem(name, "skip", _("must be a table of field: [values]"))
    skip = {
        str(f): tuple(str(v) for v in (vs if isinstance(vs, list) else [vs]))
        for f, vs in skip_in.items()
    }
    skip_without = data.get("skip_without") or []
    if not isinstance(skip_without, list):
        raise _problem(name, "skip_without", _("must be a list of fields"))
    customer_key = data.get("customer_key")
    if customer_key is not None and customer_key not in CUSTOMER_KEYS:
        raise _problem(
            name, "customer_key", _("must be one of {keys}", keys=", ".join(CUSTOMER_KEYS))
        )
    header_rows = data.get("header_rows")
    if header_rows is not None and (not isinstance(header_rows, int) or not 1 <= header_rows <= 5):
        raise _problem(name, "header_rows", _("must be a whole number from 1 to 5"))
    join = None
    if data.get("join") is not None:
        j = data["join"]
        if isinstance(j, dict):  # YAML 1.1 reads an unquoted key "on" as true
            j = {("on" if k is True else k): v for k, v in j.items()}
        if not isinstance(j, dict) or not {"file", "on", "columns"} <= set(j):
            raise _problem(name, "join", _("needs file, on and columns"))
        other = str(j["file"])
        if not other or other != Path(other).name or other in (".", ".."):
            raise _problem(
                name, "join.file", _("must be the name of a file beside the import file")
            )
        join = Join(other, str(j["on"]), _text_map(name, "join.columns", j["columns"]))
    delimiter = data.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise _problem(name, "delimiter", _("must be one character"))
    encoding = data.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise _problem(name, "encoding", _("names no known encoding")) from None
    return FileMapping(
        name=name,
        columns=columns,
        values=values,
        date_format=date_format,
        decimal_comma=decimal_comma,
        delimiter=delimiter,
        encoding=None if encoding is None else str(encoding),
        skip=skip,
        skip_without=tuple(str(f) for f in skip_without),
        customer_key=customer_key,
        cancel_prefix=None if data.get("cancel_prefix") is None else str(data["cancel_prefix"]),
        header_rows=header_rows,
        join=join,
    )


def load_mapping(path: str | Path) -> FileMapping:
    """Read a YAML mapping file (see the module notes)."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(
            _("{file} cannot be read: {reason}", file=str(p), reason=exc.strerror or str(exc))
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            _("{file} is not valid YAML: {reason}", file=p.name, reason=str(exc))
        ) from None
    if not isinstance(data, dict):
        raise InputError(_("{file}: a mapping file is a YAML table of keys.", file=p.name))
    return from_dict(data, name=p.name)


def combine(preset: FileMapping | None, mapping: FileMapping | None) -> FileMapping:
    """The mapping to use: the mapping file's keys win over the preset's; column by column
    and value by value for ``columns`` and ``values``. ``overridden`` lists what the mapping
    file changed in the preset, so the import can say which won."""
    if preset is None:
        return mapping or FileMapping()
    if mapping is None:
        return preset
    overridden: list[str] = []
    merged: dict[str, Any] = {}
    for f in fields(FileMapping):
        if f.name in ("name", "overridden"):
            continue
        theirs, ours = getattr(preset, f.name), getattr(mapping, f.name)
        if f.name in ("columns", "values", "skip"):
            both = sorted(set(theirs) & set(ours))
            overridden += [f"{f.name}.{k}" for k in both if theirs[k] != ours[k]]
            merged[f.name] = {**theirs, **ours}
        elif ours not in (None, ()):
            if theirs not in (None, ()) and theirs != ours:
                overridden.append(f.name)
            merged[f.name] = ours
        else:
            merged[f.name] = theirs
    return replace(
        preset,
        name=f"{preset.name} + {mapping.name}",
        overridden=tuple(overridden),
        **merged,
    )
