"""Reading and checking a journey written in YAML (no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["EXAMPLES", "JourneySpec", "StageSpec", "TypeSpec", "parse_journey", "shipped"]

#: Journeys shipped with CXM (``cxm/journey/journeys/NAME.yaml``).
EXAMPLES = ("default", "retail", "bank")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True, slots=True)
class StageSpec:
    code: str
    label: dict[str, str]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    code: str
    stage: str
    label: dict[str, str]


@dataclass(frozen=True, slots=True)
class JourneySpec:
    name: str
    description: str | None
    stages: tuple[StageSpec, ...]
    touchpoint_types: tuple[TypeSpec, ...]
    #: Old stage code → new one, for touchpoints recorded before this version.
    moves: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.stages]

    def content(self) -> dict[str, Any]:
        """What makes two versions the same (moves are instructions, not content)."""
        return {
            "description": self.description,
            "stages": [(s.code, sorted(s.label.items()), s.description) for s in self.stages],
            "types": [(t.code, t.stage, sorted(t.label.items())) for t in self.touchpoint_types],
        }


def _fail(where: str, field_: str, value: object, reason: str) -> InputError:
    return InputError(
        _(
            "Journey {where}, field {field}: {value!r} — {reason}",
            where=where,
            field=field_,
            value=value,
            reason=reason,
        )
    )


def _label(where: str, raw: object, code: str) -> dict[str, str]:
    if raw is None:
        return {"en": code.replace("_", " ")}
    if isinstance(raw, str):
        return {"en": raw}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in raw.items()
    ):
        raise _fail(where, "label", raw, _("give a text or a map of language to text"))
    return {str(k): str(v).strip() for k, v in raw.items()}


def _code(where: str, raw: object, field_: str = "code") -> str:
    if not isinstance(raw, str) or not _CODE.match(raw):
        raise _fail(
            where,
            field_,
            raw,
            _("a code is 1 to 32 lower-case letters, digits or _, starting with a letter"),
        )
    return raw


def parse_journey(text: str, *, source: str = "YAML") -> JourneySpec:
    """Parse and check a journey: unique stage and type codes, every type on a known stage,
    every move onto a stage of this journey. Errors name the item and field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(
            _("{source} is not valid YAML: {reason}", source=source, reason=str(exc))
        ) from None
    if not isinstance(data, dict):
        raise InputError(_("{source}: a journey is a map with name and stages.", source=source))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise _fail("", "name", name, _("give a name of 1 to 100 characters"))
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise _fail(name, "stages", raw_stages, _("give a list of at least one stage"))
    stages: list[StageSpec] = []
    for i, raw in enumerate(raw_stages, start=1):
        where = _("stage {n}", n=i)
        if not isinstance(raw, dict):
            raise _fail(where, "stages", raw, _("each stage is a map with a code"))
        code = _code(where, raw.get("code"))
        if code in {s.code for s in stages}:
            raise _fail(where, "code", code, _("this stage code is given twice"))
        desc = raw.get("description")
        stages.append(StageSpec(code, _label(where, raw.get("label"), code), desc))
    codes = {s.code for s in stages}
    types: list[TypeSpec] = []
    for i, raw in enumerate(data.get("touchpoint_types") or [], start=1):
        where = _("touchpoint type {n}", n=i)
        if not isinstance(raw, dict):
            raise _fail(where, "touchpoint_types", raw, _("each type is a map with a code"))
        code = _code(where, raw.get("code"))
        if len(code) > 50 or code in {t.code for t in types}:
            raise _fail(where, "code", code, _("this touchpoint type is given twice"))
        stage = raw.get("stage")
        if stage not in codes:
            raise _fail(
                where,
                "stage",
                stage,
                _("unknown stage; use one of: {codes}", codes=", ".join(s.code for s in stages)),
            )
        types.append(TypeSpec(code, str(stage), _label(where, raw.get("label"), code)))
    moves_raw = data.get("moves") or {}
    if not isinstance(moves_raw, dict):
        raise _fail(name, "moves", moves_raw, _("give a map of old stage code to new code"))
    moves: dict[str, str] = {}
    for old, new in moves_raw.items():
        _code(_("move from {old}", old=old), old, "moves")
        if new not in codes:
            raise _fail(
                _("move from {old}", old=old),
                "moves",
                new,
                _("unknown stage; use one of: {codes}", codes=", ".join(s.code for s in stages)),
            )
        moves[str(old)] = str(new)
    desc = data.get("description")
    return JourneySpec(
        name.strip(), str(desc) if desc else None, tuple(stages), tuple(types), moves
    )


def shipped(name: str) -> str:
    """The YAML text of a journey shipped with CXM."""
    if name not in EXAMPLES:
        raise InputError(
            _("No shipped journey {name}; shipped: {names}", name=name, names=", ".join(EXAMPLES))
        )
    return resources.files("cxm.journey").joinpath(f"journeys/{name}.yaml").read_text("utf-8")
