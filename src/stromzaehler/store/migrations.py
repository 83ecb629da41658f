"""Schema versions. MIGRATIONS[i] upgrades a database from version i to i + 1.

Never edit an entry that has shipped: append a new one. The schema version is SQLite's
`user_version`, so a database always says which of these it has seen.
"""

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
]
