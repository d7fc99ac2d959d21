"""``/api/v1/waves/{id}/responses``: paged JSON, exports (CSV streamed, XLSX, SPSS .sav);
``/api/v1/responses/import``: responses collected elsewhere, all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from cxm.accounts.permissions import Capability
from cxm.errors import InputError
from cxm.i18n import _
from cxm.responses_io.export import csv_chunks, plan_export, response_page
from cxm.responses_io.formats import write_sav_file, write_xlsx_file
from cxm.responses_io.importing import import_responses
from cxm.web.deps import AppStore, DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(tags=["responses"])

Answers = Annotated[Grant, Require(Capability.SEE_PERSONAL_DATA)]
Export = Annotated[Grant, Require(Capability.EXPORT)]
Import = Annotated[Grant, Require(Capability.IMPORT_DATA)]

_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


def _disposition(wave_id: int, fmt: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="wave-{wave_id}-responses.{fmt}"'}


@router.get("/waves/{wave_id}/responses")
def list_responses(
    request: Request,
    wave_id: int,
    store: AppStore,
    grant: Answers,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Responses of the wave, one page at a time, answers keyed by column name."""
    return response_page(
        store, wave_id=wave_id, lang=request.state.lang, page=page, per_page=per_page
    )


@router.get(
    "/waves/{wave_id}/responses.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(request: Request, wave_id: int, store: AppStore, grant: Export) -> Response:
    """One row per response, streamed in batches (formula-safe cells and headers)."""
    plan = plan_export(store, wave_id=wave_id, lang=request.state.lang)
    return StreamingResponse(
        csv_chunks(store, plan), media_type=_MEDIA["csv"], headers=_disposition(wave_id, "csv")
    )


def _file_export(request: Request, wave_id: int, store: AppStore, fmt: str) -> Response:
    plan = plan_export(store, wave_id=wave_id, lang=request.state.lang)
    folder = tempfile.mkdtemp(prefix="cxm-export-")
    path = Path(folder) / f"export.{fmt}"
    try:
        (write_xlsx_file if fmt == "xlsx" else write_sav_file)(store, plan, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=_MEDIA[fmt],
        headers=_disposition(wave_id, fmt),
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(
    "/waves/{wave_id}/responses.xlsx",
    response_class=FileResponse,
    responses={200: {"content": {_MEDIA["xlsx"]: {}}}},
)
def export_xlsx(request: Request, wave_id: int, store: AppStore, grant: Export) -> Response:
    """One sheet, one row per response (written row by row in write-only mode)."""
    return _file_export(request, wave_id, store, "xlsx")


@router.get(
    "/waves/{wave_id}/responses.sav",
    response_class=FileResponse,
    responses={200: {"content": {_MEDIA["sav"]: {}}}},
)
def export_sav(request: Request, wave_id: int, store: AppStore, grant: Export) -> Response:
    """SPSS file with variable labels (question texts) and value labels."""
    return _file_export(request, wave_id, store, "sav")


@router.post("/responses/import")
def import_file(
    db: DbSession,
    grant: Import,
    file: Annotated[UploadFile, File(description="LimeSurvey/Qualtrics CSV or SPSS .sav")],
    questionnaire: Annotated[str, Form(max_length=64)],
    wave_id: Annotated[int | None, Form()] = None,
    language: Annotated[str, Form(pattern=r"^(en|zh-CN|zh-TW)$")] = "zh-CN",
) -> dict[str, Any]:
    """Import every finished response of the file, or none (problems listed per row)."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".sav", ".zsav", ".xlsx"):
        raise InputError(_("Upload a .csv, .xlsx or .sav file, not {name}.", name=file.filename))
    fd, name = tempfile.mkstemp(prefix="cxm-import-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(file.file, out)
        result = import_responses(
            db,
            path=name,
            questionnaire=questionnaire,
            wave_id=wave_id,
            language=language,
            actor_id=grant.user.id,
        )
    finally:
        os.unlink(name)
    return {
        "imported": result.imported,
        "skipped_incomplete": result.skipped_incomplete,
        "source": result.source,
    }
