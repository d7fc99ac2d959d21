"""The command line's help pages in Chinese (issue 14 c).

The English texts in the code — command docstrings, ``typer.Typer(help=…)`` and every
option's ``help=`` — are the message ids; their zh-CN texts are in
``locales/zh-CN/cli_help.json`` (zh-TW comes from them through OpenCC, as every other
message does). :func:`localise` gives each command of the click tree that typer builds a
context class whose help page is translated when it is rendered, so only a page that is
shown touches the catalogue, and an English run touches nothing.

``python -m cxm.cli.help_catalogue --check`` lists the help texts without a translation
(exit 1 when there is one); ``--missing-json`` prints them as a JSON object to fill in.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from cxm.i18n import _, catalog, language

__all__ = ["help_texts", "localise", "main", "missing"]

#: Texts of click and typer themselves that a help page shows.
BUILTIN: tuple[str, ...] = ("Show this message and exit.",)

#: Headings and the ``[default: …; required]`` notes typer adds, with their translations
#: looked up through ``_()`` (literal ids, so ``tests/test_i18n.py`` checks them).
_HEADINGS = {
    "Options": lambda: _("Options"),
    "Arguments": lambda: _("Arguments"),
    "Commands": lambda: _("Commands"),
}
_NOTE = re.compile(r"\s\s\[([^\[\]]*)\]$")


def _walk(command: Any) -> Iterator[Any]:
    yield command
    for name in sorted(getattr(command, "commands", {}) or {}):
        yield from _walk(command.commands[name])


def _own_texts(command: Any) -> list[str]:
    texts = [command.help, command.short_help]
    texts += [getattr(param, "help", None) for param in command.params]
    return [t for t in texts if t]


def help_texts(command: Any) -> list[str]:
    """Every help text of ``command`` and the commands under it, in tree order, once."""
    seen: dict[str, None] = {}
    for cmd in _walk(command):
        for text in _own_texts(cmd):
            seen.setdefault(text, None)
    for text in BUILTIN:
        seen.setdefault(text, None)
    return list(seen)


def missing(command: Any) -> list[str]:
    """The help texts that have no zh-CN translation."""
    zh = catalog("zh-CN")
    return [t for t in help_texts(command) if t not in zh]


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _width(text: str) -> int:
    return sum(2 if _is_wide(c) else 1 for c in text)


#: Punctuation that must not begin a line.
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)]")
#: Punctuation that must not end a line.
_NO_LINE_END = set("（《「『“‘([")


def _tokens(paragraph: str) -> list[str]:
    """Words of ASCII text and single wide characters; a space is its own token."""
    out: list[str] = []
    for piece in re.findall(r"\s+|[^\s]", paragraph):
        if piece.isspace():
            out.append(" ")
        elif out and (
            # an ASCII word goes on
            (out[-1] != " " and not _is_wide(piece) and not _is_wide(out[-1][-1]))
            # punctuation stays with its neighbour
            or piece in _NO_LINE_START
            or out[-1][-1] in _NO_LINE_END
        ):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in (ln.strip() for ln in lines):
        if text and not (_is_wide(text[-1]) or (line and _is_wide(line[0]))):
            text += " "
        text += line
    return text


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap ``text`` to ``width`` terminal columns, a Chinese character counting two;
    paragraphs (split by a blank line) are kept."""
    paragraphs = [p.splitlines() for p in re.split(r"\n\s*\n", text.expandtabs())]
    out = []
    for lines in paragraphs:
        line, rows = initial_indent, []
        for piece in _tokens(_join_lines(lines)):
            if piece == " ":
                if line.strip():
                    line += " "
                continue
            if _width(line) + _width(piece) > width and line.strip():
                rows.append(line.rstrip())
                line = subsequent_indent
            line += piece
        rows.append(line.rstrip())
        out.append("\n".join(rows))
    return "\n\n".join(out)


def _translate_notes(text: str) -> str:
    """Typer's trailing ``[default: …; env var: …; required]`` in the current language."""
    found = _NOTE.search(text)
    if found is None:
        return text
    items = []
    for item in found.group(1).split("; "):
        if item == "required":
            item = _("required")
        elif item.startswith("default: "):
            item = _("default: {default}", default=item[len("default: ") :])
        elif item.startswith("env var: "):
            item = _("env var: {var}", var=item[len("env var: ") :])
        items.append(item)
    return text[: found.start()] + "  [" + "；".join(items) + "]"


