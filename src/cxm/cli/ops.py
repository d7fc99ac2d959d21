"""Shared operations commands: jobs and the worker, the journey, service levels, consent
and outbound channels (each in its own module)."""

from __future__ import annotations

from importlib import import_module

import typer

__all__ = ["register"]

_MODULES = ("jobs", "service_levels", "journey", "consent", "channels")


def register(app: typer.Typer) -> None:
    for name in _MODULES:
        import_module(f"cxm.cli.{name}").register(app)
