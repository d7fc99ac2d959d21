"""The app factory: each call builds an app on its own store, so tests can build many."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxm import __version__
from cxm.accounts.passwords import dummy_hash
from cxm.config import Settings, load_settings
from cxm.i18n import _
from cxm.store import Store
from cxm.web.api import api_router
from cxm.web.api.management import router as management_router
from cxm.web.audit_pages import router as audit_pages_router
from cxm.web.cases_pages import router as case_pages_router
from cxm.web.compress import CompressMiddleware
from cxm.web.customer_pages import router as customer_pages_router
from cxm.web.dashboard import router as dashboard_router
from cxm.web.employee_respond import router as employee_respond_router
from cxm.web.feedback import router as feedback_router
from cxm.web.language import LanguageMiddleware
from cxm.web.people_pages import router as people_pages_router
from cxm.web.questionnaire_pages import router as questionnaire_pages_router
from cxm.web.report_pages import router as report_pages_router
from cxm.web.reports import router as reports_router
from cxm.web.respond import render_fixed_pages
from cxm.web.respond import router as respond_router
from cxm.web.security import install_operations, install_security
from cxm.web.segment_pages import router as segment_pages_router
from cxm.web.staff import router as staff_router
from cxm.web.standards_pages import router as standards_pages_router
from cxm.web.text_pages import router as text_pages_router
from cxm.web.users_pages import router as users_pages_router
from cxm.web.wave_pages import router as wave_pages_router

__all__ = ["Health", "create_app"]


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the CXM web app on ``store`` (or one opened from ``settings``)."""
    settings = settings or load_settings()
    settings.check_secrets()
    own_store = store is None
    the_store = store or Store.open(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if own_store:
            # A served app opens its connections and renders its fixed pages before it takes
            # requests: the first respondents after a start would otherwise queue behind it.
            await run_in_threadpool(the_store.fill_pool)
            render_fixed_pages()
            # The sign-in's dummy hash (so that an unknown name takes as long as a wrong
            # password) is made beside the start, not before it: half a second of argon2.
            threading.Thread(target=dummy_hash, name="cxm-dummy-hash", daemon=True).start()
            # The dashboard's analyses take seconds on a large company: computed beside the
            # start too, and kept until the data change (see cxm.management.dashboard).
            from cxm.management.dashboard import warm

            threading.Thread(target=warm, args=(the_store,), name="cxm-warm", daemon=True).start()
            # What the imports left (a few hundred thousand objects) stays for good: kept out
            # of the collector's full passes, which otherwise stopped a worker for 0.1-0.3 s.
            gc.collect()
            gc.freeze()
        yield
        if own_store:
            the_store.close()

    # Swagger UI needs inline scripts from a CDN, which the CSP forbids: /openapi.json only.
    app = FastAPI(
        title="CXM", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.store = the_store

    app.add_middleware(LanguageMiddleware)
    # Pages, JSON and CSS leave gzipped (the report page shrinks ten-fold); not files.
    app.add_middleware(CompressMiddleware)
    install_security(app, settings)  # headers, body limits, one error renderer
    # Respondents' saves are the busiest route: matched first (each route tried costs).
    app.include_router(respond_router)
    app.include_router(employee_respond_router)
    app.include_router(case_pages_router)
    app.include_router(staff_router)
    app.include_router(dashboard_router)
    app.include_router(users_pages_router)
    app.include_router(audit_pages_router)
    app.include_router(feedback_router)
    app.include_router(api_router)
    app.include_router(management_router)
    app.include_router(reports_router)
    app.include_router(report_pages_router)
    install_operations(app)  # /healthz, /readyz, /metrics, request ids
    app.include_router(standards_pages_router)
    app.include_router(text_pages_router)
    app.include_router(customer_pages_router)
    app.include_router(questionnaire_pages_router)
    app.include_router(wave_pages_router)
    app.include_router(segment_pages_router)
    app.include_router(people_pages_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/health", tags=["system"], response_model=Health)
    def health() -> Health:
        the_store.check_reachable()
        return Health(status="ok", version=__version__, message=_("CXM is running."))

    return app


class Health(BaseModel):
    """What ``/health`` answers (``/healthz`` and ``/readyz``: :mod:`cxm.web.health`)."""

    status: str
    version: str
    message: str
