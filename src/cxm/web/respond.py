"""The respondent's pages: a survey page by page, saved on the server after each page.

``GET /r/{token}`` shows the page to answer (resuming where the respondent left off);
``POST /r/{token}`` saves a page and redirects to the next one (post/redirect/get, so the
back button and a reload never resubmit); the last page completes the response and shows
the thank-you page. ``GET /p/{public_token}`` gives the holder of a wave's public link a
personal invitation. No JavaScript: everything works with it off.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from cxm.errors import InputError
from cxm.i18n import LANGUAGES, language
from cxm.store import Store
from cxm.surveys.invitations import LinkInvalid
from cxm.surveys.labels import DONT_KNOW, answer_options
from cxm.surveys.public import TooManyRequests, open_public_link
from cxm.surveys.responses import AlreadyAnswered, FormState, PageRejected, open_form, submit_page
from cxm.surveys.schema import QuestionDef, QuestionType, pick_text
from cxm.surveys.tokens import hash_token, keyed_hash
from cxm.surveys.validation import AnswerValue, is_shown
from cxm.web.templating import templates

__all__ = ["render_fixed_pages", "router"]

T = TypeVar("T")

router = APIRouter(tags=["respondent pages"], include_in_schema=False)

#: Form fields holding answers are named ``q_<question code>``.
_FIELD_PREFIX = "q_"
_MAX_FIELDS = 1000
#: Threads for the respondents' database work: fewer than the connections the pool keeps
#: (10), so that a busy hour never opens and closes connections, and few enough that
#: threads do not queue for the interpreter lock.
_DB_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cxm-respond")
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _browser_cookie(public_token: str) -> str:
    """One cookie per public link, named by a hash so the link itself is not revealed."""
    return "cxm_p_" + hash_token(public_token)[:16]


async def _in_db_thread(work: Callable[[], T]) -> T:
    """Run ``work`` on one of :data:`_DB_THREADS`, in this request's context (language)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_DB_THREADS, context.run, work)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    lang: str = request.state.lang
    with language(lang):
        return templates().TemplateResponse(
            request, name, {"lang": lang, **context}, status_code=status, headers=_NO_STORE
        )


def _invalid(request: Request) -> Response:
    # The same page, byte for byte, for unknown, expired and used links.
    return _render(request, "respond/invalid.html", {"message": LinkInvalid().message}, 404)


@cache
def _thanks_page(lang: str) -> bytes:
    """The thank-you page is the same for everyone in a language: rendered once."""
    with language(lang):
        return templates().get_template("respond/thanks.html").render(lang=lang).encode()


def render_fixed_pages() -> None:
    """Render now the pages that are the same for every respondent (at server start)."""
    for lang in LANGUAGES:
        _thanks_page(lang)


def _thanks(request: Request) -> Response:
    return HTMLResponse(_thanks_page(request.state.lang), headers=_NO_STORE)


def _question_view(
    q: QuestionDef, lang: str, values: list[str], error: str | None
) -> dict[str, Any]:
    kind = {
        QuestionType.SATISFACTION5: "scale",
        QuestionType.NPS: "scale",
        QuestionType.CES: "scale",
        QuestionType.SINGLE: "radio",
        QuestionType.COMPARE: "radio",
        QuestionType.MULTIPLE: "checkbox",
        QuestionType.NUMBER: "number",
        QuestionType.TEXT: "text",
    }[q.type]
    return {
        "code": q.code,
        "kind": kind,
        "wide": q.type == QuestionType.NPS,
        "text": pick_text(q.text, lang),
        "help": pick_text(q.help, lang),
        "required": q.required,
        "options": answer_options(q, lang),
        "dont_know": q.dont_know,
        "dk": DONT_KNOW,
        "chosen": values,
        "current": values[0] if values else "",
        "error": error,
        "max_length": q.max_length,
    }


