"""kill -9 trials with the background upkeep running: nothing committed is lost, the database
stays intact, and the pre-aggregate ends up equal to a computation from the readings.

    python scripts/kill_trials.py [--trials 30]

Each trial changes the counter model key (as a change of the meter settings does), so the
upkeep thread has to rebuild the pre-aggregate of 180 days of readings; then it starts
`stromzaehler serve --simulate` (a frame a second), reads the stored readings over HTTP while
it runs, and kills it with SIGKILL at a random moment. After every kill: PRAGMA integrity_check,
and every reading seen over HTTP before the kill must still be there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from stromzaehler.analytics import aggregate, upkeep
from stromzaehler.analytics.series import CounterModel
from stromzaehler.store import DATABASE_NAME, Store
from stromzaehler.store.counters import CounterStore

DAYS = 180
MODEL = CounterModel.for_meter(7, 1, 1800)  # the default meter: 7 rollers, one decimal


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def seed(data_dir: Path) -> None:
    store = Store.open(data_dir)
    start = int(time.time()) - DAYS * 86400 - 3600
    rows = [(start + 60 * i, 5_000_000 + (i * 9) // 100 * 100, 1.0, "simulated")
            for i in range(DAYS * 1440)]
    store.add_readings_bulk(rows)
    store.close()


def readings_seen(url: str) -> set[tuple[int, int]]:
    # The simulated meter runs 60 times faster, so its newest readings lie ahead of the clock.
    now = int(time.time())
    body = get_json(f"{url}/api/readings?from={now - 7200}&to={now + 30 * 86400}")
    return {(r["t_utc"], r["counter_wh"]) for r in body["readings"]}


def trial(data_dir: Path, rng: random.Random) -> tuple[bool, str]:
    with sqlite3.connect(data_dir / DATABASE_NAME) as connection:
        connection.execute("UPDATE state SET value = 'changed' WHERE key = 'consumption.model'")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stromzaehler", "serve", "--simulate", "--host", "127.0.0.1",
         "--port", str(port), "--data", str(data_dir), "--interval", "60", "--speed", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    seen: set[tuple[int, int]] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get_json(f"{url}/api/health")
            break
        except OSError:
            time.sleep(0.1)
    kill_at = time.monotonic() + rng.uniform(0.5, 12.0)
    while time.monotonic() < kill_at:
        with contextlib.suppress(OSError):
            seen = readings_seen(url)
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    connection = sqlite3.connect(data_dir / DATABASE_NAME)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        stored = set(connection.execute("SELECT t_utc, counter_wh FROM readings").fetchall())
        dirty = connection.execute("SELECT count(*) FROM consumption_dirty").fetchone()[0]
    finally:
        connection.close()
    lost = seen - stored
    ok = integrity == "ok" and not lost
    upkeep_state = "upkeep still busy" if dirty else "upkeep had finished"
    return ok, (f"integrity {integrity}, {len(seen)} readings seen, {len(lost)} lost,"
                f" {upkeep_state} at the kill")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="kill-trials-")) / "data"
    seed(data_dir)
    passed = 0
    for number in range(1, args.trials + 1):
        ok, detail = trial(data_dir, rng)
        passed += ok
        print(f"trial {number:2d}: {'ok  ' if ok else 'FAIL'} {detail}", flush=True)
    # After all the kills the upkeep must still converge to what the readings say.
    store = Store.open(data_dir)
    counters = CounterStore(store)
    steps = upkeep.refresh(counters, MODEL)
    last = store.last_reading()
    assert last is not None
    end = last.t_utc // 86400 * 86400
    zone = ZoneInfo("Europe/Berlin")
    fast = aggregate.consumption(counters, "hour", end - 30 * 86400, end, zone, MODEL)
    direct = aggregate.consumption(counters, "hour", end - 30 * 86400, end, zone, MODEL,
                                   use_quarters=False)
    same = (fast.energy_wh.tolist() == direct.energy_wh.tolist()
            and fast.quality.tolist() == direct.quality.tolist())
    print(f"{passed} of {args.trials} trials ok; {store.count_readings()} readings; final upkeep"
          f" {steps} steps; pre-aggregate equals the readings: {same}")
    sys.exit(0 if passed == args.trials and same else 1)


if __name__ == "__main__":
    main()
