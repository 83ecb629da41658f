"""A reading typed as 1970 on a year of minute readings, on a real service that keeps storing
readings: how long the consumption queries take right after it, whether capture goes on, how
long the background upkeep needs, and how long SIGTERM takes to end the service.

    python benchmarks/typed_1970.py [--days 365]
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from stromzaehler.analytics import upkeep
from stromzaehler.analytics.series import CounterModel
from stromzaehler.store import DATABASE_NAME, Store
from stromzaehler.store.counters import CounterStore

PASSWORD = "correct horse"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[dict, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                           **(headers or {})})
    with urllib.request.urlopen(req, timeout=120) as response:
        return json.loads(response.read()), dict(response.headers)


def timed_get(url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    body, _ = request(url)
    return time.perf_counter() - started, body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="typed-1970-")) / "data"
    store = Store.open(data_dir)
    end = int(time.time()) // 60 * 60 - 600
    start = end - args.days * 86400
    store.add_readings_bulk((t, 5_000_000 + (t - start) // 6 // 100 * 100, 1.0, "simulated")
                            for t in range(start, end, 60))
    started = time.perf_counter()
    upkeep.refresh(CounterStore(store), CounterModel.for_meter(7, 1, 1800))
    print(f"{store.count_readings()} readings; pre-aggregate built in"
          f" {time.perf_counter() - started:.1f} s")
    store.close()
    subprocess.run([sys.executable, "-m", "stromzaehler", "passwd", "--data", str(data_dir)],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "stromzaehler", "serve", "--simulate", "--host", "127.0.0.1",
         "--port", str(port), "--data", str(data_dir), "--interval", "2"],
        stdout=subprocess.DEVNULL, stderr=(data_dir.parent / "service.log").open("wb"),
    )
    try:
        for _ in range(600):
            try:
                request(f"{url}/api/health")
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(8)  # the first frames: the reader is loaded and the gate confirms
        before = request(f"{url}/api/health")[0]["readings"]
        login, headers = request(f"{url}/api/login", {"password": PASSWORD})
        cookie = headers["set-cookie"].split(";")[0]
        auth = {"Cookie": cookie, "X-CSRF-Token": login["csrf_token"]}
        request(f"{url}/api/counter/manual", {"time": "1970-01-01T00:00", "counter_kwh": 1}, auth)
        typed = time.perf_counter()
        month_s, months = timed_get(f"{url}/api/consumption?resolution=month&from=1970-01-01"
                                    f"&to={end + 86400}")
        day_s, _ = timed_get(f"{url}/api/consumption?resolution=day&from={end - 30 * 86400}"
                             f"&to={end + 86400}")
        print(f"after the 1970 reading: months 1970..now ({len(months['buckets'])} buckets)"
              f" {month_s:.2f} s, last 30 days by day {day_s:.2f} s")
        database = data_dir / DATABASE_NAME
        while True:
            with sqlite3.connect(database) as connection:
                dirty = connection.execute("SELECT count(*) FROM consumption_dirty").fetchone()[0]
            if not dirty or time.perf_counter() - typed > 300:
                break
            time.sleep(0.5)
        print(f"upkeep current again {time.perf_counter() - typed:.1f} s after the reading")
        time.sleep(10)
        after = request(f"{url}/api/health")[0]
        print(f"readings stored meanwhile: {after['readings'] - before - 1} (frames every 2 s);"
              f" health {after['status']}, failed frames {after['frames_failed']}")
        started = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        print(f"SIGTERM to exit: {time.perf_counter() - started:.2f} s (exit code"
              f" {process.returncode})")
    finally:
        if process.poll() is None:
            process.kill()


if __name__ == "__main__":
    main()
