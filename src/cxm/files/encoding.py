"""Which text encoding a file is in: BOM, else UTF-8, else GB18030, else a guess — and
whether its bytes are text at all.

Chinese spreadsheets arrive as UTF-8 (with or without BOM), GBK/GB18030 (Excel's "CSV" on
a Chinese Windows) or UTF-16 ("Unicode text"). GB18030 is a superset of GBK and GB2312, so
one decoder covers all three. Some tools put a UTF-8 byte-order mark in front of GBK text;
such a file is read as GB18030 after the mark (:data:`BOM_GB18030`) when every line of it
is GB18030. A file whose lines are in *different* encodings (rows pasted from two exports)
is refused, naming the data row, the line and the byte offset of the first line that does
not fit, rather than read as mojibake. NUL and other control characters (anything below
U+0020 but tab, line feed and carriage return, and U+007F) are refused too: a C parser
stops reading a cell at a NUL, so a name would silently lose its end.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "BLOCK_BYTES",
    "BOM_GB18030",
    "CONTROL_CHARACTERS",
    "MAX_GUESS_CHAOS",
    "control_name",
    "detect_encoding",
]

#: Bytes read at a time while checking a file (constant memory for any file size).
BLOCK_BYTES = 1 << 20
#: Largest charset-normalizer "mess ratio" accepted for a guessed encoding.
MAX_GUESS_CHAOS = 0.05
#: Codec name of GB18030 text behind a UTF-8 byte-order mark (registered on import).
BOM_GB18030 = "cxm_bom_gb18030"
#: Characters refused in any text cell (a regex character class).
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL_BYTES = re.compile(f"[{CONTROL_CHARACTERS}]".encode())
#: Every control byte to NUL, every other byte to 1: ``translate`` then ``find`` is a
#: quarter of a regular expression's search.
_CONTROL_TO_NUL = bytes(0 if _CONTROL_BYTES.match(bytes([b])) else 1 for b in range(256))
_CONTROL_TEXT = re.compile(f"[{CONTROL_CHARACTERS}]")
_CONTROL_NAMES = {0: "NUL", 0x1A: "SUB", 0x1B: "ESC", 0x7F: "DEL", 0x0B: "VT", 0x0C: "FF"}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# -- GB18030 behind a UTF-8 byte-order mark -----------------------------------------------
class _BomGbDecoder(codecs.IncrementalDecoder):
    """GB18030, skipping a UTF-8 byte-order mark at the very start."""

    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._inner = codecs.getincrementaldecoder("gb18030")(errors)
        self._head = b""
        self._started = False

    def decode(self, input: Buffer, final: bool = False) -> str:  # `input`: the codec API
        data = bytes(input)
        if not self._started:
            self._head += data
            if len(self._head) < len(codecs.BOM_UTF8) and not final:
                return ""
            data = self._head.removeprefix(codecs.BOM_UTF8)
            self._head, self._started = b"", True
        return str(self._inner.decode(data, final))

    def reset(self) -> None:
        self._inner.reset()
        self._head, self._started = b"", False


def _bom_gb_decode(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
    raw = bytes(data)
    return codecs.decode(raw.removeprefix(codecs.BOM_UTF8), "gb18030", errors), len(raw)


def _bom_gb_encode(text: str, errors: str = "strict", /) -> tuple[bytes, int]:
    return codecs.BOM_UTF8 + codecs.encode(text, "gb18030", errors), len(text)


class _BomGbReader(codecs.StreamReader):
    def decode(self, input: Buffer, errors: str = "strict") -> tuple[str, int]:
        return _bom_gb_decode(input, errors)


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != BOM_GB18030:
        return None
    return codecs.CodecInfo(
        name=BOM_GB18030,
        encode=_bom_gb_encode,
        decode=_bom_gb_decode,
        incrementaldecoder=_BomGbDecoder,
        incrementalencoder=codecs.getincrementalencoder("gb18030"),
        streamreader=_BomGbReader,
        streamwriter=codecs.getwriter("gb18030"),
    )


codecs.register(_search)


# -- where a file stops being text ----------------------------------------------------------
@dataclass(frozen=True)
class _Spot:
    """A place in a file: 1-based line, 0-based byte offset."""

    line: int
    offset: int


def _lines(path: Path, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset of the line, raw line) for each line from ``start``."""
    offset = start
    with path.open("rb") as fh:
        fh.seek(start)
        for number, raw in enumerate(fh, start=1):
            yield number, offset, raw
            offset += len(raw)


