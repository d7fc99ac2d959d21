"""Commands of the hardening work: backups and restore, personal data (``cxm privacy``),
sign-in security (``cxm security``)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from cxm.cli import backups, privacy, security

    backups.register(app)
    privacy.register(app)
    security.register(app)
