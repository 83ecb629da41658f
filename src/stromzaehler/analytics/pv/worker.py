"""Planner jobs in one low-priority process, away from the capture path, with a result cache.

The capture loop and the web server share one Python process; a sweep holding the GIL there
could delay a frame. So jobs run in a single spawned worker process at nice 19 (it only gets
the CPU the capture does not want), one at a time, and their results are kept until the data
or the inputs change (compute.data_key). Progress of the running job is a shared double.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .compute import DataSource, data_key, run_grid, run_plan
from .request import PvRequest

CACHE_SIZE = 16
PARENT_CHECK_S = 1.0
MAX_PENDING = 4  # jobs queued or running; more is refused, so clients cannot pile up work


_progress: Any = None


class Busy(RuntimeError):
    """Too many planner jobs waiting."""


def _start(progress: Any, parent_pid: int) -> None:
    global _progress
    _progress = progress
    with contextlib.suppress(OSError):
        os.nice(19)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    """A killed service (kill -9, or a stop that timed out) cannot tell its worker to go: the
    worker would wait on its queue for ever. So it watches for being orphaned."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _report(done: float) -> None:
    if _progress is not None:
        _progress.value = done


def _job(kind: str, source: DataSource, request: PvRequest, details: bool) -> dict[str, Any]:
    _report(0.0)
    if kind == "grid":
        return run_grid(source, request, _report)
    return run_plan(source, request, _report, details=details)


class PlannerWorker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._progress = context.Value("d", 0.0, lock=False)
        self._pool: ProcessPoolExecutor | None = None
        self._context = context
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._running: dict[tuple, Future] = {}

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # A fresh process per job: a minute-resolution plan peaks at about 130 MB, and
            # the Pi's 1 GB gets it back when the process ends.
            self._pool = ProcessPoolExecutor(1, mp_context=self._context, initializer=_start,
                                             initargs=(self._progress, os.getpid()),
                                             max_tasks_per_child=1)
        return self._pool

    def _submit(self, key: tuple, kind: str, source: DataSource, request: PvRequest,
                details: bool) -> Future:
        with self._lock:
            if key in self._cache:
                done: Future = Future()
                done.set_result(self._cache[key])
                return done
            running = self._running.get(key)
            if running is not None:
                return running
            if len(self._running) >= MAX_PENDING:
                raise Busy(f"{MAX_PENDING} planner jobs are waiting; try again in a moment")
            future = self._executor().submit(_job, kind, source, request, details)
            self._running[key] = future

        def finished(f: Future) -> None:
            with self._lock:
                self._running.pop(key, None)
                if f.exception() is None:
                    self._cache[key] = f.result()
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
        future.add_done_callback(finished)
        return future

    async def result(self, kind: str, source: DataSource, request: PvRequest,
                     details: bool = False) -> dict[str, Any]:
        """The job's result, from the cache or computed in the worker (InputError passes)."""
        data = await asyncio.to_thread(data_key, source, request)
        key = (kind, details, source, request, data)
        return await asyncio.wrap_future(self._submit(key, kind, source, request, details))

    def progress(self) -> dict[str, Any]:
        with self._lock:
            running = bool(self._running)
        return {"running": running, "done": round(float(self._progress.value), 3)
                if running else 1.0}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
