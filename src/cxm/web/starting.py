"""A lone ``cxm serve`` process answers at once, and says it is starting until it can serve.

Building the app imports every route, service and model (seconds). Served by one process,
nothing would answer meanwhile: a client's connection would hang. :func:`create_starting_app`
is a plain ASGI app that uvicorn loads in a moment; it builds the real app beside the
event loop, runs the real app's start-up (its connections, fixed pages, warm-ups) and only
then hands every request to it. Until then ``/healthz`` and ``/readyz`` answer 503 with
``"status": "starting"`` and any other request 503 with ``Retry-After``: a probe or a
client is told, never left waiting, and a 200 of ``/healthz`` still means "serving".

With several workers (``--workers`` > 1, production) uvicorn's supervisor holds the socket
and a worker takes connections only once built, so the ready workers serve everything;
this app is not used there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cxm import __version__
from cxm.i18n import _

__all__ = ["StartingApp", "create_starting_app"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


def _build_cxm_app() -> ASGIApp:
    from cxm.web.app import create_app

    return create_app()


class StartingApp:
    """Serves ``build()``'s app once built and started; answers "starting" until then."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._outbox: asyncio.Queue[Message] | None = None
        self._lifespan: asyncio.Future[None] | None = None
        self._starting: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self._app is not None

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._run_lifespan(scope, receive, send)
            return
        app = self._app
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "http":
            await self._answer_starting(scope, send)

    async def _run_lifespan(
        self, scope: MutableMapping[str, Any], receive: Receive, send: Send
    ) -> None:
        await receive()  # lifespan.startup: take connections now, build beside
        self._starting = asyncio.create_task(self._start(scope))
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        if self._app is not None and self._inbox is not None and self._outbox is not None:
            await self._inbox.put({"type": "lifespan.shutdown"})
            await self._outbox.get()
            if self._lifespan is not None:
                await self._lifespan
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self, scope: MutableMapping[str, Any]) -> None:
        """Build the real app in a thread, run its start-up, then serve with it."""
        try:
            app = await asyncio.to_thread(self._build)
            self._inbox, self._outbox = asyncio.Queue(), asyncio.Queue()
            self._lifespan = asyncio.ensure_future(app(scope, self._inbox.get, self._outbox.put))
            await self._inbox.put({"type": "lifespan.startup"})
            reply = await self._outbox.get()
            if reply["type"] != "lifespan.startup.complete":
                raise RuntimeError(str(reply.get("message") or reply["type"]))
        except Exception as exc:
            # as uvicorn does when an app cannot be loaded: say why on one line, exit 1
            line = str(exc).splitlines()[0] if str(exc) else ""
            reason = _(
                "CXM could not start: {kind}: {message}", kind=type(exc).__name__, message=line
            )
            logging.getLogger("uvicorn.error").error("%s", reason)
            sys.stderr.flush()
            os._exit(1)
        self._app = app

    async def _answer_starting(self, scope: MutableMapping[str, Any], send: Send) -> None:
        path = scope.get("path", "")
        message = _("CXM is starting; try again in a moment.")
        body: dict[str, Any]
        if path == "/healthz":
            body = {"status": "starting", "version": __version__}
        elif path == "/readyz":
            body = {"status": "starting", "database": "unknown", "migrations": "unknown"}
            body["message"] = message
        else:
            body = {"status": "starting", "message": message}
        payload = json.dumps(body, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"retry-after", b"1"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def create_starting_app() -> StartingApp:
    """The app factory ``cxm serve`` gives uvicorn when it runs one process."""
    return StartingApp(_build_cxm_app)