def _formatter_class(base: type[Any]) -> type[Any]:
    class ChineseHelpFormatter(base):  # type: ignore[misc]
        """Click's help formatter with translated headings and width-aware wrapping."""

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            usage = prefix
            if usage is None:
                usage = _("Usage:")
                usage += "" if _is_wide(usage[-1]) else " "
            super().write_usage(prog, args, prefix=usage)

        def write_heading(self, heading: str) -> None:
            label = _HEADINGS.get(heading)
            self.write(f"{'':>{self.current_indent}}{label() if label else heading}：\n")

        def write_text(self, text: str) -> None:
            indent = " " * self.current_indent
            self.write(wrap(text, self.width, indent, indent) + "\n")

        def write_dl(
            self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
        ) -> None:
            rows = [
                (first, _translate_notes(_(second)) if second else second) for first, second in rows
            ]
            first_col = min(max((_width(r[0]) for r in rows), default=0), col_max) + col_spacing
            for first, second in rows:
                self.write(f"{'':>{self.current_indent}}{first}")
                if not second:
                    self.write("\n")
                    continue
                if _width(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - _width(first)))
                else:
                    self.write("\n" + " " * (first_col + self.current_indent))
                text_width = max(self.width - first_col - 2, 10)
                lines = wrap(second, text_width).splitlines() or [""]
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    pad = first_col + self.current_indent
                    self.write(f"{'':>{pad}}{line}\n" if line else "\n")

    return ChineseHelpFormatter


def _translate_command(command: Any, lang: str) -> None:
    """Put ``command``'s own help texts, and its subcommands' short ones, in ``lang``."""
    if getattr(command, "_cxm_help_lang", None) == lang:
        return
    with language(lang):
        for cmd in [command, *(getattr(command, "commands", {}) or {}).values()]:
            original = getattr(cmd, "_cxm_help_en", None)
            if original is None:
                original = (
                    cmd.help,
                    cmd.short_help,
                    [getattr(p, "help", None) for p in cmd.params],
                )
                cmd._cxm_help_en = original
            help_text, short_help, params = original
            if help_text:
                if cmd is command:
                    cmd.help = _(help_text)
                # The listing shows the first sentence whole (click would cut Chinese at
                # 45 characters, as if it were one long word).
                first = _(help_text).split("\n\n")[0]
                cmd.short_help = _(short_help) if short_help else re.split(r"(?<=。)", first)[0]
            for param, text in zip(cmd.params, params, strict=True):
                if text and cmd is command:
                    param.help = _(text)
    command._cxm_help_lang = lang


def _context_class(base: type[Any], lang: str) -> type[Any]:
    class ChineseHelpContext(base):  # type: ignore[misc]
        """A context whose help page is translated into ``lang`` when it is rendered."""

        formatter_class = _formatter_class(base.formatter_class)

        def get_help(self) -> str:
            _translate_command(self.command, lang)
            with language(lang):
                return str(super().get_help())

        def get_usage(self) -> str:
            with language(lang):
                return str(super().get_usage())

    return ChineseHelpContext


def localise(command: Any, lang: str) -> None:
    """Make every help page of ``command``'s tree render in ``lang`` (zh-CN or zh-TW)."""
    made: dict[type[Any], type[Any]] = {}
    for cmd in _walk(command):
        base = cmd.context_class
        if base not in made:
            made[base] = _context_class(base, lang)
        cmd.context_class = made[base]


def main(argv: list[str] | None = None) -> int:
    import typer

    from cxm.cli import app

    args = sys.argv[1:] if argv is None else argv
    gaps = missing(typer.main.get_command(app))
    if "--missing-json" in args:
        sys.stdout.write(json.dumps(dict.fromkeys(gaps, ""), ensure_ascii=False, indent=2) + "\n")
        return 0
    sys.stdout.write("".join(f"{text!r}\n" for text in gaps))
    sys.stderr.write(f"{len(gaps)} help texts without a zh-CN translation\n")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
