"""The ``cxm`` command line. Thin: each command parses, calls one service, renders.

Each command group lives in its own module exposing ``register(app)``; add its name to
:data:`COMMAND_MODULES`. Heavy imports happen inside commands so that ``cxm --help`` is fast.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import typer

from cxm.errors import CXMError
from cxm.i18n import _, language_from_environment, normalise_language, set_language

__all__ = ["COMMAND_MODULES", "app", "build_app", "main"]

#: Modules under ``cxm.cli`` that each add commands with ``register(app)``.
COMMAND_MODULES: tuple[str, ...] = (
    "db",
    "analyze",
    "report",
    "importing",
    "compute",  # after importing: adds the Parquet tables to `cxm export`
    "serve",
    "demo",
    "customers",
    "scores",
    "management",
    "users",
    "surveys",
    "org",
    "audit",
    "cases",
    "hardening",
    "ops",
    "customer_merging",
    "standards",
    "text",
    "loyalty",
    "indices",
    "moments",
    "people",
    "report_schedules",
    "lost",
)


def _root(
    lang: str = typer.Option(
        "", "--lang", envvar="CXM_LANG", help="Language of output: en, zh-CN, zh-TW."
    ),
) -> None:
    """CXM — customer satisfaction and loyalty management."""
    set_language(lang or language_from_environment())


def build_app() -> typer.Typer:
    root = typer.Typer(
        name="cxm",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    root.callback()(_root)
    for name in COMMAND_MODULES:
        import_module(f"cxm.cli.{name}").register(root)
    return root


app = build_app()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; a :class:`CXMError` becomes one clear line, exit code 1."""
    from cxm.cli.context import one_command

    try:
        with one_command():
            result = _run(sys.argv[1:] if argv is None else argv)
        if isinstance(result, int) and result:
            sys.exit(result)
    except CXMError as exc:
        from cxm.cli.output import print_error

        print_error(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write(_("Interrupted.") + "\n")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write(_("Aborted.") + "\n")
        sys.exit(1)
    except Exception as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" or (
            ctx is not None and exc.format_message() == "Missing command."  # type: ignore[attr-defined]
        ):
            # `cxm`, `cxm --lang zh-CN` or `cxm cases` alone: the help page, as `--help`
            # shows it (click would squeeze it onto one error line).
            sys.stdout.write(ctx.get_help() + "\n")  # type: ignore[union-attr]
            sys.exit(0)
        if isinstance(exc, _click_exceptions()):
            # A usage error (a bad number, a missing argument): one line, naming the option
            # and the value given, instead of click's three (usage, hint, error).
            sys.stderr.write(_usage_line(exc, sys.argv[1:] if argv is None else argv) + "\n")
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if os.environ.get("CXM_DEBUG") == "1":
            raise
        sys.stderr.write(
            _("Error: {kind}: {message} (this is a bug of CXM; CXM_DEBUG=1 shows where)",
              kind=type(exc).__name__, message=str(exc).splitlines()[0] if str(exc) else "")
            + "\n"
        )  # fmt: skip
        sys.exit(1)


def _requested_language(argv: list[str]) -> str:
    """The language a run asks for: ``--lang`` before the command, else the environment.

    Needed before click parses anything, because ``--help`` is handled while parsing."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return normalise_language(argv[i + 1] or language_from_environment())
        if arg.startswith("--lang="):
            return normalise_language(arg.partition("=")[2] or language_from_environment())
        if not arg.startswith("-"):
            break
    return normalise_language(language_from_environment())


def _run(argv: list[str]) -> object:
    """Run the command line; in Chinese its help pages are translated when shown."""
    lang = _requested_language(argv)
    if lang == "en":
        return app(args=argv, standalone_mode=False)
    from cxm.cli.help_catalogue import localise

    command = typer.main.get_command(app)
    localise(command, lang)
    return command(args=argv, standalone_mode=False)


def _usage_line(exc: Exception, argv: list[str]) -> str:
    """Click's error as one line; for a bad option value, the value given is named too."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    param = getattr(exc, "param", None)
    opts = list(getattr(param, "opts", []) or [])
    given = None
    for i, arg in enumerate(argv):
        for opt in opts:
            if arg == opt and i + 1 < len(argv):
                given = argv[i + 1]
            elif arg.startswith(opt + "="):
                given = arg[len(opt) + 1 :]
    if given is not None and opts:
        message = _(
            "Invalid value for '{option}': {value!r}; {reason}",
            option=opts[0],
            value=given,
            reason=message.split(": ", 1)[-1] if message.startswith("Invalid value") else message,
        )
    line = " ".join(f"{_('Error')}: {message}".split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        line += " " + _("Try '{command} --help' for help.", command=ctx.command_path)
    return line


def _click_exceptions() -> tuple[type[Exception], ...]:
    """Click's exception base class, in each place it lives: typer ≥ 0.2x carries its own
    copy of click (``typer._click``), older typer uses the ``click`` package."""
    found: list[type[Exception]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(import_module(module).ClickException)
        except ImportError:
            continue
    return tuple(found)
