"""The ``cxm`` command line. Thin: each command parses, calls one service, renders.

Each command group lives in its own module exposing ``register(app)``; add its name to
:data:`COMMAND_MODULES`. Heavy imports happen inside commands so that ``cxm --help`` is fast.
"""

from __future__ import annotations

import copy
import os
import sys
from importlib import import_module

import typer

from cxm.errors import CXMError
from cxm.i18n import _, language_from_environment, normalise_language, set_language

__all__ = ["COMMAND_MODULES", "GC_PAUSE_SECONDS", "app", "build_app", "entry", "main"]

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


#: How long the ``cxm`` program runs before its cyclic garbage collector starts.
GC_PAUSE_SECONDS = 5.0


def entry() -> None:
    """The ``cxm`` program (``[project.scripts]``): :func:`main` with Python's cyclic garbage
    collector paused for the command's first :data:`GC_PAUSE_SECONDS`.

    A command imports pandas, SQLAlchemy and its models (a million objects, none of them
    garbage) and the collector walked them again and again while they were created: in
    ``cxm targets report value`` 467 collections, a third of the process's CPU time
    (1.8 → 1.1 CPU s without them). A command that runs longer gets the collector back,
    with what exists by then frozen (:func:`gc.freeze`: kept out of later full collections),
    so a long import or ``cxm serve`` still frees reference cycles; until then cycles wait
    — reference counting frees everything else at once. Tests call :func:`main` in-process
    and keep the collector as it was."""
    import gc
    import threading

    def resume() -> None:
        gc.freeze()
        gc.enable()

    gc.disable()
    timer = threading.Timer(GC_PAUSE_SECONDS, resume)
    timer.daemon = True
    timer.start()
    main()


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
    runs = _only_the_command(app, argv)
    if lang == "en":
        return runs(args=argv, standalone_mode=False)
    from cxm.cli.help_catalogue import localise

    command = typer.main.get_command(runs)
    localise(command, lang)
    return command(args=argv, standalone_mode=False)


def _only_the_command(root: typer.Typer, argv: list[str]) -> typer.Typer:
    """``root`` with only the command or group that ``argv`` names (``cxm targets …``: the
    ``targets`` group), so that click is built for it alone — building all 150 commands
    (their options read from the annotations) cost every command a third of a second.
    For ``cxm`` and ``cxm --help`` the commands without their options (:func:`_listing`);
    ``root`` itself for an unknown name (its error suggests the others)."""
    name = _command_name(argv)
    if any(_group_name(g) is None for g in root.registered_groups):
        return root
    if name is None:
        return _listing(root)
    commands = [c for c in root.registered_commands if _command_info_name(c) == name]
    groups = [g for g in root.registered_groups if _group_name(g) == name]
    if not commands and not groups:
        return root
    pruned = copy.copy(root)
    pruned.registered_commands = commands
    pruned.registered_groups = groups
    return pruned


def _listing(root: typer.Typer) -> typer.Typer:
    """``root`` for its own help page, which lists each command by name and help text:
    the commands stand in without their options (nothing of theirs is run from it)."""
    listing = copy.copy(root)
    listing.registered_commands = [_without_options(c) for c in root.registered_commands]
    listing.registered_groups = []
    for group in root.registered_groups:
        if group.typer_instance is None:
            return root
        bare = copy.copy(group.typer_instance)
        bare.registered_commands, bare.registered_groups = [], []
        stand_in = copy.copy(group)
        stand_in.typer_instance = bare
        listing.registered_groups.append(stand_in)
    return listing


def _without_options(info: typer.models.CommandInfo) -> typer.models.CommandInfo:
    """A command's entry with a callback of the same name and docstring and no options."""
    if info.callback is None:
        return info

    def stand_in() -> None:  # never called: only its name and docstring are read
        raise AssertionError("a listed command's stand-in ran")

    stand_in.__name__ = info.callback.__name__
    stand_in.__doc__ = info.callback.__doc__
    out = copy.copy(info)
    out.callback = stand_in
    return out


def _command_name(argv: list[str]) -> str | None:
    """The first argument that is not a root option (``--lang X``): the command's name."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif not arg.startswith("-"):
            return arg
        elif arg in ("--help", "--install-completion", "--show-completion"):
            return None
    return None


def _command_info_name(info: typer.models.CommandInfo) -> str | None:
    if info.name:
        return info.name
    return typer.main.get_command_name(info.callback.__name__) if info.callback else None


def _group_name(info: typer.models.TyperInfo) -> str | None:
    name = info.name
    if not name and info.typer_instance is not None:
        name = info.typer_instance.info.name
    return name if isinstance(name, str) and name else None


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
