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
from ..capture.disc_loop import DiscLoop
from ..capture.loop import CaptureService
from ..config import Settings
from ..settings_hub import SettingsHub
from ..store import Store
from . import (
    api_adaptation,
    api_aim,
    api_auth,
    api_backup,
    api_consumption,
    api_live,
    api_metrics,
    api_power,
    api_pv,
    api_review,
    api_settings,
    api_setup,
)
from .body_limit import BodyLimit
from .deps import AppContext
from .errors import install_error_handlers

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
    hub: SettingsHub | None = None,
) -> FastAPI:
    """The app; settings changes go through `hub` (runtime.py subscribes the running parts).
    Without a hub, one is made here with `service` and `disc_loop` subscribed."""
    if hub is None:
        hub = SettingsHub(settings)
        for part in (service, disc_loop):
            if part is not None:
                hub.subscribe(part.reconfigure)
    app = FastAPI(
        title="stromzaehler-pi",
        version=__version__,
        description="Readings and consumption of a Ferraris electricity meter read by a camera.",
    )
    app.state.context = AppContext(store=store, service=service, hub=hub)
    app.state.disc_loop = disc_loop
    for router in (
        api_live.router,
        api_auth.router,
        api_consumption.router,
        api_settings.router,
        api_setup.router,
        api_review.router,
        api_power.router,
        api_aim.router,
        api_pv.router,
        api_backup.router,
        api_metrics.router,
        api_adaptation.router,
    ):
        app.include_router(router)
    app.mount("/", CachedStaticFiles(directory=STATIC_DIR, html=True), name="static")
    app.add_middleware(CompressExceptStreams)
    # Added last: the outermost, before anything reads a body. The PVGIS upload has its own cap.
    app.add_middleware(BodyLimit, limits=api_pv.BODY_LIMITS)
    install_error_handlers(app)
    return app
