"""`stromzaehler doctor`: what the owner would otherwise debug by hand on the Pi."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..clock import clock_synchronised
from ..config import Settings
from ..light import open_light
from ..sources import open_source, resolve_source_spec
from ..store.checks import UnusableDataError, check_data_folder

MIN_FREE_BYTES = 200 * 1024**2
FPS_PROBE_FRAMES = 10
LOW_RESOLUTION = (320, 240)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_camera(settings: Settings) -> CheckResult:
    spec = resolve_source_spec(settings.capture.source)
    try:
        source = open_source(settings.capture.model_copy(update={"source": spec}))
        started = time.perf_counter()
        frame = source.capture()
        elapsed_ms = (time.perf_counter() - started) * 1000
        source.close()
    except Exception as error:
        return CheckResult(
            "camera",
            False,
            f"{spec}: {error}",
            "check the ribbon cable, `rpicam-hello --list-cameras`, and the user's video group",
        )
    height, width = frame.image.shape[:2]
    note = " (simulated meter: no camera found)" if spec == "simulated" else ""
    return CheckResult("camera", True, f"{spec}: {width}x{height} in {elapsed_ms:.0f} ms{note}")


def check_fps(settings: Settings) -> CheckResult:
    spec = resolve_source_spec(settings.capture.source)
    low = settings.capture.model_copy(
        update={"source": spec, "width": LOW_RESOLUTION[0], "height": LOW_RESOLUTION[1]}
    )
    try:
        source = open_source(low)
        source.capture()  # the first frame includes start-up
        started = time.perf_counter()
        for _ in range(FPS_PROBE_FRAMES):
            source.capture()
        fps = FPS_PROBE_FRAMES / (time.perf_counter() - started)
        source.close()
    except Exception as error:
        return CheckResult("frames per second", False, str(error), "fix the camera first")
    ok = fps >= 5
    return CheckResult(
        "frames per second",
        ok,
        f"{fps:.1f} frames/s at {LOW_RESOLUTION[0]}x{LOW_RESOLUTION[1]}",
        ""
        if ok
        else "disc tracking needs 5 frames/s: lower the resolution or close other programs",
    )


def check_light(settings: Settings) -> CheckResult:
    light = open_light(settings.light.gpio_pin, settings.light.enabled)
    try:
        light.set(True)
        light.set(False)
    except Exception as error:
        return CheckResult("LED", False, f"{light.name}: {error}", "add the user to group gpio")
    finally:
        light.close()
    driven = not light.name.startswith("none")
    return CheckResult(
        "LED",
        driven or settings.light.gpio_pin is None or not settings.light.enabled,
        f"{light.name} toggled on and off" if driven else light.name,
        "" if driven else "Pi: apt install python3-lgpio; no LED: light.enabled = false",
    )


def check_clock(settings: Settings) -> CheckResult:
    synced = clock_synchronised()
    if synced:
        return CheckResult("clock", True, "synchronised by NTP")
    return CheckResult(
        "clock",
        not settings.capture.require_clock_sync,
        "not synchronised" if synced is False else "synchronisation state unknown",
        "enable NTP: `sudo timedatectl set-ntp true`; the Pi has no real-time clock",
    )


def check_disk(settings: Settings) -> CheckResult:
    folder = settings.storage.data_dir
    probe = folder if folder.exists() else folder.parent.resolve()
    free = shutil.disk_usage(probe).free
    return CheckResult(
        "free disk",
        free >= MIN_FREE_BYTES,
        f"{free / 1024**3:.1f} GiB free at {probe}",
        "free space or lower storage.rejected_frames_kept",
    )


def check_data_dir(settings: Settings) -> CheckResult:
    folder = settings.storage.data_dir
    try:
        check_data_folder(folder)  # the same check `serve` makes before it opens the store
    except UnusableDataError as error:
        return CheckResult(
            "data folder",
            False,
            str(error),
            f"sudo chown stromzaehler: {folder} (or run with --data on a writable folder)",
        )
    return CheckResult("data folder", True, f"{folder} is writable")


def check_database(settings: Settings) -> CheckResult:
    from ..store import DATABASE_NAME
    from ..store.checks import database_problem

    path = settings.storage.data_dir / DATABASE_NAME
    problem = database_problem(path)
    if problem is None:
        return CheckResult("database", True, f"{path}: quick_check ok" if path.exists()
                           else f"{path}: none yet (created at the first start)")
    return CheckResult(
        "database",
        False,
        problem,
        "stop the service, keep the damaged file, then `stromzaehler restore BACKUP`"
        " (backups are in the data folder's backups/)",
    )


def check_port(settings: Settings) -> CheckResult:
    port = settings.server.port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((settings.server.host, port))
        except OSError as error:
            fix = (
                "ports below 1024 need CAP_NET_BIND_SERVICE (the systemd unit grants it)"
                if port < 1024 and error.errno == 13
                else "another program uses the port: `sudo ss -ltnp`, or choose --port"
            )
            return CheckResult("port", False, f"{port}: {error.strerror}", fix)
    return CheckResult("port", True, f"{port} is free")


def check_aiming(settings: Settings) -> CheckResult:
    """The aiming aid on one frame: light, contrast, sharpness, fill, glare, rollers found."""
    from ..capture.aim import aim_on_camera

    return CheckResult("aiming", *aim_on_camera(settings))


def check_mqtt(settings: Settings) -> CheckResult:
    from ..publish.probe import probe_broker

    result = probe_broker(settings.mqtt)
    return CheckResult("MQTT broker", result.ok, result.detail, result.fix)


CHECKS: tuple[Callable[[Settings], CheckResult], ...] = (
    check_camera,
    check_fps,
    check_light,
    check_aiming,
    check_clock,
    check_disk,
    check_data_dir,
    check_database,
    check_port,
    check_mqtt,
)


def run_checks(settings: Settings) -> list[CheckResult]:
    return [check(settings) for check in CHECKS]


def format_table(results: list[CheckResult]) -> str:
    width = max(len(r.name) for r in results)
    lines = []
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        lines.append(f"{mark}  {result.name:<{width}}  {result.detail}")
        if not result.ok and result.fix:
            lines.append(f"      {'':<{width}}  → {result.fix}")
    return "\n".join(lines)
