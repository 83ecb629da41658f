"""Schema versions. MIGRATIONS[i] upgrades a database from version i to i + 1.

Never edit an entry that has shipped: append a new one. The schema version is SQLite's
`user_version`, so a database always says which of these it has seen.
"""


def _mark_dirty(t_expr: str, per_day: bool = False) -> str:
    """SQL that widens the dirty span of the row's UTC day (per_day, from version 7) or the
    one dirty span (versions 3 to 6) to take in the time `t_expr`."""
    key = f"({t_expr}) / 86400" if per_day else "1"
    return (
        f"INSERT INTO consumption_dirty (id, lo_utc, hi_utc) VALUES ({key}, {t_expr}, {t_expr})"
        " ON CONFLICT (id) DO UPDATE SET lo_utc = min(lo_utc, excluded.lo_utc),"
        " hi_utc = max(hi_utc, excluded.hi_utc);"
    )


def _dirty_triggers(
    name: str, table: str, t_expr: str, update: bool = True, per_day: bool = False
) -> str:
    """Triggers that mark the time of every inserted, deleted (and updated) row as changed
    for the consumption pre-aggregate; `t_expr` names the time with {row} for NEW or OLD."""
    new = _mark_dirty(t_expr.format(row="NEW"), per_day)
    old = _mark_dirty(t_expr.format(row="OLD"), per_day)
    triggers = [
        f"CREATE TRIGGER {name}_insert_dirty AFTER INSERT ON {table} BEGIN {new} END;",
        f"CREATE TRIGGER {name}_delete_dirty AFTER DELETE ON {table} BEGIN {old} END;",
    ]
    if update:
        triggers.append(
            f"CREATE TRIGGER {name}_update_dirty AFTER UPDATE ON {table} BEGIN {old} {new} END;"
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
    # 7: one dirty span per UTC day touched (id = the day number) instead of one span from the
    # earliest change to the latest: a reading typed as 1970 no longer makes a whole history
    # dirty up to the reading the capture stored a minute ago (analytics.staleness). The old
    # span is kept as one row; the triggers are made anew for the new key.
    """
    DROP TRIGGER readings_insert_dirty;
    DROP TRIGGER readings_delete_dirty;
    DROP TRIGGER readings_update_dirty;
    DROP TRIGGER corrections_insert_dirty;
    DROP TRIGGER corrections_delete_dirty;
    DROP TRIGGER corrections_update_dirty;
    DROP TRIGGER replacements_insert_dirty;
    DROP TRIGGER replacements_delete_dirty;
    DROP TRIGGER replacements_update_dirty;
    DROP TRIGGER revolutions_insert_dirty;
    DROP TRIGGER revolutions_delete_dirty;
    CREATE TABLE consumption_dirty_days (
        id INTEGER PRIMARY KEY,
        lo_utc INTEGER NOT NULL,
        hi_utc INTEGER NOT NULL
    );
    INSERT INTO consumption_dirty_days (id, lo_utc, hi_utc)
        SELECT lo_utc / 86400, lo_utc, hi_utc FROM consumption_dirty;
    DROP TABLE consumption_dirty;
    ALTER TABLE consumption_dirty_days RENAME TO consumption_dirty;
    """
    + _dirty_triggers("readings", "readings", "{row}.t_utc", per_day=True)
    + _dirty_triggers("corrections", "reading_corrections", "{row}.t_utc", per_day=True)
    + _dirty_triggers("replacements", "meter_replacements", "{row}.t_utc", per_day=True)
    + _dirty_triggers(
        "revolutions", "disc_revolutions", "{row}.t_ms / 1000", update=False, per_day=True
    ),
]