def _page_view(
    request: Request,
    token: str,
    state: FormState,
    page: int,
    *,
    raw: Mapping[str, list[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    form_errors: tuple[str, ...] = (),
    status: int = 200,
) -> Response:
    lang: str = request.state.lang
    definition = state.definition
    visible = state.visible()
    questions = []
    for q in definition.pages[page].questions:
        if not is_shown(q, state.answers):
            continue
        if raw is not None:
            values = [v for v in raw.get(q.code, []) if v != ""]
        else:
            saved: AnswerValue | None = state.answers.get(q.code)
            values = saved.form_values() if saved else []
        questions.append(_question_view(q, lang, values, (errors or {}).get(q.code)))
    position = visible.index(page) + 1 if page in visible else 1
    context = {
        "token": token,
        "title": pick_text(definition.title, lang),
        "intro": pick_text(definition.intro, lang) if position == 1 else "",
        "page_title": pick_text(definition.pages[page].title, lang),
        "page": page,
        "position": position,
        "total": len(visible),
        "first": position == 1,
        "last": position == len(visible),
        "questions": questions,
        "error_count": len(errors or {}) + len(form_errors),
        "form_errors": form_errors,
        "languages": [("zh-CN", "中文"), ("en", "English")],
    }
    return _render(request, "respond/page.html", context, status)


@router.get("/r/{token}", response_class=HTMLResponse)
async def show_page(request: Request, token: str, page: int | None = None) -> Response:
    def load() -> FormState:
        with _store(request).session() as s:
            return open_form(s, token=token)

    try:
        state = await _in_db_thread(load)
    except LinkInvalid:
        return _invalid(request)
    resume = state.resume_page()
    visible = state.visible()
    # A page may be revisited, but not skipped to: later pages wait for earlier answers.
    target = page if page is not None and page in visible and page <= resume else resume
    return _page_view(request, token, state, target)


async def _form_fields(request: Request) -> dict[str, list[str]]:
    """The posted fields. A URL-encoded body (what the form sends) is parsed in one call;
    anything else (multipart) by Starlette."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", "replace")
        try:
            return parse_qs(body, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
        except ValueError:  # more fields than any page has
            raise HTTPException(400) from None
    form = await request.form(max_fields=_MAX_FIELDS)
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


def _raw_answers(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {
        key[len(_FIELD_PREFIX) :]: values
        for key, values in fields.items()
        if key.startswith(_FIELD_PREFIX)
    }


async def save(request: Request) -> Response:
    """Save a page (a plain Starlette route: the busiest one, it skips FastAPI's
    parameter machinery)."""
    token: str = request.path_params["token"]
    fields = await _form_fields(request)
    raw = _raw_answers(fields)
    try:
        page = int(fields.get("page", [""])[-1])
    except ValueError:
        page = -1
    action: Literal["next", "back"] = "back" if fields.get("action", [""])[-1] == "back" else "next"
    lang: str = request.state.lang

    def work() -> Any:
        return submit_page(
            _store(request), token=token, page=page, raw=raw, action=action, language=lang
        )

    try:
        result = await _in_db_thread(work)
    except LinkInvalid:
        return _invalid(request)
    except (AlreadyAnswered, IntegrityError):
        return _thanks(request)
    except PageRejected as exc:

        def reload() -> FormState:
            with _store(request).session() as s:
                return open_form(s, token=token)

        state = await _in_db_thread(reload)
        return _page_view(
            request,
            token,
            state,
            exc.page,
            raw=raw,
            errors=exc.check.errors,
            form_errors=exc.check.form_errors,
            status=422,
        )
    except InputError as exc:  # a page number out of range
        return _render(request, "respond/invalid.html", {"message": exc.message}, 422)
    if result.completed:
        return _thanks(request)
    return RedirectResponse(
        f"/r/{token}?page={result.next_page}&lang={lang}", status_code=303, headers=_NO_STORE
    )


router.add_route("/r/{token}", save, methods=["POST"], include_in_schema=False)


@router.get("/p/{public_token}", response_class=HTMLResponse)
async def open_public(request: Request, public_token: str) -> Response:
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    client_key = keyed_hash(settings.secret_key.get_secret_value(), client)
    remembered = request.cookies.get(_browser_cookie(public_token))

    def work() -> Any:
        with _store(request).session() as s:
            return open_public_link(
                s, public_token=public_token, client_key=client_key, browser_token=remembered
            )

    try:
        opened = await _in_db_thread(work)
    except LinkInvalid:
        return _invalid(request)
    except TooManyRequests as exc:
        return _render(request, "respond/invalid.html", {"message": exc.message}, 429)
    if opened.completed:
        return _thanks(request)
    response = RedirectResponse(
        f"/r/{opened.token}?lang={request.state.lang}", status_code=303, headers=_NO_STORE
    )
    if opened.one_per_browser:
        response.set_cookie(
            _browser_cookie(public_token),
            opened.token,
            max_age=180 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response
