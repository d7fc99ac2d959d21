"""gzip for the text the app sends (pages, JSON, CSS, CSV, SVG), streamed as it goes.

Starlette's ``GZipMiddleware`` compresses every type it does not exclude (PDFs, Excel
files, Parquet would be squeezed again for nothing); this one compresses only text types.
A streamed body (the response exports) is compressed chunk by chunk, each flushed, so the
client keeps receiving as the server writes; a small body (under ``minimum_size``, such as
a respondent's saved-page redirect) is sent as it is. Responses already encoded, partial
(206) or empty (204/304) pass through, and so does a file sent by path.
"""

from __future__ import annotations

import zlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["COMPRESSIBLE", "CompressMiddleware"]

COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "application/x-ndjson",
        "image/svg+xml",
    }
)


class CompressMiddleware:
    def __init__(self, app: ASGIApp, *, minimum_size: int = 500, level: int = 6) -> None:
        self.app, self.minimum_size, self.level = app, minimum_size, level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "gzip" not in Headers(scope=scope).get("accept-encoding", ""):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        passthrough = False
        compressor: zlib._Compress | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start, passthrough, compressor
            kind = message["type"]
            if kind == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                media = headers.get("content-type", "").partition(";")[0].strip().lower()
                if (
                    "content-encoding" in headers
                    or message["status"] in (204, 206, 304)
                    or media not in COMPRESSIBLE
                ):
                    passthrough = True
                    await send(message)
                else:
                    start = message
                return
            if passthrough:
                await send(message)
                return
            if kind != "http.response.body" or start is None:
                if start is not None:  # a file sent by path: as it is
                    await send(start)
                    start = None
                    passthrough = True
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more: bool = message.get("more_body", False)
            if compressor is None:
                headers = MutableHeaders(raw=start["headers"])
                headers.add_vary_header("Accept-Encoding")
                if not more and len(body) < self.minimum_size:
                    passthrough = True
                    await send(start)
                    await send(message)
                    return
                compressor = zlib.compressobj(self.level, zlib.DEFLATED, 31)  # 31: gzip
                headers["Content-Encoding"] = "gzip"
                data = compressor.compress(body) + compressor.flush(
                    zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH
                )
                if more:
                    if "content-length" in headers:
                        del headers["Content-Length"]
                else:
                    headers["Content-Length"] = str(len(data))
                await send(start)
                await send({"type": "http.response.body", "body": data, "more_body": more})
                return
            data = compressor.compress(body) + compressor.flush(
                zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH
            )
            await send({"type": "http.response.body", "body": data, "more_body": more})

        await self.app(scope, receive, send_compressed)
