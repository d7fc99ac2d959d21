"""``cxm serve``: run the web app (respondent pages, staff pages, API) with uvicorn."""

from __future__ import annotations

import os

import typer

from cxm.cli.output import err_console
from cxm.i18n import _

__all__ = ["register", "serve"]


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        min(os.cpu_count() or 1, 4),
        "--workers",
        min=1,
        max=64,
        help="Worker processes (default: one per core, at most 4; each keeps 10 database "
        "connections).",
    ),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve CXM on the configured database (CXM_DATABASE_URL; SQLite file by default)."""
    import uvicorn

    from cxm.cli.context import open_store, settings

    cfg = settings()
    cfg.check_secrets()
    # Migrate an empty database once, before the workers start. No read cache: with one
    # worker uvicorn serves in this process, and each request must read afresh.
    with open_store(cache=False):
        pass
    err_console.print(_("CXM listening on http://{host}:{port}/", host=host, port=port))
    uvicorn.run(
        "cxm.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # Below info level no access line is written, yet uvicorn would still format its
        # fields for every request.
        access_log=log_level.lower() in ("trace", "debug", "info"),
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
