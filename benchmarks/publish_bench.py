"""Benchmark: what the publishers cost on a year of once-a-minute data.

    .venv/bin/python benchmarks/publish_bench.py [--days 365] [--rounds 300]

Fills a fresh database with `days` of minute readings and as many logged frames (1 in 50
rejected), then times, with time.process_time (CPU of this process):
  first read     StoreReader.read() on a fresh reader: the energy total's start and the frame
                 tally's one full count (what a service start with MQTT or a first scrape pays)
  MQTT round     one publisher poll after a new reading and frame: read + the state payloads
                 (the counter moves on in every round here: the energy state is saved each time)
  idle round     one poll with nothing new (29 of 30 polls with a reading a minute)
  metrics        one /metrics body (collector + process collectors), as a scrape makes it
The MQTT publisher polls every 2 s: 60 rounds with a reading and 1740 idle ones per hour
(the broker connection itself adds only the socket writes).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from stromzaehler.config import Settings
from stromzaehler.publish.discovery import energy_state, health_state, timestamp_state
from stromzaehler.publish.metrics import build_registry, render
from stromzaehler.publish.readout import StoreReader
from stromzaehler.store import Store

T0 = 1_767_222_000  # 2026-01-01 00:00 Europe/Berlin
POLLS_PER_HOUR = 1800


def fill(store: Store, days: int) -> int:
    minutes = days * 1440
    rng = np.random.default_rng(1)
    power_w = np.clip(rng.gamma(2.0, 250.0, minutes), 80, 9000)
    counter = (99_516_000 + np.cumsum(power_w / 60)).astype(np.int64) // 100 * 100
    times = T0 + 60 * np.arange(minutes)
    store.add_readings_bulk(
        (int(t), int(c), 0.99, "camera") for t, c in zip(times, counter, strict=True)
    )
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO frames (t_utc, source, status, reason) VALUES (?, 'camera', ?, ?)",
            (
                (int(t), "rejected" if i % 50 == 0 else "accepted",
                 "too_fast" if i % 50 == 0 else None)
                for i, t in enumerate(times)
            ),
        )
    return int(times[-1])


def cpu_ms(action, repeat: int = 1) -> float:
    started = time.process_time()
    for _ in range(repeat):
        action()
    return (time.process_time() - started) * 1000 / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder))
        last_t = fill(store, args.days)
        print(f"{args.days} days: {store.count_readings()} readings and frames")
        reader = StoreReader(store, Settings())
        print(f"first read     {cpu_ms(reader.read):8.1f} ms CPU")

        t = last_t
        counter = store.last_reading().counter_wh

        def mqtt_round() -> None:
            nonlocal t, counter
            t += 60
            counter += 100
            store.add_reading(t, counter, 0.99, "camera")
            store.log_frame(t, "camera", "accepted")
            started = time.process_time()
            readout = reader.read()
            energy_state(readout.total.published_wh)
            timestamp_state(readout.last_reading_utc)
            health_state(readout.frames_accepted, readout.frames_rejected,
                         readout.last_status, readout.last_reason)
            spent.append(time.process_time() - started)

        spent: list[float] = []
        for _ in range(args.rounds):
            mqtt_round()
        round_ms = float(np.median(spent)) * 1000
        print(f"MQTT round     {round_ms:8.3f} ms CPU (median of {args.rounds})")
        spent.clear()
        for _ in range(args.rounds):
            started = time.process_time()
            reader.read()
            spent.append(time.process_time() - started)
        idle_ms = float(np.median(spent)) * 1000
        per_hour_s = (60 * round_ms + (POLLS_PER_HOUR - 60) * idle_ms) / 1000
        print(f"idle round     {idle_ms:8.3f} ms CPU (median of {args.rounds})")
        print(f"publisher      {per_hour_s:8.2f} s CPU per hour of running")
        registry = build_registry(reader)
        print(f"metrics        {cpu_ms(lambda: render(registry), 50):8.2f} ms CPU per scrape")


if __name__ == "__main__":
    main()
