"""The public feedback and complaint form (``/feedback``): no sign-in, open around the clock
(DOMAIN.md §5, "24-hour service"), works without JavaScript; it answers with a case number.
``?t=<personal survey token>`` identifies the customer without asking for contact details.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from cxm.cases.codes import label
from cxm.cases.intake import FORM_TYPES, FormTooBusy, submit_feedback
from cxm.config import Settings
from cxm.errors import InputError
from cxm.store import Store
from cxm.surveys.tokens import keyed_hash
from cxm.web.templating import templates

__all__ = ["router"]

router = APIRouter(tags=["feedback form"], include_in_schema=False)
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _form(request: Request, status: int = 200, **context: object) -> Response:
    values = {
        "type": "complaint",
        "text": "",
        "name": "",
        "email": "",
        "phone": "",
        "t": request.query_params.get("t", ""),
    }
    values.update({k: str(v) for k, v in context.items() if k in values})
    return templates().TemplateResponse(
        request,
        "respond/feedback.html",
        {
            "lang": request.state.lang,
            "types": [(t.value, label(t)) for t in FORM_TYPES],
            "values": values,
            "error": context.get("error"),
        },
        status_code=status,
        headers=_NO_STORE,
    )


@router.get("/feedback", response_class=HTMLResponse)
def feedback_form(request: Request) -> Response:
    return _form(request)


@router.post("/feedback", response_class=HTMLResponse)
def feedback_submit(
    request: Request,
    text: Annotated[str, Form(max_length=20_000)] = "",
    type: Annotated[str, Form(max_length=32)] = "complaint",
    name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    phone: Annotated[str, Form(max_length=1000)] = "",
    t: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    store: Store = request.app.state.store
    settings: Settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    key = keyed_hash(settings.secret_key.get_secret_value(), client)
    values = {"text": text, "type": type, "name": name, "email": email, "phone": phone, "t": t}
    try:
        with store.session() as s:
            intake = submit_feedback(
                s,
                type=type,
                text=text,
                client_key=key,
                name=name,
                email=email,
                phone=phone,
                token=t or None,
                language=request.state.lang,
            )
    except FormTooBusy as exc:
        return _form(request, 429, error=exc.message, **values)
    except InputError as exc:
        return _form(request, 422, error=exc.message, **values)
    return templates().TemplateResponse(
        request,
        "respond/feedback_thanks.html",
        {"lang": request.state.lang, "case_id": intake.case_id},
        headers=_NO_STORE,
    )
