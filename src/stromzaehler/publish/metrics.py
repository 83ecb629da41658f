"""Prometheus metrics: a custom collector that reads the current state at each scrape.

`stromzaehler_energy_joules_total` is the same never-decreasing total as the MQTT energy (see
energy_total.py) in joules, so `rate(stromzaehler_energy_joules_total[5m])` is watts. The
process metrics (memory, CPU, open files) come from prometheus_client's own collectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from ..store.revolutions import RevolutionStore
from .readout import StoreReader

JOULES_PER_WH = 3600
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PUBLISHER_STATES = ("off", "connecting", "connected", "refused", "disconnected", "failed")


class StromzaehlerCollector(Collector):
    def __init__(
        self, reader: StoreReader, publisher_state: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        self.reader = reader
        self.publisher_state = publisher_state

    def collect(self) -> Iterator[Metric]:
        readout = self.reader.read()
        store = self.reader.store

        energy = CounterMetricFamily(
            "stromzaehler_energy_joules",
            "Accepted meter counter as a never-decreasing total (continues across meter"
            " replacements), in joules",
        )
        if readout.total is not None:
            energy.add_metric([], readout.total.published_wh * JOULES_PER_WH)
        yield energy

        power = GaugeMetricFamily(
            "stromzaehler_power_watts", "Power from the disc now (absent while unknown)"
        )
        if readout.power_w is not None:
            power.add_metric([], readout.power_w)
        yield power

        frames = CounterMetricFamily(
            "stromzaehler_frames",
            "Captured frames by the verdict at capture time (status) and its reason",
            labels=["status", "reason"],
        )
        for (status, reason), count in sorted(readout.frames.items()):
            frames.add_metric([status, reason], count)
        yield frames

        yield GaugeMetricFamily(
            "stromzaehler_readings_stored", "Readings in the database", value=store.count_readings()
        )
        last = GaugeMetricFamily(
            "stromzaehler_last_reading_timestamp_seconds", "Time of the newest stored reading"
        )
        if readout.last_reading_utc is not None:
            last.add_metric([], readout.last_reading_utc)
        yield last
        yield CounterMetricFamily(
            "stromzaehler_disc_revolutions",
            "Disc revolutions stored",
            value=RevolutionStore(store).count(),
        )
        yield from self._publisher()

    def _publisher(self) -> Iterator[Metric]:
        state = self.publisher_state() if self.publisher_state else {"state": "off"}
        gauge = GaugeMetricFamily(
            "stromzaehler_mqtt_state",
            "MQTT publisher state (1 for the current one)",
            labels=["state"],
        )
        for name in PUBLISHER_STATES:
            gauge.add_metric([name], 1.0 if state.get("state") == name else 0.0)
        yield gauge
        yield GaugeMetricFamily(
            "stromzaehler_mqtt_connected",
            "1 while connected to the MQTT broker",
            value=1.0 if state.get("state") == "connected" else 0.0,
        )
        yield CounterMetricFamily(
            "stromzaehler_mqtt_messages_published",
            "MQTT messages published since the publisher (re)started",
            value=state.get("messages_published", 0),
        )


def build_registry(
    reader: StoreReader, publisher_state: Callable[[], dict[str, Any]] | None = None
) -> CollectorRegistry:
    """A registry of its own (not the library's global one): one per app, tests stay apart."""
    registry = CollectorRegistry()
    registry.register(StromzaehlerCollector(reader, publisher_state))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
