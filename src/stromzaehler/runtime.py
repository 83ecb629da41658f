"""Wire the parts together for `serve`: store, source, light, frame handler, capture loop, web."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .backups import BackupWorker, ServiceLock, backup_folder
from .capture.disc_keeper import DiscLoopKeeper
from .capture.disc_loop import DiscLoop
from .capture.loop import CaptureService
from .capture.verdict import FrameHandler
from .config import Settings
from .light import HeldLight, open_light
from .settings_hub import SettingsHub
from .sources import FrameSource, open_source, resolve_source_spec
from .sources.disc import disc_frames_for
from .store import Store
from .store.checks import UnusableDataError, check_data_folder

if TYPE_CHECKING:
    from .analytics.upkeep import UpkeepWorker

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .publish.mqtt import MqttPublisher

log = logging.getLogger(__name__)


def build_service(settings: Settings, store: Store) -> CaptureService:
    capture = settings.capture.model_copy(
        update={"source": resolve_source_spec(settings.capture.source)}
    )
    last = store.last_reading()

    def source_factory() -> FrameSource:
        if capture.source == "simulated" and last is not None and last.source == "simulated":
            # Continue the simulated meter where the database left it, never back in time.
            return open_source(
                capture, start_utc=max(time.time(), last.t_utc + 1.0), start_wh=last.counter_wh
            )
        return open_source(capture)

    handler = FrameHandler.for_settings(store, settings)
    # Shared by the minute capture (on around each frame) and the disc loop (held on).
    light = HeldLight(open_light(settings.light.gpio_pin, settings.light.enabled))
    log.info("light: %s", light.name)
    return CaptureService(
        source_factory, handler, settings.capture.interval_s, light, settings.light.enabled
    )


def build_disc_loop(settings: Settings, store: Store, service: CaptureService) -> DiscLoop | None:
    """The fast disc loop on the capture's own source; None without a disc window."""
    geometry = settings.meter.geometry()
    window = geometry.disc_window
    if window is None:
        log.info("disc: no disc window configured, not tracking")
        return None
    size = (settings.capture.width, settings.capture.height)
    light = service.light if isinstance(service.light, HeldLight) else None
    loop = DiscLoop(
        lambda: disc_frames_for(service.opened_source(), loop.window or window, size),
        store,
        geometry.revolutions_per_kwh,
        fps=settings.disc.fps,
        light=light,
        speed=settings.capture.speed,
        enabled=settings.disc.enabled,
        window=window,
    )
    return loop


def start_upkeep(current: Callable[[], Settings], store: Store) -> UpkeepWorker:
    """Keep the consumption pre-aggregate current in the background (bounded steps, each its
    own short transaction); queries compute what is not current yet on the fly. `current`
    gives the settings in force (the web interface may change the meter)."""
    from .analytics.query import QueryContext
    from .analytics.upkeep import UpkeepWorker
    from .store.counters import CounterStore

    worker = UpkeepWorker(
        lambda: CounterStore(store), lambda: QueryContext.for_settings(current()).model
    )
    worker.start()
    return worker


def start_publishing(
    settings: Settings,
    store: Store,
    disc_loop: DiscLoop | None,
    app: FastAPI,
    subscribe: Callable[[Callable[[Settings], None]], object],
) -> MqttPublisher:
    """The MQTT publisher (idle while mqtt.host is empty) and the store reader that it and
    GET /metrics share; `subscribe(callback)` hands it every settings change at once."""
    from .publish.mqtt import MqttPublisher
    from .publish.readout import StoreReader

    reader = StoreReader(store, settings, disc_loop)
    publisher = MqttPublisher(settings.mqtt, reader)
    app.state.store_reader = reader
    app.state.mqtt = publisher
    subscribe(reader.reconfigure)
    subscribe(publisher.reconfigure)
    publisher.start()
    return publisher


def serve(settings: Settings) -> None:
    import uvicorn

    from .web.app import create_app

    started = time.monotonic()
    # The lock first: a second `serve` must not check or migrate a database in use.
    check_data_folder(settings.storage.data_dir)
    lock = ServiceLock(settings.storage.data_dir)
    if not lock.acquire():
        raise UnusableDataError(
            f"data folder {settings.storage.data_dir}: another `stromzaehler serve` uses it"
        )
    store = Store.open(settings.storage.data_dir)
    backups = BackupWorker(
        settings.storage.data_dir,
        backup_folder(settings.storage.data_dir, settings.storage.backup_dir),
    )
    backups.start()
    service = build_service(settings, store)
    disc_loop = build_disc_loop(settings, store, service)
    # Every running part gets a settings change from the web at once; a disc window set
    # later creates the disc loop then (capture/disc_keeper.py).
    hub = SettingsHub(settings)
    hub.subscribe(service.reconfigure)
    disc = DiscLoopKeeper(hub, lambda changed: build_disc_loop(changed, store, service), disc_loop)
    app = create_app(settings, store, service, disc_loop, hub)
    upkeep = start_upkeep(lambda: hub.settings, store)
    service.start()
    disc.start()
    publisher = start_publishing(settings, store, disc_loop, app, hub.subscribe)

    def show_disc_loop(loop: DiscLoop) -> None:
        app.state.disc_loop = loop
        app.state.store_reader.power_source = loop

    disc.on_created(show_disc_loop)
    log.info(
        "starting the web server on http://%s:%d (data in %s, set up in %.1f s)",
        settings.server.host,
        settings.server.port,
        settings.storage.data_dir,
        time.monotonic() - started,
    )
    try:
        uvicorn.run(
            app,
            host=settings.server.host,
            port=settings.server.port,
            log_level="warning",
            access_log=False,
        )
    except SystemExit:
        # uvicorn has said why (port in use, no permission for a port below 1024).
        log.error(
            "the web server could not start on port %d: stop the other program, choose"
            " --port, or (port 80) run through the systemd unit",
            settings.server.port,
        )
        raise
    finally:
        upkeep.stop()
        backups.stop()
        publisher.stop()  # says `offline` to the broker
        disc.stop()  # before the service closes the light they share
        service.stop()
