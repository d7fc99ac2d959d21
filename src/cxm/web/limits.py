"""Limits on what a request may bring: body size (413, also for chunked bodies) and JSON
nesting depth (400), checked before any route reads the body; a body that trickles in
slower than the read timeout is refused (408). The login throttle is in the database
(:mod:`cxm.accounts.throttle`)."""

from __future__ import annotations

import asyncio
import re

import numpy as np
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxm.i18n import _
from cxm.web.controls import ControlFound, find_control

__all__ = ["MAX_JSON_DEPTH", "BodyLimitMiddleware", "json_depth"]

MAX_JSON_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(body: bytes) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text (brackets inside strings ignored)."""
    stripped = _STRINGS.sub(b'""', body)
    arr = np.frombuffer(stripped, dtype=np.uint8)
    steps = (np.isin(arr, (0x5B, 0x7B))).astype(np.int32) - np.isin(arr, (0x5D, 0x7D))
    return int(np.cumsum(steps).max()) if steps.size else 0


class BodyLimitMiddleware:
    """Reads the body up to ``max_bytes`` (refusing more with 413) and replays it to the app;
    a JSON body nested deeper than :data:`MAX_JSON_DEPTH` is refused with 400."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, read_timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_s = read_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if query:
            found = find_control(query=query)
            if found:
                await self._refuse_control(scope, send, found)
                return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.max_bytes:
                await self._refuse(scope, send, 413 if declared > 0 else 400)
                return
        chunks: list[bytes] = []
        total = 0
        more = True
        while more:
            try:
                # A client that trickles its body (slowloris) holds a worker slot: bounded.
                message = await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                await self._refuse(scope, send, 408)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await self._refuse(scope, send, 413)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").lower()
        if b"json" in content_type and json_depth(body) > MAX_JSON_DEPTH:
            await self._refuse(scope, send, 400)
            return
        found = find_control(body=body, content_type=content_type)
        if found:
            await self._refuse_control(scope, send, found)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse_control(self, scope: Scope, send: Send, found: ControlFound) -> None:
        from cxm.web.errors import render_error

        reason = _(
            "contains the control character U+{code:04X} at character {position}; remove it "
            "(only tab and line breaks are allowed in text)",
            code=found.codepoint,
            position=found.position,
        )
        response = render_error(
            Request(scope),
            status=422,
            code="control_character",
            message=_("Field {field} {reason}.", field=found.field, reason=reason),
            details=[{"row": None, "column": found.field, "value": None, "reason": reason}],
        )
        await response(scope, _no_receive, send)

    async def _refuse(self, scope: Scope, send: Send, status: int) -> None:
        from cxm.web.errors import render_error

        request = Request(scope)
        if status == 408:
            message = _(
                "The request body did not arrive within {n} seconds.", n=self.read_timeout_s
            )
            code = "body_timeout"
        elif status == 413:
            message = _("The request body is larger than the limit of {n} bytes.", n=self.max_bytes)
            code = "too_large"
        else:
            message = _(
                "The request body is not acceptable (invalid length or JSON nested deeper "
                "than {n} levels).",
                n=MAX_JSON_DEPTH,
            )
            code = "bad_body"
        response = render_error(request, status=status, code=code, message=message)
        response.headers["Connection"] = "close"
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
