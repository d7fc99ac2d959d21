"""Commands of the hardening work: backups, restore and personal data (``cxm privacy``)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from cxm.cli import backups, privacy

    backups.register(app)
    privacy.register(app)
