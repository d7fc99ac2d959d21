"""The employee survey, answered anonymously in the browser (issue 19).

``GET /e/{token}`` shows the whole questionnaire on one page; ``POST /e/{token}`` saves it
with :func:`cxm.people.surveys.answer` — the team, the wave, the declared attributes' bands
and the date, never who or when — and shows a thank-you page that is the same for
everyone. A personal link works once; a team code (printed for staff without e-mail)
works as many times as the team has invitees; ``GET /e`` asks for the code. Nothing is
saved until the page is submitted whole, so a half-filled form leaves no trace tied to a
link. Unknown, used-up and closed links all get the same page. No JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.clock import today
from cxm.errors import InputError, ValidationFailed
from cxm.i18n import _, language
from cxm.people.surveys import OpenLink, answer, open_link
from cxm.store import Store
from cxm.surveys.schema import pick_text
from cxm.surveys.tokens import looks_like_token
from cxm.web.respond import _form_fields, _question_view, _raw_answers
from cxm.web.templating import templates

__all__ = ["router"]

router = APIRouter(tags=["respondent pages"], include_in_schema=False)

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    lang: str = request.state.lang
    minimum = int(request.app.state.settings.employee_min_group)
    with language(lang):
        return templates().TemplateResponse(
            request,
            name,
            {"lang": lang, "minimum": minimum, **context},
            status_code=status,
            headers=_NO_STORE,
        )


def _invalid(request: Request, message: str) -> Response:
    return _render(request, "respond/invalid.html", {"message": message}, 404)


def _form(
    request: Request,
    token: str,
    link: OpenLink,
    *,
    raw: Mapping[str, list[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    lang: str = request.state.lang
    definition = link.definition
    pages: list[dict[str, Any]] = []
    for page in definition.pages:
        questions = [
            _question_view(
                q,
                lang,
                [v for v in (raw or {}).get(q.code, []) if v != ""],
                (errors or {}).get(q.code),
            )
            for q in page.questions
        ]
        pages.append({"title": pick_text(page.title, lang), "questions": questions})
    context = {
        "token": token,
        "title": pick_text(definition.title, lang),
        "intro": pick_text(definition.intro, lang),
        "pages": pages,
        "errors": [q for p in pages for q in p["questions"] if q["error"]],
        "closes_on": link.wave.closes_on.isoformat(),
        "team_code": link.team_code,
    }
    return _render(request, "employee/form.html", context, status)


@router.get("/e", response_class=HTMLResponse)
def code_form(request: Request, code: str | None = None) -> Response:
    """Where a team code is typed in (or arrives as ``?code=``, e.g. from a QR code)."""
    if code:
        return RedirectResponse(f"/e/{code.strip()}", status_code=303, headers=_NO_STORE)
    return _render(request, "employee/code.html", {})


@router.get("/e/{token}", response_class=HTMLResponse)
def show(request: Request, token: str) -> Response:
    try:
        with _store(request).session() as s:
            link = open_link(s, token=token, today=today())
            s.expunge_all()
    except InputError as exc:
        return _invalid(request, exc.message)
    return _form(request, token, link)


@router.post("/e/{token}", response_class=HTMLResponse)
async def submit(request: Request, token: str) -> Response:
    if not looks_like_token(token):
        return _invalid(request, _("This survey link is not valid or has been used."))
    raw = _raw_answers(await _form_fields(request))
    day = today()
    try:
        with _store(request).session() as s:
            answer(s, token=token, answers=raw, today=day)
    except ValidationFailed as exc:
        errors = {str(p.column): p.reason for p in exc.problems if p.column}
        with _store(request).session() as s:
            link = open_link(s, token=token, today=day)
            s.expunge_all()
        return _form(request, token, link, raw=raw, errors=errors, status=422)
    except InputError as exc:
        return _invalid(request, exc.message)
    return _render(request, "employee/thanks.html", {})
