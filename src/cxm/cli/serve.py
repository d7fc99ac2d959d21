"""``cxm serve``: run the web app (respondent pages, staff pages, API) with uvicorn.

``--production`` serves as in docs/deploy.md: several workers, JSON logs with request ids,
idle and slow-client timeouts, header and body size limits, HSTS; behind the proxies named
in CXM_TRUSTED_PROXIES."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated

import typer

from cxm.cli.output import err_console
from cxm.i18n import _

__all__ = ["register", "serve"]


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes (default: one per core, at most 4, or 8 in production; "
            "each keeps 10 database connections).",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "",
    production: Annotated[
        bool,
        typer.Option(
            "--production",
            help="Production mode: CXM_ENV=production (HSTS, real secret required), JSON "
            "logs, idle and header timeouts, header size limit.",
        ),
    ] = False,
    idle_timeout: Annotated[
        int,
        typer.Option(
            "--idle-timeout",
            min=1,
            max=600,
            help="Production: seconds a connection may stay idle, before its first request "
            "or between requests.",
        ),
    ] = 5,
    max_header_bytes: Annotated[
        int,
        typer.Option(
            "--max-header-bytes", min=1024, max=1_048_576, help="Production: largest request head."
        ),
    ] = 16_384,
    backlog: Annotated[
        int, typer.Option("--backlog", min=16, max=65_535, help="Production: listen backlog.")
    ] = 4096,
    limit_concurrency: Annotated[
        int | None,
        typer.Option(
            "--limit-concurrency",
            min=1,
            help="Production: connections per worker beyond which new requests get 503.",
        ),
    ] = None,
) -> None:
    """Serve CXM on the configured database (CXM_DATABASE_URL; SQLite file by default)."""
    import tempfile

    import uvicorn

    from cxm.cli.context import open_store, settings
    from cxm.web.server import (
        ServeOptions,
        app_factory,
        cpu_workers,
        trusted_proxy_list,
        uvicorn_options,
    )

    if production:
        os.environ["CXM_ENV"] = "production"  # the workers read their settings again
        os.environ["CXM_LOG_JSON"] = "true"
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cxm-metrics-")
    cfg = settings()
    cfg.check_secrets()
    say: Callable[[str], None] = err_console.print
    if production or cfg.log_json:  # every line on stderr is JSON, these too
        import logging
        import logging.config

        from cxm.web.logs import log_config

        logging.config.dictConfig(log_config(log_level or "info"))
        say = logging.getLogger("cxm.serve").warning
    if not cfg.smtp_host:
        say(_("Warning: e-mail is not configured (CXM_SMTP_HOST): survey e-mails answer 409."))
    # Migrate an empty database once, before the workers start. No read cache: with one
    # worker uvicorn serves in this process, and each request must read afresh.
    with open_store(cache=False):
        pass
    options = ServeOptions(
        host=host,
        port=port,
        workers=workers or (cpu_workers() if production else min(os.cpu_count() or 1, 4)),
        log_level=log_level or ("info" if production else "warning"),
        production=production,
        idle_timeout_s=idle_timeout,
        max_header_bytes=max_header_bytes,
        backlog=backlog,
        limit_concurrency=limit_concurrency,
        trusted_proxies=trusted_proxy_list(cfg.trusted_proxies),
        log_json=cfg.log_json,
    )
    say(_("CXM listening on http://{host}:{port}/", host=host, port=port))
    uvicorn.run(app_factory(options), **uvicorn_options(options))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
