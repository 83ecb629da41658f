"""Request bodies are capped before they are read into memory (the Pi 2 has 1 GB).

FastAPI reads a whole JSON body before it validates it, so a 200 MB login body would sit in
memory (several times over while it is parsed). This ASGI middleware reads the body itself,
counting the bytes as they arrive, and answers 413 as soon as it is larger than its route
allows: a Content-Length that says so is refused before a byte is read, a chunked body when the
count passes the cap. Only bodies within the cap reach the application.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Every body the API takes is a small JSON object (a password, a few settings, a geometry).
JSON_BODY_LIMIT_BYTES = 8 * 1024


def _too_large_response(limit: int) -> tuple[Message, Message]:
    body = json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """Caps request bodies: `limits` maps a path prefix to its own cap (e.g. an upload)."""

    def __init__(
        self,
        app: ASGIApp,
        default_bytes: int = JSON_BODY_LIMIT_BYTES,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.limits = dict(limits or {})

    def limit_for(self, path: str) -> int:
        matches = [prefix for prefix in self.limits if path.startswith(prefix)]
        return self.limits[max(matches, key=len)] if matches else self.default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            for message in _too_large_response(limit):
                await send(message)
            return

        # The body is collected here, never more than `limit` bytes of it, and handed on.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before its body was complete
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                for answer in _too_large_response(limit):
                    await send(answer)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # later calls wait for the disconnect, as before

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
