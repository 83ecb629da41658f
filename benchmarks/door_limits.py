"""Measure the limits at the door on a real service: a 100 MB login body, and 32 concurrent
wrong logins (from 32 loopback addresses, so the per-client delay does not hide the global
bound) with /api/health timed meanwhile. Prints RSS before/after/peak from /proc.

    python benchmarks/door_limits.py
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BODY_MB = 100
CONCURRENT_LOGINS = 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MB of the process."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def wait_for_health(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the service did not start")


def big_login(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest("POST", "/api/login")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")  # no Content-Length to refuse early
    connection.endheaders()
    chunk = b"x" * (1 << 20)
    try:
        connection.send(b'e\r\n{"password": "\r\n')
        for _ in range(BODY_MB):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass
    return connection.getresponse().status


def wrong_login(port: int, source: str, results: list[int]) -> None:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=120, source_address=(source, 0)
    )
    body = json.dumps({"password": "wrong password"})
    connection.request("POST", "/api/login", body, {"Content-Type": "application/json"})
    results.append(connection.getresponse().status)


def health_ms(port: int) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/api/health")
    connection.getresponse().read()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="door-limits-"))
    port = free_port()
    subprocess.run(
        [sys.executable, "-m", "stromzaehler", "passwd", "--data", str(data_dir)],
        input="correct horse\n", text=True, check=True, capture_output=True,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "stromzaehler", "serve", "--simulate", "--host", "127.0.0.1",
         "--port", str(port), "--data", str(data_dir), "--interval", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_health(port)
        time.sleep(3)
        before, _ = rss_mb(process.pid)
        status = big_login(port)
        after, peak = rss_mb(process.pid)
        print(f"{BODY_MB} MB login body: HTTP {status}; RSS {before:.0f} -> {after:.0f} MB,"
              f" peak {peak:.0f} MB, increase of the peak {peak - before:.0f} MB")

        before, _ = rss_mb(process.pid)
        results: list[int] = []
        threads = [
            threading.Thread(target=wrong_login, args=(port, f"127.0.0.{i + 2}", results))
            for i in range(CONCURRENT_LOGINS)
        ]
        for thread in threads:
            thread.start()
        timings = []
        highest = before
        while any(thread.is_alive() for thread in threads):
            timings.append(health_ms(port))
            highest = max(highest, rss_mb(process.pid)[0])
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        codes = {code: results.count(code) for code in sorted(set(results))}
        print(f"{CONCURRENT_LOGINS} concurrent wrong logins: answers {codes}; RSS {before:.0f} ->"
              f" highest {highest:.0f} MB (+{highest - before:.0f} MB); /api/health median"
              f" {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms over"
              f" {len(timings)} requests")
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
