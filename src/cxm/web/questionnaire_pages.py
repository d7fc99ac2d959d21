"""Questionnaire pages: the list with the shipped templates, an editor that uploads or
builds YAML and shows every error on its line, a preview as the respondent sees it (the
respondent's own templates, in either language), and the versions with what changed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts.permissions import Capability
from cxm.errors import InputError, NotFound, ValidationFailed
from cxm.i18n import _, language
from cxm.surveys.drafts import (
    TEMPLATES,
    check_text,
    definition_text,
    question_changes,
    template_text,
    version_definition,
    versions_of,
)
from cxm.surveys.questionnaires import all_questionnaires, save_questionnaire
from cxm.surveys.schema import QuestionnaireDef, pick_text
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.respond import _question_view
from cxm.web.staff import page
from cxm.web.templating import templates

__all__ = ["router"]

router = APIRouter(
    prefix="/staff/questionnaires", tags=["questionnaire pages"], include_in_schema=False
)
#: Questionnaire texts belong to no team: anyone who reads results may read them.
Read = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
Code = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
MAX_YAML = 512 * 1024


def _can_configure(db: DbSession, grant: Grant) -> bool:
    return grant_for(db, grant.user, Capability.CONFIGURE) is not None


@router.get("", response_class=HTMLResponse)
def questionnaires_page(request: Request, grant: Read, db: DbSession) -> Response:
    lang = request.state.lang
    rows = [
        {"code": q.code, "title": pick_text(q.title, lang), "updated": q.updated_at}
        for q in all_questionnaires(db)
    ]
    context = {
        "user": grant.user,
        "rows": rows,
        "templates": [(name, what) for name, (_f, _c, what) in TEMPLATES.items()],
        "can_configure": _can_configure(db, grant),
    }
    return page(request, "staff/questionnaires.html", context)


def _editor(
    request: Request,
    grant: Grant,
    text: str,
    *,
    problems: list[Any] | None = None,
    message: str | None = None,
    checked: QuestionnaireDef | None = None,
    changes: list[Any] | None = None,
    status: int = 200,
) -> Response:
    by_line: dict[int, list[str]] = {}
    for p in problems or []:
        if p.row is not None:
            where = f"{p.column}: " if p.column else ""
            by_line.setdefault(int(p.row), []).append(where + p.reason)
    lines = [(n, line, by_line.get(n, [])) for n, line in enumerate(text.splitlines(), 1)]
    context = {
        "user": grant.user,
        "text": text,
        "problems": problems or [],
        "message": message,
        "lines": lines if problems else [],
        "checked": checked,
        "changes": changes,
        "templates": list(TEMPLATES),
    }
    return page(request, "staff/questionnaire_edit.html", context, status=status)


@router.get("/new", response_class=HTMLResponse)
def new_page(request: Request, grant: Configure, template: str = "") -> Response:
    """An editor, empty or with a shipped template's YAML."""
    text = template_text(template) if template else ""
    return _editor(request, grant, text)


@router.get("/{code}/edit", response_class=HTMLResponse)
def edit_page(request: Request, code: Code, grant: Configure, db: DbSession) -> Response:
    _q, _n, definition = version_definition(db, code=code)
    return _editor(request, grant, definition_text(definition))


async def _uploaded(upload: UploadFile | None) -> str | None:
    if upload is None or not upload.filename:
        return None
    raw = await upload.read(MAX_YAML + 1)
    if len(raw) > MAX_YAML:
        raise InputError(_("The file is larger than 512 KB."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            _("The file is not UTF-8 text: save it as UTF-8 and upload again.")
        ) from None


@router.post("/new", response_class=HTMLResponse)
async def editor_submit(
    request: Request,
    grant: Configure,
    db: DbSession,
    text: Annotated[str, Form(max_length=MAX_YAML)] = "",
    action: Annotated[str, Form(max_length=20)] = "check",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check, preview (``action=preview_zh-CN``/``preview_en``) or save the YAML (pasted,
    or from an uploaded file, which replaces the text)."""
    text = (await _uploaded(file)) or text
    try:
        definition = check_text(text)
    except ValidationFailed as exc:
        return _editor(request, grant, text, problems=exc.problems, message=exc.message, status=422)
    if action.startswith("preview_"):
        return _preview(request, definition, action.removeprefix("preview_"), draft=True)
    try:
        previous: QuestionnaireDef | None = version_definition(db, code=definition.code)[2]
    except NotFound:  # a new questionnaire
        previous = None
    changes = question_changes(previous, definition, lang=request.state.lang)
    if action != "save":
        message = _(
            "No problems found: {n} questions on {p} pages.",
            n=len(definition.questions()),
            p=len(definition.pages),
        )
        return _editor(request, grant, text, message=message, checked=definition, changes=changes)
    saved = save_questionnaire(db, definition=definition, actor_id=grant.user.id)
    return RedirectResponse(
        f"/staff/questionnaires/{definition.code}?saved={saved.version}", status_code=303
    )


@router.get("/{code}", response_class=HTMLResponse)
def questionnaire_page(
    request: Request, code: Code, grant: Read, db: DbSession, saved: int | None = None
) -> Response:
    q, number, _definition = version_definition(db, code=code)
    context = {
        "user": grant.user,
        "code": q.code,
        "title": pick_text(q.title, request.state.lang),
        "latest": number,
        "versions": versions_of(db, code=code, lang=request.state.lang),
        "saved": saved,
        "can_configure": _can_configure(db, grant),
    }
    return page(request, "staff/questionnaire.html", context)


def _preview(
    request: Request, definition: QuestionnaireDef, lang: str, *, draft: bool, version: int = 0
) -> Response:
    lang = "zh-CN" if lang.startswith("zh") else "en"
    with language(lang):
        pages = [
            {
                "title": pick_text(p.title, lang),
                "questions": [_question_view(q, lang, [], None) for q in p.questions],
            }
            for p in definition.pages
        ]
        context = {
            "lang": lang,
            "title": pick_text(definition.title, lang),
            "intro": pick_text(definition.intro, lang),
            "pages": pages,
            "draft": draft,
            "code": definition.code,
            "version": version,
        }
        return templates().TemplateResponse(request, "respond/preview.html", context)


@router.get("/{code}/preview", response_class=HTMLResponse)
def preview_page(
    request: Request, code: Code, grant: Read, db: DbSession, version: int | None = None
) -> Response:
    """The questionnaire as a respondent sees it (all pages at once; nothing is saved)."""
    _q, number, definition = version_definition(db, code=code, number=version)
    return _preview(request, definition, request.state.lang, draft=False, version=number)
