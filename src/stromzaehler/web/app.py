"""The FastAPI application: API routers, static pages, compression and caching."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..config import Settings
from ..disc_loop import DiscLoop
from ..service import CaptureService
from ..store import Store
from . import (
    api_adaptation,
    api_auth,
    api_consumption,
    api_live,
    api_power,
    api_review,
    api_settings,
    api_setup,
)
from .deps import AppContext

STATIC_DIR = Path(str(files("stromzaehler") / "web" / "static"))
# Streams must reach the browser part by part; gzip would hold them back.
UNCOMPRESSED_PATHS = {"/api/stream", "/api/power/stream"}


class CachedStaticFiles(StaticFiles):
    """Static files with validators (ETag) and a short cache; vendored libraries a long one."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.startswith("vendor/"):
            response.headers["Cache-Control"] = "public, max-age=604800"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


class CompressExceptStreams:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in UNCOMPRESSED_PATHS:
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


def create_app(
    settings: Settings,
    store: Store,
    service: CaptureService | None,
    disc_loop: DiscLoop | None = None,
) -> FastAPI:
    app = FastAPI(
        title="stromzaehler-pi",
        version=__version__,
        description="Readings and consumption of a Ferraris electricity meter read by a camera.",
    )
    app.state.context = AppContext(settings=settings, store=store, service=service)
    app.state.disc_loop = disc_loop
    for router in (
        api_live.router,
        api_auth.router,
        api_consumption.router,
        api_settings.router,
        api_setup.router,
        api_review.router,
        api_power.router,
        api_adaptation.router,
    ):
        app.include_router(router)
    app.mount("/", CachedStaticFiles(directory=STATIC_DIR, html=True), name="static")
    app.add_middleware(CompressExceptStreams)
    return app
