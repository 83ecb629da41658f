"""Upkeep of the quarter-hour pre-aggregate: bounded work in small transactions.

The store's triggers keep the spans of readings changed since the quarters were computed
(consumption_dirty, one span per UTC day touched). `refresh_step` recomputes one chunk of
them in one short transaction; `UpkeepWorker` runs the steps in a background thread with a
pause between them, so the capture loop's writes always get the database in time. Queries
never call this: they answer from the stored quarters and compute the still-dirty part on the
fly (aggregate.consumption).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from .aggregate import (
    DAY_S,
    DISC_BIT,
    DISC_PART_BIT,
    CounterSource,
    _ceil_quarter,
    _floor_day,
    _floor_quarter,
    _has_revolutions,
    load_fused,
    load_series,
)
from .consumption import MAX_INTERPOLATED_GAP_S, MISSING, QUARTER_S, bucket_energy
from .disc_power import SOURCE_DISC, SOURCE_MIXED, bucket_sources
from .series import CounterModel
from .staleness import FAR_FUTURE, FAR_PAST, model_key

log = logging.getLogger(__name__)

REFRESH_CHUNK_S = 7 * 86400  # bounds memory: a week of minute readings per step
STEP_PAUSE_S = 0.05  # between steps: the capture loop's write gets the lock in between
IDLE_POLL_S = 15.0  # how often a clean pre-aggregate is looked at again


def _quarter_bounds(reading_t: np.ndarray, first_q: int, end_q: int) -> np.ndarray:
    """Quarter boundaries from first_q to end_q, without those inside gaps too long to
    interpolate: their quarters are missing anyway, and there may be decades of them."""
    gaps = np.flatnonzero(np.diff(reading_t) > MAX_INTERPOLATED_GAP_S)
    pieces, start = [], first_q
    for index in gaps.tolist():
        gap_lo = max(_ceil_quarter(int(reading_t[index])), start)
        gap_hi = min(_floor_quarter(int(reading_t[index + 1])), end_q)
        if gap_hi - gap_lo > QUARTER_S:
            pieces.append(np.arange(start, gap_lo + 1, QUARTER_S, dtype=np.int64))
            start = gap_hi
    pieces.append(np.arange(start, end_q + 1, QUARTER_S, dtype=np.int64))
    return np.concatenate(pieces)


def refresh_step(source: CounterSource, model: CounterModel) -> bool:
    """Recompute the quarters of (a week of) the dirty range; False when nothing was dirty.

    Readings whose time lies in [lo, hi] changed. They change the points between the reading
    before lo and the reading after hi, so the quarters to recompute are those overlapping
    [last point before that reading, first point after the other], widened to whole quarters.
    """
    with source.transaction():
        if source.model_key() != model_key(model):
            span = source.time_range()
            source.replace_quarters(FAR_PAST, FAR_FUTURE, [], [], [])
            source.set_dirty_range(span)
            source.set_model_key(model_key(model))
        spans = source.dirty_spans()
        if not spans:
            return False
        # The earliest change and the changes a step could reach from it: a change decades
        # back is one step of its own, not the start of a walk through everything after it.
        lo = spans[0][0]
        hi = max(span_hi for span_lo, span_hi in spans if span_lo <= lo + REFRESH_CHUNK_S)
        margin_lo = margin_hi = 0
        if _has_revolutions(source, _floor_day(lo) - 2 * DAY_S, _floor_day(hi) + 4 * DAY_S):
            # The disc is fused in day-long pieces from a day's first counter change to the
            # next day's: a change on day d reshapes the pieces of days d-1 to d+1, which end
            # on day d+2. Whole days are recomputed with that margin around them (the margin
            # is not stored as dirty, so the range does not grow from step to step).
            lo, hi = _floor_day(lo), _floor_day(hi) + DAY_S - 1
            margin_lo, margin_hi = DAY_S, 2 * DAY_S
        step_hi = min(hi, lo + REFRESH_CHUNK_S)
        following, _ = source.readings_after(lo - 1, 1)
        if following.size == 0 or int(following[0]) > step_hi:
            # No reading in this chunk (a gap, or only deletions): the whole stretch up to the
            # next reading is one step. Walking it a week at a time recomputed the quarters of
            # the gap in every step: decades for a reading typed with the year 1970.
            step_hi = hi if following.size == 0 else max(step_hi, min(hi, int(following[0])))
        c_lo, c_hi = lo - margin_lo, step_hi + margin_hi
        around, _ = source.readings_with_neighbours(c_lo, c_hi, 1)
        r_before = int(around[0]) if around.size and around[0] < c_lo else None
        r_after = int(around[-1]) if around.size and around[-1] > c_hi else None
        reading_t, point_t, _ = load_series(
            source,
            c_lo if r_before is None else r_before - 1,
            c_hi if r_after is None else r_after + 1,
            model,
        )
        q_lo, q_hi = FAR_PAST, FAR_FUTURE
        if r_before is not None:
            earlier = point_t[point_t < r_before]
            if earlier.size:
                q_lo = _floor_quarter(int(earlier[-1]))
        if r_after is not None:
            later = point_t[point_t > r_after]
            if later.size:
                q_hi = _ceil_quarter(int(later[0]))
        reading_t, point_t, point_e, disc_spans = load_fused(
            source,
            q_lo if q_lo != FAR_PAST else int(reading_t[0]) if reading_t.size else c_lo,
            q_hi if q_hi != FAR_FUTURE else int(reading_t[-1]) if reading_t.size else c_hi,
            model,
        )
        quarters = np.empty(0, np.int64)
        if reading_t.size >= 2:
            first_q = max(q_lo, _floor_quarter(int(reading_t[0])))
            end_q = min(q_hi, _ceil_quarter(int(reading_t[-1])))
            quarters = _quarter_bounds(reading_t, first_q, end_q)
        if quarters.size >= 2:
            energy_wh, quality = bucket_energy(point_t, point_e, quarters, model.gap_limit_s,
                                               reading_t)
            keep = quality != MISSING
            stored_quality = quality.astype(np.int64)
            if disc_spans:
                shaped = bucket_sources(quarters, disc_spans)
                stored_quality[shaped == SOURCE_DISC] |= DISC_BIT
                stored_quality[shaped == SOURCE_MIXED] |= DISC_PART_BIT
            source.replace_quarters(
                q_lo,
                q_hi,
                quarters[:-1][keep].tolist(),
                energy_wh[keep].tolist(),
                stored_quality[keep].tolist(),
            )
        else:
            source.replace_quarters(q_lo, q_hi, [], [], [])
        source.clear_dirty(lo, step_hi)
    return True


def refresh(source: CounterSource, model: CounterModel) -> int:
    """Bring the quarter-hour pre-aggregate up to date; returns the number of steps taken."""
    steps = 0
    while refresh_step(source, model):
        steps += 1
    return steps


class UpkeepWorker:
    """Keeps the pre-aggregate current in a background thread; stop() returns promptly."""

    def __init__(
        self,
        source_factory: Callable[[], CounterSource],
        model: Callable[[], CounterModel],
        idle_poll_s: float = IDLE_POLL_S,
    ) -> None:
        self._source_factory = source_factory
        self._model = model
        self._idle_poll_s = idle_poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="consumption-upkeep", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the dirty range now (after an import or a correction)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        source = self._source_factory()  # its own connection, in this thread
        while not self._stop.is_set():
            started, steps = time.monotonic(), 0
            try:
                while not self._stop.is_set() and refresh_step(source, self._model()):
                    steps += 1
                    self.steps += 1
                    self._stop.wait(STEP_PAUSE_S)
                self.last_error = None
            except Exception as error:  # queries compute on the fly meanwhile: log, retry
                log.exception("keeping the consumption pre-aggregate current failed")
                self.last_error = str(error)
            if steps > 1:
                log.info("consumption pre-aggregate: %d steps in %.1f s", steps,
                         time.monotonic() - started)
            self._wake.wait(self._idle_poll_s)
            self._wake.clear()
