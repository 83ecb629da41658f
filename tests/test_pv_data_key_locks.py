"""The planner's cache key is computed inside the running service: it must not break the
service's own database connections.

A plain open()/close() of the database file in a process drops every POSIX lock that
process's SQLite connections hold on it. Another process (the planner's worker) then believes
it closes the last connection, checkpoints and deletes the -wal and -shm files under the
service: its next query fails with "disk I/O error" and what it writes afterwards is lost.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from stromzaehler.analytics.pv.compute import DataSource, data_key
from stromzaehler.analytics.pv.request import PvRequest
from stromzaehler.store import Store
from stromzaehler.store.db import DATABASE_NAME

OTHER_PROCESS = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], timeout=10)
connection.execute("SELECT count(*) FROM readings").fetchone()
connection.close()
"""


def test_data_key_in_the_service_keeps_its_wal_and_readings(tmp_path):
    store = Store.open(tmp_path)
    store.add_reading(1_780_000_000, 99_516_000, 0.99, "test")
    database = tmp_path / DATABASE_NAME
    shm = database.with_name(DATABASE_NAME + "-shm")
    assert shm.exists()

    data_key(DataSource(str(tmp_path)), PvRequest())
    # The worker process opens the database and closes it again, as a planner job does.
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(database)], check=True)

    assert shm.exists(), "another process took the service's WAL away"
    store.add_reading(1_780_000_060, 99_516_010, 0.99, "test")
    store.close()
    fresh = sqlite3.connect(database)
    assert fresh.execute("SELECT count(*) FROM readings").fetchone()[0] == 2
    fresh.close()


def test_data_key_changes_when_a_correction_is_changed_again(tmp_path):
    from stromzaehler.store.counters import CounterStore

    store = Store.open(tmp_path)
    for minute in range(3):
        store.add_reading(1_780_000_000 + 60 * minute, 99_516_000 + 10 * minute, 0.99, "test")
    source, request = DataSource(str(tmp_path)), PvRequest()
    now = 1_780_000_600
    counters = CounterStore(store)
    counters.set_correction(1_780_000_060, 99_516_005, now, "misread")
    first = data_key(source, request, now)
    # Same reading corrected to another value: as many corrections, another load profile.
    counters.set_correction(1_780_000_060, 99_516_008, now, "misread, again")
    assert data_key(source, request, now) != first
    assert data_key(source, request, now) == data_key(source, request, now)
    store.close()
