"""zh-CN everywhere: every README command (the commands a user is shown, on the demo
company) is run with ``--lang zh-CN``-equivalent ``CXM_LANG=zh-CN``, and its output — and
every report or table file it writes — must hold no English sentence of the app's message
catalogue: a message whose translation was not applied shows up verbatim in English.

What counts as an English sentence: a fixed part (between ``{placeholders}``) of a catalogue
message with at least three words; parts that the Chinese translation itself keeps (codes,
setting names such as CXM_DATA_KEY) are allowed. Data (customer names, column names of the
user's files, codes) is not in the catalogue and so never flagged."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from tests import test_readme as readme

LOCALES = Path(__file__).resolve().parents[1] / "src" / "cxm" / "locales" / "zh-CN"
#: Files a command writes that a user reads.
READABLE = {".html", ".md", ".txt", ".csv", ".json"}


@cache
def english_sentences() -> tuple[str, ...]:
    """The fixed parts (three words or more) of every catalogue message, except those the
    Chinese translations keep."""
    catalogue: dict[str, str] = {}
    for path in sorted(LOCALES.glob("*.json")):
        catalogue.update(json.loads(path.read_text(encoding="utf-8")))
    kept = "\n".join(str(v) for v in catalogue.values())
    out = set()
    for msgid in catalogue:
        parts = re.split(r"\{[^{}]*\}", msgid)
        for part in (p for chunk in parts for p in re.split(r"(?<=[.;:!?])\s+", chunk)):
            part = part.strip(" .,:;!?()[]'\"—-\n")
            if len(re.findall(r"[A-Za-z]{2,}", part)) >= 3 and part not in kept:
                out.add(part)
    return tuple(sorted(out, key=len, reverse=True))


def untranslated(text: str) -> list[str]:
    # Scripts inlined in a report (plotly.js) carry their own English messages.
    text = re.sub(r"(?is)<script\b.*?</script>", "", text)
    return [s for s in english_sentences() if s in text]


def test_the_checker_finds_english_and_passes_chinese() -> None:
    """The check itself, on a message rendered in each language."""
    from cxm.i18n import _, language

    message = "Fix them and import the file again"
    assert message in english_sentences()
    with language("en"):
        assert untranslated(
            _(
                "{file}: {n} problems found; nothing was imported. "
                "Fix them and import the file again.",
                file="a.csv",
                n=2,
            )
        )
    with language("zh-CN"):
        rendered = _(
            "{file}: {n} problems found; nothing was imported. Fix them and import the file again.",
            file="a.csv",
            n=2,
        )
    assert rendered != message and not untranslated(rendered)


@pytest.fixture(scope="module")
def zh_folder(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return readme.make_readme_folder(demo_db, tmp_path_factory.mktemp("zh"))


@pytest.mark.slow
def test_every_readme_command_speaks_chinese(zh_folder: Path) -> None:
    leaks: dict[str, list[str]] = {}
    before = {p: p.stat().st_mtime for p in zh_folder.rglob("*") if p.is_file()}
    for command in readme.COMMANDS:
        if command in readme.SKIPPED or command in readme.STDIN or "--help" in command:
            continue  # --help: see test_cli_help_is_in_chinese
        # Whether it succeeds is the README test's business (lines there run in any order);
        # here an error message must be in Chinese as much as a result.
        _code, output = readme._run(command, zh_folder, lang="zh-CN")
        found = untranslated(output)
        written = [
            p
            for p in zh_folder.rglob("*")
            if p.is_file() and p.suffix in READABLE and before.get(p) != p.stat().st_mtime
        ]
        for path in written:
            found += [f"{path.name}: {s}" for s in untranslated(path.read_text("utf-8", "replace"))]
            before[path] = path.stat().st_mtime
        if found:
            leaks[command] = sorted(set(found))[:8]
    assert not leaks, "untranslated English in zh-CN:\n" + "\n".join(
        f"  {c}: {found}" for c, found in leaks.items()
    )


@pytest.mark.xfail(
    strict=True,
    reason="issue 14 c, not done: typer/click help texts are not yet routed through the "
    "translation layer, so `cxm --help` lists commands in English under CXM_LANG=zh-CN",
)
def test_cli_help_is_in_chinese(cxm) -> None:  # type: ignore[no-untyped-def]
    done = cxm("--help", lang="zh-CN")
    assert done.exit_code == 0
    assert not untranslated(done.stdout), untranslated(done.stdout)
