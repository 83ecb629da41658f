"""Error bodies that match the OpenAPI schema, whatever the client sent.

FastAPI documents every 422 as `{"detail": [{"loc", "msg", "type"}]}`. Routes that refuse a
value themselves raise HTTPException(422, "message"); that becomes the same list here, so a
client (and the property test over the schema) sees one shape. Validation errors leave out the
offending input: echoing it back failed with 500 for a NaN or a lone surrogate, which JSON
cannot carry.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


def _safe_text(value: Any) -> str:
    # Lone surrogates ("\ud800") cannot be encoded as UTF-8: replace them.
    return str(value).encode("utf-8", "replace").decode("utf-8")


def validation_items(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [item if isinstance(item, int) else _safe_text(item) for item in error["loc"]],
            "msg": _safe_text(error.get("msg", "")),
            "type": _safe_text(error.get("type", "value_error")),
        }
        for error in errors
    ]


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": validation_items(list(error.errors()))}, status_code=422)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code != 422 or isinstance(error.detail, list):
        return await http_exception_handler(request, error)
    detail = [{"loc": ["request"], "msg": _safe_text(error.detail), "type": "value_error"}]
    return JSONResponse({"detail": detail}, status_code=422, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def detail_text(body: dict[str, Any]) -> str:
    """The messages of an error body as one line (for tests and logs)."""
    detail = body.get("detail")
    if isinstance(detail, list):
        return "; ".join(str(item.get("msg", "")) for item in detail)
    return str(detail)
