"""Revolution times survive in the store with millisecond precision (migration 5)."""

from __future__ import annotations

from stromzaehler.store import Store
from stromzaehler.store.migrations import MIGRATIONS
from stromzaehler.store.revolutions import RevolutionStore


def test_revolutions_round_trip_in_milliseconds(tmp_path):
    store = Store.open(tmp_path)
    assert store.schema_version == len(MIGRATIONS)
    revolutions = RevolutionStore(store)
    added = revolutions.add(
        [(1_764_000_000.1234, False, "crossing"), (1_764_000_002.5, True, "inferred")]
    )
    assert added == 2
    stored = revolutions.between(1_764_000_000, 1_764_000_003)
    assert [(r.t_utc, r.continuous, r.method) for r in stored] == [
        (1_764_000_000.123, False, "crossing"),
        (1_764_000_002.5, True, "inferred"),
    ]
    times, continuous = revolutions.arrays(1_764_000_000, 1_764_000_003)
    assert times.tolist() == [1_764_000_000.123, 1_764_000_002.5]
    assert continuous.tolist() == [False, True]


def test_the_same_revolution_is_stored_once_and_latest_is_oldest_first(tmp_path):
    revolutions = RevolutionStore(Store.open(tmp_path))
    revolutions.add([(100.0, False, "crossing"), (110.0, True, "crossing")])
    assert revolutions.add([(110.0, True, "crossing"), (120.0, True, "extrapolated")]) == 1
    assert revolutions.count() == 3
    assert [r.t_utc for r in revolutions.latest(2)] == [110.0, 120.0]
    assert revolutions.between(0, 110.0)[-1].t_utc == 100.0


def test_revolutions_persist_across_reopening(tmp_path):
    RevolutionStore(Store.open(tmp_path)).add([(200.25, True, "crossing")])
    assert RevolutionStore(Store.open(tmp_path)).count() == 1