def _decodes(path: Path, encoding: str, start: int = 0) -> bool:
    """Whether the whole file (from byte ``start``) decodes strictly, block by block."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as fh:
        fh.seek(start)
        try:
            while block := fh.read(BLOCK_BYTES):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def _classify_lines(path: Path, start: int) -> tuple[_Spot | None, _Spot | None, _Spot | None]:
    """First line that is UTF-8 with Chinese text, first byte that is not UTF-8, and first
    byte that is not GB18030 either (``None`` when there is none)."""
    utf8_cjk = not_utf8 = not_gb = None
    for number, offset, raw in _lines(path, start):
        if raw.isascii():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not_utf8 is None:
                not_utf8 = _Spot(number, offset + exc.start)
            if not_gb is None:
                try:
                    raw.decode("gb18030")
                except UnicodeDecodeError as gb_exc:
                    not_gb = _Spot(number, offset + gb_exc.start)
        else:
            if utf8_cjk is None and _has_cjk(text):
                utf8_cjk = _Spot(number, offset)
        if utf8_cjk and not_utf8 and not_gb:
            break
    return utf8_cjk, not_utf8, not_gb


def _guess(path: Path) -> str | None:
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        sample = fh.read(BLOCK_BYTES)
    best = from_bytes(sample).best()
    # A high "chaos" means the guess is mojibake in some single-byte code page: refuse it.
    if best is None or best.chaos > MAX_GUESS_CHAOS:
        return None
    return str(best.encoding)


def data_row(path: Path, encoding: str, line: int) -> int:
    """The data row (1 = the first row after the header) that begins on or spans ``line``
    of a CSV file, counting records as a CSV reader does (a quoted cell may hold line
    breaks) and skipping blank lines as the table readers do."""
    from cxm.files.formats import DELIMITERS

    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        first = ""
        for first in fh:
            if first.strip():
                break
        delimiter = max(DELIMITERS, key=lambda d: (first.count(d), d == ","))
        fh.seek(0)
        records = 0
        reader = csv.reader(fh, delimiter=delimiter)
        for record in reader:
            if any(cell.strip() for cell in record):
                records += 1
            if reader.line_num >= line:
                break
    return max(records - 1, 0)


def control_name(char: str) -> str:
    """``U+0000 (NUL)``: how a refused character is named in a message."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def _control_in_bytes(path: Path, start: int) -> tuple[_Spot, str] | None:
    """The first control byte of an 8-bit or UTF-8 file (never part of a multi-byte
    character in UTF-8 or GB18030), found block by block."""
    with path.open("rb") as fh:
        fh.seek(start)
        base, lines = start, 1
        while block := fh.read(BLOCK_BYTES):
            at = block.translate(_CONTROL_TO_NUL).find(0)
            if at >= 0:
                line = lines + block.count(b"\n", 0, at)
                return _Spot(line, base + at), chr(block[at])
            lines += block.count(b"\n")
            base += len(block)
    return None


def _control_in_text(path: Path, encoding: str) -> tuple[_Spot, str] | None:
    """The first control character of a UTF-16/32 file (offset in characters' bytes is not
    exact for surrogate pairs; the line is)."""
    with path.open("r", encoding=encoding, newline="") as fh:
        for number, line in enumerate(fh, start=1):
            found = _CONTROL_TEXT.search(line)
            if found is not None:
                return _Spot(number, -1), found.group()
    return None


