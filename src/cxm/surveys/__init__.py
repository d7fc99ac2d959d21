"""Surveys: questionnaires (versioned), waves, invitations, public links, responses and
moment-of-truth surveys. Service functions take a SQLAlchemy session and keyword arguments;
nothing here knows the web."""

from __future__ import annotations

__all__: list[str] = []
