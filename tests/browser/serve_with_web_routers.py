"""`stromzaehler serve` with the web interface's routers included even where create_app does
not include them yet (they are added ahead of the static files mounted at /).

Usage: python -m tests.browser.serve_with_web_routers serve --port P --data D ...
"""

from __future__ import annotations

import importlib
import sys

from stromzaehler import cli
from stromzaehler.web import app as web_app

ROUTER_MODULES = (
    "stromzaehler.web.api_settings",
    "stromzaehler.web.api_setup",
    "stromzaehler.web.api_review",
    "stromzaehler.web.api_consumption",
)


def include_missing_routers(app):
    present = {getattr(route, "path", None) for route in app.router.routes}
    for name in ROUTER_MODULES:
        try:
            router = importlib.import_module(name).router
        except ImportError:
            continue
        if not any(route.path in present for route in router.routes):
            app.include_router(router)
    static = [route for route in app.router.routes if getattr(route, "name", "") == "static"]
    for route in static:
        app.router.routes.remove(route)
        app.router.routes.append(route)
    return app


def main() -> int:
    original = web_app.create_app
    web_app.create_app = lambda *args, **kwargs: include_missing_routers(original(*args, **kwargs))
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
