"""The energy total that leaves the device: the accepted counter, never decreasing.

Home Assistant (`state_class: total_increasing`) and Prometheus counters take any drop for a
meter reset and count the whole value again, so what we publish must never fall. The total
is the meter's counter as stored (effective readings: corrections applied), continued:

- across a **meter replacement** (recorded under Consumption): the total goes on from the old
  meter's last value by what the new meter counts, so it stays "energy since the first meter";
- across a **rollover** of the rollers (999999.9 -> 000000.0): the total goes on past it;
- after a **correction** that lowers a reading already published (or voids it): the published
  value is **held** until the counter passes it again; the increments are not invented;
- when the MQTT broker holds a **higher retained value** than the database (a database restored
  from an older backup): the same hold, from that value (`raise_floor`).

Without replacements and rollovers the total is what the meter shows. The state is kept in the
store (key `publish.energy_total`), so a restart publishes the same value, not a lower one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..analytics.series import MeterReplacement, continuous_series
from ..store import Store
from ..store.counters import CounterStore

STATE_KEY = "publish.energy_total"
# Effective readings taken per step; the rest comes on the next call.
BATCH = 10_000
END_OF_TIME = 2**62  # later than any reading: "the newest effective reading"


@dataclass(frozen=True)
class TotalState:
    t_utc: int  # time of the newest reading taken into account
    shown_wh: int  # what the meter showed then (after corrections)
    total_wh: int  # the continued total at that reading
    published_wh: int  # the highest total ever handed out (>= total_wh while held)

    @property
    def held(self) -> bool:
        return self.published_wh > self.total_wh


def start_total(
    t_utc: int, shown_wh: int, replacements: Sequence[MeterReplacement]
) -> TotalState:
    """The first state: the counter shown, plus what earlier meters had counted."""
    offset = sum(r.old_end_wh - r.new_start_wh for r in replacements if r.t_utc <= t_utc)
    total = shown_wh + offset
    return TotalState(t_utc, shown_wh, total, total)


def advance(
    state: TotalState,
    t_utc: Sequence[int],
    counter_wh: Sequence[int],
    replacements: Sequence[MeterReplacement],
    modulus_wh: int,
) -> TotalState:
    """The state after the effective readings (t_utc > state.t_utc, time order) and the
    replacements after state.t_utc; see the module docstring."""
    if len(t_utc) == 0:
        return state
    times = np.concatenate(([state.t_utc], np.asarray(t_utc, dtype=np.int64)))
    values = np.concatenate(([state.shown_wh], np.asarray(counter_wh, dtype=np.int64)))
    later = [r for r in replacements if state.t_utc < r.t_utc <= int(times[-1])]
    _, energy, shown = continuous_series(times, values, later, modulus_wh)
    total = state.total_wh + int(energy[-1] - energy[0])
    return TotalState(int(times[-1]), int(shown[-1]), total, max(state.published_wh, total))


class EnergyTotal:
    """The store-backed total, shared by the MQTT publisher and the metrics (thread-safe)."""

    def __init__(self, store: Store, modulus_wh: int) -> None:
        self.counters = CounterStore(store)
        self.store = store
        self.modulus_wh = modulus_wh
        self._lock = threading.Lock()
        self._state: TotalState | None = None

    def current(self) -> TotalState | None:
        """The total after every effective reading stored so far; None before the first."""
        with self._lock:
            state = self._state or self._load()
            while True:
                if state is None:
                    t, wh = self.counters.readings_before(END_OF_TIME, 1)
                    if t.size == 0:
                        return None
                    state = start_total(int(t[0]), int(wh[0]), self._replacements())
                    break
                t, wh = self._after(state.t_utc)
                if t.size == 0:
                    break
                state = advance(state, t, wh, self._replacements(), self.modulus_wh)
                if t.size < BATCH:
                    break
            if state != self._state:
                stored = self._state
                self._state = state
                # Saved when the value changes, not for every reading of an unchanged counter.
                if stored is None or (stored.total_wh, stored.published_wh) != (
                    state.total_wh,
                    state.published_wh,
                ):
                    self.store.set_state(STATE_KEY, json.dumps(asdict(state)))
            return state

    def raise_floor(self, published_wh: int) -> bool:
        """Hold at least `published_wh` (a value already handed out elsewhere); True when that
        raised the published value. Without a reading yet there is nothing to raise."""
        self.current()
        with self._lock:
            state = self._state  # the newest, even if another thread moved it on meanwhile
            if state is None or published_wh <= state.published_wh:
                return False
            self._state = replace(state, published_wh=published_wh)
            self.store.set_state(STATE_KEY, json.dumps(asdict(self._state)))
            return True

    def _load(self) -> TotalState | None:
        text = self.store.get_state(STATE_KEY)
        return None if text is None else TotalState(**json.loads(text))

    def _after(self, t_utc: int) -> tuple[np.ndarray, np.ndarray]:
        return self.counters.readings_after(t_utc, BATCH)

    def _replacements(self) -> list[MeterReplacement]:
        return [
            MeterReplacement(r.t_utc, r.old_end_wh, r.new_start_wh)
            for r in self.counters.replacements()
        ]