def _refuse_control(path: Path, encoding: str, start: int) -> None:
    if encoding in ("utf-16", "utf-32"):
        hit = _control_in_text(path, encoding)
    else:
        hit = _control_in_bytes(path, start)
    if hit is None:
        return
    spot, char = hit
    row = data_row(path, encoding, spot.line)
    where = (
        _("line {line}, byte {offset}", line=spot.line, offset=spot.offset)
        if spot.offset >= 0
        else _("line {line}", line=spot.line)
    )
    raise InputError(
        _(
            "{file}: data row {row} ({where}) holds the control character {char}, which is "
            "not text; remove it (or export the file again) and import it again.",
            file=path.name,
            row=row,
            where=where,
            char=control_name(char),
        )
    )


def _mixed(path: Path, encoding: str, good: _Spot, bad: _Spot) -> InputError:
    return InputError(
        _(
            "{file} mixes text encodings: line {good} is UTF-8 but data row {row} (line "
            "{line}, byte {offset}) is not. Save the whole file in one encoding (UTF-8 is "
            "best) and import it again.",
            file=path.name,
            good=good.line,
            row=data_row(path, encoding, bad.line),
            line=bad.line,
            offset=bad.offset,
        )
    )


def _unreadable(path: Path, encoding: str, bad: _Spot) -> InputError:
    return InputError(
        _(
            "{file} is in an unknown or mixed text encoding: data row {row} (line {line}, "
            "byte {offset}) is neither UTF-8 nor GBK/GB18030. Save the file as UTF-8 and "
            "import it again.",
            file=path.name,
            row=data_row(path, encoding, bad.line),
            line=bad.line,
            offset=bad.offset,
        )
    )


def _sniff(path: Path) -> tuple[str, int]:
    """The codec and the byte where the text starts (after a BOM)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, name in _BOMS:
        if not head.startswith(bom):
            continue
        if name != "utf-8-sig":
            if not _decodes(path, name):
                raise InputError(
                    _(
                        "{file} starts as {encoding} but is not valid {encoding} text "
                        "throughout. Save the file as UTF-8 and import it again.",
                        file=path.name,
                        encoding=name.upper(),
                    )
                )
            return name, 0
        start = len(bom)
        if _decodes(path, "utf-8", start):
            return name, start
        return _eight_bit(path, start, bom_gb=True), start
    if _decodes(path, "utf-8"):
        return "utf-8", 0
    return _eight_bit(path, 0, bom_gb=False), 0


def _eight_bit(path: Path, start: int, *, bom_gb: bool) -> str:
    """A file that is not UTF-8 throughout: GB18030 if every line is, else a guess."""
    utf8_cjk, not_utf8, not_gb = _classify_lines(path, start)
    prefix = "utf-8-sig" if bom_gb else "utf-8"
    if utf8_cjk is not None and not_utf8 is not None:
        raise _mixed(path, prefix, utf8_cjk, not_utf8)
    if not_gb is None:
        return BOM_GB18030 if bom_gb else "gb18030"
    if not bom_gb:
        guess = _guess(path)
        if guess and _decodes(path, guess):
            return guess
    raise _unreadable(path, prefix, not_gb)


def detect_encoding(path: str | Path) -> str:
    """The Python codec name to read ``path`` with.

    Order: a byte-order mark (UTF-8-SIG, UTF-16/32 LE/BE; GBK text behind a UTF-8 mark
    gives :data:`BOM_GB18030`); else UTF-8 if every byte is valid UTF-8; else GB18030 if
    every line is valid GB18030 and no line is UTF-8 Chinese text; else the best guess of
    charset-normalizer if it decodes the whole file.

    Raises
    ------
    InputError
        When the lines of the file are in different encodings, no encoding reads it, or
        it holds a control character; the message names the data row, line and byte.
    """
    path = Path(path)
    encoding, start = _sniff(path)
    _refuse_control(path, encoding, start)
    return encoding
