"""The disc loop over the service's life: there from the start when a disc window is set,
created and started the moment a window is added later over the web (Set-up page).

Used by the wiring (runtime.py). Once a loop runs it follows every change itself
(DiscLoop.reconfigure: a moved window, rev/kWh, fps, enabled; a removed window switches
tracking off), so this only covers the step from "no loop" to "a loop". Whoever shows the loop
(the web app's state, the publishers' store reader) is told through `on_created`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..config import Settings
from ..settings_hub import SettingsHub
from .disc_loop import DiscLoop

log = logging.getLogger(__name__)

DiscLoopFactory = Callable[[Settings], DiscLoop | None]


class DiscLoopKeeper:
    """Holds the running disc loop (or None); a SettingsHub subscriber."""

    def __init__(
        self,
        hub: SettingsHub,
        build: DiscLoopFactory,
        loop: DiscLoop | None = None,
    ) -> None:
        """`build(settings)` makes a loop, None without a disc window (runtime.build_disc_loop);
        `loop` is the one built at start, if any."""
        self._hub = hub
        self._build = build
        self._lock = threading.Lock()
        self._listeners: list[Callable[[DiscLoop], None]] = []
        self._started = False
        self.loop = loop
        if loop is not None:
            hub.subscribe(loop.reconfigure)
        hub.subscribe(self._settings_changed)

    def on_created(self, listener: Callable[[DiscLoop], None]) -> None:
        """Call `listener(loop)` when a loop is created after the start."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Start the loop built at start (if any); later loops start when they are made."""
        with self._lock:
            self._started = True
            if self.loop is not None:
                self.loop.start()

    def stop(self) -> None:
        with self._lock:
            self._started = False
            if self.loop is not None:
                self.loop.stop()

    def _settings_changed(self, settings: Settings) -> None:
        with self._lock:
            if self.loop is not None or not self._started:
                return  # a running loop follows the change itself (DiscLoop.reconfigure)
            loop = self._build(settings)
            if loop is None:
                return
            self.loop = loop
            loop.start()
        log.info("disc: a disc window was set, tracking starts")
        self._hub.subscribe(loop.reconfigure)
        for listener in self._listeners:
            listener(loop)
