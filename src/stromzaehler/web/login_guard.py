"""Password checks are bounded: scrypt needs 16 MiB and ~0.1 s (more on a Pi) per check.

Without a bound, 32 concurrent wrong logins took 560 MB and made every other request slow.
Here at most MAX_CONCURRENT_CHECKS run at once (others wait a moment, then get 429), a client
has one check in flight at a time, after FREE_FAILURES typos every further failure makes that
client wait longer before the next try (1, 2, 4, ... s, at most MAX_DELAY_S), and after
LOCKOUT_FAILURES failures it is locked out for LOCKOUT_S. A success clears the client's record.
Clients are told apart by address; the global bound holds whatever addresses they use.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

MAX_CONCURRENT_CHECKS = 2
WAIT_FOR_SLOT_S = 3.0
FREE_FAILURES = 2
MAX_DELAY_S = 60.0
LOCKOUT_FAILURES = 10
LOCKOUT_S = 15 * 60
FORGET_AFTER_S = 24 * 3600
MAX_CLIENTS_TRACKED = 4096


class LoginRefused(Exception):
    """No password check now; `retry_after_s` says when the client may try again."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class _Client:
    failures: int = 0
    next_try: float = 0.0
    last_seen: float = 0.0
    in_flight: bool = False


class LoginGuard:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)
        self._workers = ThreadPoolExecutor(MAX_CONCURRENT_CHECKS, "password-check")
        self._lock = threading.Lock()
        self._clients: dict[str, _Client] = {}

    def verify(self, client: str, check: Callable[[], bool]) -> bool:
        """Run one password check for `client` and record its result.

        Raises LoginRefused while the client must wait, is locked out, already has a check
        running, or when no slot frees up soon. The check runs on one of the guard's own
        threads: scrypt's 16 MiB then come from the same few malloc arenas each time, where
        run on every web worker thread they stayed behind in each thread's arena."""
        self._admit(client)
        try:
            if not self._slots.acquire(timeout=WAIT_FOR_SLOT_S):
                raise LoginRefused("too many password checks at once: try again", 1.0)
            try:
                ok = bool(self._workers.submit(check).result())
            finally:
                self._slots.release()
            self._report(client, ok)
            return ok
        finally:
            with self._lock:
                self._clients[client].in_flight = False

    def _admit(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            record = self._clients.setdefault(client, _Client())
            record.last_seen = now
            if record.in_flight:
                raise LoginRefused("a password check for this client is running", 1.0)
            if now < record.next_try:
                wait = record.next_try - now
                if record.failures >= LOCKOUT_FAILURES:
                    raise LoginRefused(
                        f"too many wrong passwords: locked for {math.ceil(wait / 60)} min", wait
                    )
                raise LoginRefused(f"wrong password: wait {math.ceil(wait)} s", wait)
            record.in_flight = True

    def _report(self, client: str, ok: bool) -> None:
        now = self._clock()
        with self._lock:
            record = self._clients[client]
            if ok:
                record.failures, record.next_try = 0, 0.0
                return
            record.failures += 1
            if record.failures >= LOCKOUT_FAILURES:
                record.next_try = now + LOCKOUT_S
            elif record.failures > FREE_FAILURES:
                delay = 2.0 ** (record.failures - FREE_FAILURES - 1)
                record.next_try = now + min(delay, MAX_DELAY_S)

    def _forget_old(self, now: float) -> None:
        if len(self._clients) < MAX_CLIENTS_TRACKED:
            return
        for client, record in list(self._clients.items()):
            if not record.in_flight and now - record.last_seen > FORGET_AFTER_S:
                del self._clients[client]
        if len(self._clients) >= MAX_CLIENTS_TRACKED:
            # Many addresses at once: keep the locked ones, drop the oldest of the rest.
            idle = sorted(
                (r.last_seen, c) for c, r in self._clients.items()
                if not r.in_flight and r.failures < LOCKOUT_FAILURES
            )
            for _, client in idle[: len(idle) // 2]:
                del self._clients[client]
