import signal
import sqlite3
import subprocess
import sys
import textwrap

from stromzaehler.store import DATABASE_NAME, Store, migrate
from stromzaehler.store.migrations import MIGRATIONS


def test_readings_survive_reopening(tmp_path):
    store = Store.open(tmp_path)
    store.add_reading(1_700_000_000, 99_516_000, 0.99, "picamera")
    store.add_readings_bulk([(1_700_000_060, 99_516_100, 1.0, "picamera")])
    store.close()
    reopened = Store.open(tmp_path)
    assert [r.counter_wh for r in reopened.readings(0, 2_000_000_000)] == [99_516_000, 99_516_100]
    assert reopened.last_reading().t_utc == 1_700_000_060
    assert reopened.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_readings_range_is_half_open_and_ordered(tmp_path):
    store = Store.open(tmp_path)
    store.add_readings_bulk([(t, t * 10, 1.0, "x") for t in (30, 10, 20)])
    assert [r.t_utc for r in store.readings(10, 30)] == [10, 20]


def test_migration_from_first_schema_keeps_rows(tmp_path):
    connection = sqlite3.connect(tmp_path / DATABASE_NAME, isolation_level=None)
    assert migrate(connection, target=1) == 1
    connection.execute(
        "INSERT INTO readings (t_utc, counter_wh, confidence, source) VALUES (5, 7, 1, 'old')"
    )
    connection.execute("INSERT INTO frames (t_utc, source, status) VALUES (5, 'old', 'unread')")
    connection.close()
    store = Store.open(tmp_path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.readings(0, 10)[0].counter_wh == 7
    frame = store.frames()[0]
    assert (frame.status, frame.digits, frame.image_path) == ("unread", None, None)


def test_frame_log_and_state(tmp_path):
    store = Store.open(tmp_path)
    frame_id = store.log_frame(
        10,
        "simulated",
        "rejected",
        "low_confidence",
        reading="09951?0",
        digits=[{"digit": None, "value": 5.5, "confidence": 0.2}],
        boxes=[[1, 2, 3, 4]],
        image_path="x.jpg",
    )
    store.log_frame(11, "simulated", "accepted")
    assert [f.status for f in store.frames(status="rejected")] == ["rejected"]
    assert store.frame(frame_id).digits[0]["value"] == 5.5
    assert store.frame_counts() == {"rejected": 1, "accepted": 1}
    store.set_frame_status(frame_id, "unreadable", "marked by the owner")
    assert store.frame(frame_id).status == "unreadable"
    store.set_state("password_hash", "x")
    store.set_state("password_hash", "y")
    assert store.get_state("password_hash") == "y"


def test_kill_9_loses_no_committed_row(tmp_path):
    writer = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from stromzaehler.store import Store
        store = Store.open(Path({str(tmp_path)!r}))
        for i in range(1_000_000):
            store.add_reading(i, i * 100, 1.0, "test")
            print(i + 1, flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    committed = 0
    for line in process.stdout:
        committed = int(line)
        if committed >= 300:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    store = Store.open(tmp_path)
    assert store.integrity_check() == "ok"
    assert store.count_readings() >= committed
