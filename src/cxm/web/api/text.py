"""``/api/v1/text``: what customers write, analysed on the firm's own machine.

Analysts post texts to analyse, read "what customers say" over every text in the store,
and add texts (complaint logs, call transcripts, visit reports) with optional staff coding.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.text import service
from cxm.text.sources import add_text_entries, code_text_entry
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

#: Customers' words over the whole company (quotes, themes, coding).
Verbatim = Annotated[Grant, Require(Capability.SEE_VERBATIM)]
#: Analysing a text the caller sends: nothing of anyone else's is shown.
Analyse = Annotated[Grant, Require(Capability.SEE_VERBATIM, shared=True)]
#: Adding texts (complaint logs, transcripts) to the store.
Import = Annotated[Grant, Require(Capability.IMPORT_DATA)]

__all__ = ["AnalyzeIn", "AnalyzeOut", "EntriesIn", "router"]

router = APIRouter(prefix="/text", tags=["text"])


class AnalyzeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(min_length=1, max_length=service.MAX_POSTED)
    lang: str = Field(default="auto", pattern="^(auto|zh|en|mixed)$")


class TextRow(BaseModel):
    text: str
    language: str
    note: str
    sentiment: float | None
    sentiment_label: str
    faults: list[str]
    emotion: str
    themes: list[str]


class AnalyzeOut(BaseModel):
    overview: dict[str, Any]
    rows: list[TextRow]


class WhatCustomersSay(BaseModel):
    overview: dict[str, Any]
    sources: dict[str, int]
    codebook_version: int
    theme_labels: dict[str, str]
    frequency: list[dict[str, Any]]
    frequency_by: dict[str, list[dict[str, Any]]]
    quotes: dict[str, list[str]]
    routing: list[dict[str, Any]]
    lift_detractor: list[dict[str, Any]] | None = None
    lift_churn: list[dict[str, Any]] | None = None
    emerging: list[dict[str, Any]] | None = None
    fault_share: list[dict[str, Any]] | None = None


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        pattern="^(complaint_log|call_transcript|touchpoint_note|visit_report|case)$"
    )
    text: str = Field(min_length=1, max_length=100_000)
    customer_id: int | None = None
    external_id: str | None = Field(default=None, max_length=100)
    staff_labels: list[str] | None = None


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] = Field(min_length=1, max_length=10_000)


class EntriesOut(BaseModel):
    added: int


@router.post("/analyze", response_model=AnalyzeOut)
def analyze(body: AnalyzeIn, db: DbSession, grant: Analyse) -> dict[str, Any]:
    return service.analyse_posted(db, body.texts, lang=body.lang)


@router.get("/what-customers-say", response_model=WhatCustomersSay)
def what_customers_say(db: DbSession, grant: Verbatim) -> dict[str, Any]:
    from cxm.i18n import current_language

    return service.what_customers_say_kept(db, lang=current_language())


@router.post("/entries", response_model=EntriesOut, status_code=201)
def add_entries(body: EntriesIn, db: DbSession, grant: Import) -> dict[str, int]:
    rows = [
        {**e.model_dump(), "coded_by": grant.user.name if e.staff_labels is not None else None}
        for e in body.entries
    ]
    return {"added": add_text_entries(db, rows)}


class CodingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[str] = Field(max_length=11)


class CodingOut(BaseModel):
    id: int
    labels: list[str]
    coded_by: str


@router.put("/entries/{entry_id}/labels", response_model=CodingOut)
def code_entry(entry_id: int, body: CodingIn, db: DbSession, grant: Verbatim) -> dict[str, Any]:
    labels = code_text_entry(db, entry_id=entry_id, labels=body.labels, coded_by=grant.user.name)
    return {"id": entry_id, "labels": labels, "coded_by": grant.user.name}
