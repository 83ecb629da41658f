"""Settings changes reach every running part at once.

The web's settings and set-up pages validate and save a change, then `publish` it here; every
part that subscribed (the capture loop, the disc loop, later the publishers) gets the new
Settings right away, without a restart. The API is two calls:

    hub.subscribe(callback)    # callback(settings) after every change; returns unsubscribe
    hub.publish(settings)      # the new settings become current, every callback is called

`hub.settings` is always the current Settings. Callbacks run in the publishing thread, in the
order they subscribed; they should only take the values over and return quickly. A callback
that raises is logged and does not keep the others from their change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .config import Settings

log = logging.getLogger(__name__)

SettingsCallback = Callable[[Settings], None]


class SettingsHub:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._callbacks: list[SettingsCallback] = []
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self._settings

    def subscribe(self, callback: SettingsCallback) -> Callable[[], None]:
        """Call `callback(settings)` after every change from now on; returns the unsubscribe."""
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def publish(self, settings: Settings) -> None:
        """Make `settings` current and hand them to every subscriber."""
        with self._lock:
            self._settings = settings
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(settings)
            except Exception:  # one part failing must not keep the others on old settings
                log.exception("applying changed settings failed in %r", callback)
