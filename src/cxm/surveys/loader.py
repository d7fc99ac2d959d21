"""Read questionnaire definitions from YAML or JSON, with errors that name line and field."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cxm.errors import Problem, ValidationFailed
from cxm.i18n import _
from cxm.surveys.schema import QuestionnaireDef

__all__ = ["load_definition", "parse_definition", "parse_yaml", "template_path"]


def template_path(name: str = "ccsi") -> Path:
    """Path of a questionnaire template shipped with CXM (``ccsi``, ``moment_of_truth``)."""
    return Path(str(resources.files("cxm.surveys").joinpath("templates", f"{name}.yaml")))


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        reason = exc.problem or str(exc)
        return Problem(
            row=mark.line + 1,
            column=str(mark.column + 1),
            value=None,
            reason=_(
                "line {line}, column {col}: {reason}",
                line=mark.line + 1,
                col=mark.column + 1,
                reason=reason,
            ),
        )
    return Problem(row=None, column=None, value=None, reason=str(exc))


def parse_yaml(text: str, *, source: str = "<text>") -> Any:
    """Parse YAML; a syntax error becomes :class:`ValidationFailed` with its line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = _yaml_problem(exc)
        raise ValidationFailed(
            _("{source} is not valid YAML: {reason}", source=source, reason=problem.reason),
            [problem],
        ) from None


def parse_definition(data: Any, *, source: str = "<data>") -> QuestionnaireDef:
    """Validate a parsed mapping as a questionnaire definition; every problem is listed
    with its field path."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            _(
                "{source}: a questionnaire must be a mapping with code, title and pages",
                source=source,
            ),
            [Problem(None, None, None, _("not a mapping"))],
        )
    try:
        return QuestionnaireDef.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                row=None,
                column=".".join(str(p) for p in err["loc"]) or None,
                value=None if err.get("input") is None else str(err.get("input"))[:80],
                reason=err["msg"],
            )
            for err in exc.errors()
        ]
        first = problems[0]
        raise ValidationFailed(
            _(
                "{source}: invalid questionnaire at {field}: {reason}",
                source=source,
                field=first.column or "-",
                reason=first.reason,
            ),
            problems,
        ) from None


def load_definition(path: str | Path) -> QuestionnaireDef:
    """Load a ``.yaml``/``.yml`` or ``.json`` questionnaire file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            _("Cannot read {path}: {reason}", path=str(p), reason=str(exc)),
            [Problem(None, None, None, str(exc))],
        ) from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problem = Problem(exc.lineno, str(exc.colno), None, exc.msg)
            raise ValidationFailed(
                _(
                    "{source} is not valid JSON: line {line}: {reason}",
                    source=p.name,
                    line=exc.lineno,
                    reason=exc.msg,
                ),
                [problem],
            ) from None
    else:
        data = parse_yaml(text, source=p.name)
    return parse_definition(data, source=p.name)
