"""Consumption per bucket = energy at its end - energy at its start, with a quality per bucket.

Pure numpy on (t_utc, energy_wh) series; no SQL, no clock. Energy at a boundary is linearly
interpolated between the readings around it and rounded to whole Wh with integer arithmetic,
so bucket values telescope: any run of buckets sums exactly to the difference of its ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MEASURED, ESTIMATED, MISSING = 0, 1, 2
# Only in query results, never stored: a bucket the recording starts or stops inside
# (analytics.edges); its energy is that of the covered part.
PARTIAL = 3
QUALITY_NAMES: tuple[str, ...] = ("measured", "estimated", "missing", "partial")
QUARTER_S = 900
DEFAULT_GAP_LIMIT_S = 1800
# Across a longer gap between two readings nothing is interpolated: its buckets are missing.
# Spreading the energy of months over them would invent a load profile (and a reading typed
# with the year 1970 would spread decades of it over half a million quarter hours).
MAX_INTERPOLATED_GAP_S = 31 * 86400


def interpolate_energy(t_utc: np.ndarray, energy_wh: np.ndarray, at_utc: np.ndarray) -> np.ndarray:
    """Energy at each instant of at_utc, rounded half up to whole Wh (int64).

    Instants outside the readings get the nearest end value; callers mark them missing.
    """
    at = np.asarray(at_utc, dtype=np.int64)
    n = t_utc.size
    if n == 0:
        return np.zeros(at.size, dtype=np.int64)
    right = np.clip(np.searchsorted(t_utc, at, side="right"), 1, max(n - 1, 1))
    left = right - 1
    if n == 1:
        return np.full(at.size, energy_wh[0], dtype=np.int64)
    t_left, t_right = t_utc[left], t_utc[right]
    e_left, e_right = energy_wh[left], energy_wh[right]
    elapsed = np.clip(at, t_left, t_right) - t_left
    span = t_right - t_left
    # round(de*elapsed/span) exactly in integers: floor((2*de*elapsed + span) / (2*span)).
    share = (2 * (e_right - e_left) * elapsed + span) // (2 * span)
    return e_left + share


def bucket_quality(reading_t_utc: np.ndarray, bounds_utc: np.ndarray, gap_limit_s: int
                   ) -> np.ndarray:
    """Quality of each bucket [bounds[i], bounds[i+1]): missing when a reading before its start
    or after its end is lacking or it overlaps a gap longer than MAX_INTERPOLATED_GAP_S,
    estimated when it overlaps a gap longer than gap_limit_s."""
    t_utc = reading_t_utc
    bounds = np.asarray(bounds_utc, dtype=np.int64)
    n = t_utc.size
    quality = np.full(bounds.size - 1, MISSING, dtype=np.int8)
    if n < 2 or bounds.size < 2:
        return quality
    long_gap = np.diff(t_utc) > gap_limit_s
    gaps_before = np.concatenate(([0], np.cumsum(long_gap)))  # gaps among intervals < k
    first = np.searchsorted(t_utc, bounds[:-1], side="right") - 1  # last reading <= start
    last = np.searchsorted(t_utc, bounds[1:], side="left")  # first reading >= end
    covered = (first >= 0) & (last < n)
    first_c, last_c = np.clip(first, 0, n - 1), np.clip(last, 0, n - 1)
    crosses_gap = gaps_before[last_c] - gaps_before[first_c] > 0
    unknown = np.concatenate(([0], np.cumsum(np.diff(t_utc) > MAX_INTERPOLATED_GAP_S)))
    covered &= unknown[last_c] == unknown[first_c]
    quality[covered] = np.where(crosses_gap[covered], ESTIMATED, MEASURED)
    return quality


def bucket_energy(
    t_utc: np.ndarray,
    energy_wh: np.ndarray,
    bounds_utc: np.ndarray,
    gap_limit_s: int,
    reading_t_utc: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(energy_wh per bucket, quality per bucket); energy is 0 where quality is MISSING.

    (t_utc, energy_wh) is the series to interpolate; quality follows the times of the readings
    (reading_t_utc, default t_utc), which differ when the series was refined from them.
    """
    at_bounds = interpolate_energy(t_utc, energy_wh, bounds_utc)
    readings = t_utc if reading_t_utc is None else reading_t_utc
    quality = bucket_quality(readings, bounds_utc, gap_limit_s)
    energy = np.diff(at_bounds)
    energy[quality == MISSING] = 0
    return energy, quality


def buckets_from_quarters(
    quarter_utc: np.ndarray,
    quarter_wh: np.ndarray,
    quarter_estimated: np.ndarray,
    bounds_utc: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Same result as bucket_energy, from stored quarter-hour energies.

    bounds must be multiples of 900 s; quarters absent from the input are missing.
    """
    bounds = np.asarray(bounds_utc, dtype=np.int64)
    origin = int(bounds[0])
    count = int(bounds[-1] - origin) // QUARTER_S
    dense_wh = np.zeros(count, dtype=np.int64)
    dense_quality = np.full(count, MISSING, dtype=np.int8)
    index = (np.asarray(quarter_utc, dtype=np.int64) - origin) // QUARTER_S
    inside = (index >= 0) & (index < count)
    dense_wh[index[inside]] = np.asarray(quarter_wh)[inside]
    dense_quality[index[inside]] = np.where(
        np.asarray(quarter_estimated)[inside] != 0, ESTIMATED, MEASURED
    )
    cumulative = np.concatenate(([0], np.cumsum(dense_wh)))
    bound_index = (bounds - origin) // QUARTER_S
    energy = cumulative[bound_index[1:]] - cumulative[bound_index[:-1]]
    quality = np.maximum.reduceat(dense_quality, bound_index[:-1]).astype(np.int8)
    energy[quality == MISSING] = 0
    return energy, quality


@dataclass(frozen=True)
class Consumption:
    """Buckets [bounds_utc[i], bounds_utc[i+1]) with their energy and quality."""

    resolution: str
    timezone: str
    bounds_utc: np.ndarray
    energy_wh: np.ndarray
    quality: np.ndarray
    # The bucket that holds the latest reading is missing until it ends; what it used so far
    # (from its start to partial_until_utc, the latest reading) is told apart.
    partial_index: int | None = None
    partial_until_utc: int | None = None
    partial_wh: int | None = None
    # Per bucket where its shape came from (disc_power.SOURCE_NAMES: counter, disc, mixed);
    # None when the store has no disc revolutions for the range (counter only).
    source: np.ndarray | None = None
    # Per bucket the share of it the recording covers (0-1); None when not computed.
    coverage: np.ndarray | None = None

    @property
    def total_wh(self) -> int:
        """Energy of the buckets that are not missing."""
        return int(self.energy_wh[self.quality != MISSING].sum())

    @property
    def missing_count(self) -> int:
        return int((self.quality == MISSING).sum())
