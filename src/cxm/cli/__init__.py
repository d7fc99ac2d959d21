"""The ``cxm`` command line. Thin: each command parses, calls one service, renders.

Each command group lives in its own module exposing ``register(app)``; add its name to
:data:`COMMAND_MODULES`. Heavy imports happen inside commands so that ``cxm --help`` is fast.
"""

from __future__ import annotations

import sys
from importlib import import_module

import typer

from cxm.errors import CXMError
from cxm.i18n import _, language_from_environment, set_language

__all__ = ["COMMAND_MODULES", "app", "build_app", "main"]

#: Modules under ``cxm.cli`` that each add commands with ``register(app)``.
COMMAND_MODULES: tuple[str, ...] = (
    "db",
    "analyze",
    "report",
    "importing",
    "serve",
    "demo",
    "customers",
    "scores",
    "management",
    "users",
    "surveys",
    "org",
    "audit",
    "people",
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
    try:
        result = app(args=argv, standalone_mode=False)
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
    except Exception as exc:  # usage errors: a missing argument, an unknown command
        if isinstance(exc, _click_exceptions()):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise


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
