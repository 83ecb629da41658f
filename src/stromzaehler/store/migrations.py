"""Schema versions. MIGRATIONS[i] upgrades a database from version i to i + 1.

Never edit an entry that has shipped: append a new one. The schema version is SQLite's
`user_version`, so a database always says which of these it has seen.
"""


def _mark_dirty(t_expr: str) -> str:
    return (
        f"INSERT INTO consumption_dirty (id, lo_utc, hi_utc) VALUES (1, {t_expr}, {t_expr})"
        " ON CONFLICT (id) DO UPDATE SET lo_utc = min(lo_utc, excluded.lo_utc),"
        " hi_utc = max(hi_utc, excluded.hi_utc);"
    )


def _dirty_triggers(name: str, table: str, t_expr: str, update: bool = True) -> str:
    """Triggers that mark the time of every inserted, deleted (and updated) row as changed
    for the consumption pre-aggregate; `t_expr` names the time with {row} for NEW or OLD."""
    new, old = t_expr.format(row="NEW"), t_expr.format(row="OLD")
    triggers = [
        f"CREATE TRIGGER {name}_insert_dirty AFTER INSERT ON {table} BEGIN {_mark_dirty(new)} END;",
        f"CREATE TRIGGER {name}_delete_dirty AFTER DELETE ON {table} BEGIN {_mark_dirty(old)} END;",
    ]
    if update:
        triggers.append(
            f"CREATE TRIGGER {name}_update_dirty AFTER UPDATE ON {table} BEGIN"
            f" {_mark_dirty(old)} {_mark_dirty(new)} END;"
        )
    return "\n".join(triggers) + "\n"


MIGRATIONS: list[str] = [
    # 1: readings and the frame log
    """
    CREATE TABLE readings (
        id INTEGER PRIMARY KEY,
        t_utc INTEGER NOT NULL,
        counter_wh INTEGER NOT NULL,
        confidence REAL NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX readings_by_time ON readings (t_utc);
    CREATE TABLE frames (
        id INTEGER PRIMARY KEY,
        t_utc INTEGER NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT
    );
    CREATE INDEX frames_by_time ON frames (t_utc);
    """,
    # 2: what was read from a frame, where its image is kept; key-value state (password hash)
    """
    ALTER TABLE frames ADD COLUMN reading TEXT;
    ALTER TABLE frames ADD COLUMN counter_wh INTEGER;
    ALTER TABLE frames ADD COLUMN confidence REAL;
    ALTER TABLE frames ADD COLUMN digits_json TEXT;
    ALTER TABLE frames ADD COLUMN boxes_json TEXT;
    ALTER TABLE frames ADD COLUMN image_path TEXT;
    CREATE INDEX frames_by_status ON frames (status, t_utc);
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: consumption: counter events (corrections, meter replacements), energy per UTC quarter
    # hour, and the range of readings changed since those energies were computed (kept by
    # triggers, so every writer of readings keeps the pre-aggregate honest)
    """
    CREATE TABLE reading_corrections (
        t_utc INTEGER PRIMARY KEY,
        counter_wh INTEGER,
        created_utc INTEGER NOT NULL,
        note TEXT
    );
    CREATE TABLE meter_replacements (
        t_utc INTEGER PRIMARY KEY,
        old_end_wh INTEGER NOT NULL,
        new_start_wh INTEGER NOT NULL,
        created_utc INTEGER NOT NULL,
        note TEXT
    );
    CREATE TABLE consumption_quarters (
        q_utc INTEGER PRIMARY KEY,
        energy_wh INTEGER NOT NULL,
        estimated INTEGER NOT NULL
    );
    CREATE TABLE consumption_dirty (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        lo_utc INTEGER NOT NULL,
        hi_utc INTEGER NOT NULL
    );
    INSERT INTO consumption_dirty (id, lo_utc, hi_utc)
        SELECT 1, min(t_utc), max(t_utc) FROM readings HAVING count(*) > 0;
    """
    + _dirty_triggers("readings", "readings", "{row}.t_utc")
    + _dirty_triggers("corrections", "reading_corrections", "{row}.t_utc")
    + _dirty_triggers("replacements", "meter_replacements", "{row}.t_utc"),
    # 4: quarter-hour energies packed per UTC day (96 int32 Wh + 96 int8 quality per row):
    # a year is 365 rows to read instead of 35,040
    """
    DROP TABLE consumption_quarters;
    CREATE TABLE consumption_days (
        day_utc INTEGER PRIMARY KEY,
        energy_wh BLOB NOT NULL,
        quality BLOB NOT NULL
    );
    INSERT INTO consumption_dirty (id, lo_utc, hi_utc)
        SELECT 1, min(t_utc), max(t_utc) FROM readings WHERE true HAVING count(*) > 0
        ON CONFLICT (id) DO UPDATE SET lo_utc = min(lo_utc, excluded.lo_utc),
            hi_utc = max(hi_utc, excluded.hi_utc);
    """,
    # 5: disc revolutions: when the mark passed the middle of the window (UTC milliseconds),
    # and whether the disc was tracked without a gap since the previous one
    """
    CREATE TABLE disc_revolutions (
        t_ms INTEGER PRIMARY KEY,
        continuous INTEGER NOT NULL,
        method TEXT NOT NULL
    );
    """,
    # 6: revolutions reshape consumption within counter steps: adding or removing one marks
    # its time dirty like a reading (analytics.aggregate widens that to the whole UTC day);
    # revolutions stored before this version are marked too
    """
    INSERT INTO consumption_dirty (id, lo_utc, hi_utc)
        SELECT 1, min(t_ms) / 1000, max(t_ms) / 1000 FROM disc_revolutions WHERE true
        HAVING count(*) > 0
        ON CONFLICT (id) DO UPDATE SET lo_utc = min(lo_utc, excluded.lo_utc),
            hi_utc = max(hi_utc, excluded.hi_utc);
    """
    + _dirty_triggers("revolutions", "disc_revolutions", "{row}.t_ms / 1000", update=False),
]
