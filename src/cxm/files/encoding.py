"""Which text encoding a file is in: BOM, else UTF-8, else GB18030, else a guess.

Chinese spreadsheets arrive as UTF-8 (with or without BOM), GBK/GB18030 (Excel's "CSV" on
a Chinese Windows) or UTF-16 ("Unicode text"). GB18030 is a superset of GBK and GB2312, so
one decoder covers all three. A file whose lines are in *different* encodings (rows pasted
from two exports) is refused, naming the first line that does not fit, rather than read as
mojibake.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["BLOCK_BYTES", "MAX_GUESS_CHAOS", "detect_encoding"]

#: Bytes read at a time while checking a file (constant memory for any file size).
BLOCK_BYTES = 1 << 20
#: Largest charset-normalizer "mess ratio" accepted for a guessed encoding.
MAX_GUESS_CHAOS = 0.05

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly, read block by block."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as fh:
        try:
            while block := fh.read(BLOCK_BYTES):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _classify_lines(path: Path) -> tuple[int | None, int | None, int | None]:
    """First line that is UTF-8 with Chinese text, first line that is not UTF-8, and first
    line that is not GB18030 either (1-based; ``None`` when there is none)."""
    first_utf8_cjk = first_not_utf8 = first_not_gb = None
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if raw.isascii():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                if first_not_utf8 is None:
                    first_not_utf8 = number
                if first_not_gb is None:
                    try:
                        raw.decode("gb18030")
                    except UnicodeDecodeError:
                        first_not_gb = number
            else:
                if first_utf8_cjk is None and _has_cjk(text):
                    first_utf8_cjk = number
            if first_utf8_cjk and first_not_utf8 and first_not_gb:
                break
    return first_utf8_cjk, first_not_utf8, first_not_gb


def _guess(path: Path) -> str | None:
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        sample = fh.read(BLOCK_BYTES)
    best = from_bytes(sample).best()
    # A high "chaos" means the guess is mojibake in some single-byte code page: refuse it.
    if best is None or best.chaos > MAX_GUESS_CHAOS:
        return None
    return str(best.encoding)


def detect_encoding(path: str | Path) -> str:
    """The Python codec name to read ``path`` with.

    Order: a byte-order mark (UTF-8-SIG, UTF-16/32 LE/BE); else UTF-8 if every byte is valid
    UTF-8; else GB18030 if every line is valid GB18030 and no line is UTF-8 Chinese text;
    else the best guess of charset-normalizer if it decodes the whole file.

    Raises
    ------
    InputError
        When the lines of the file are in different encodings, or no encoding reads it;
        the message names the first line that does not fit.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if _decodes(path, "utf-8"):
        return "utf-8"
    first_utf8_cjk, first_not_utf8, first_not_gb = _classify_lines(path)
    if first_utf8_cjk is not None and first_not_utf8 is not None:
        raise InputError(
            _(
                "{file} mixes text encodings: line {good} is UTF-8 but line {bad} is not. "
                "Save the whole file in one encoding (UTF-8 is best) and import it again.",
                file=path.name,
                good=first_utf8_cjk,
                bad=first_not_utf8,
            )
        )
    if first_not_gb is None:
        return "gb18030"
    guess = _guess(path)
    if guess and _decodes(path, guess):
        return guess
    raise InputError(
        _(
            "{file} is in an unknown or mixed text encoding: line {line} is neither UTF-8 nor "
            "GBK/GB18030. Save the file as UTF-8 and import it again.",
            file=path.name,
            line=first_not_gb,
        )
    )
