CREATE TABLE IF NOT EXISTS reliability_state (
    state_key     TEXT NOT NULL PRIMARY KEY,
    value_type    TEXT NOT NULL,
    num_value     INTEGER,
    text_value    TEXT,
    version       INTEGER NOT NULL,
    expires_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS reliability_lock (
    lock_name     TEXT NOT NULL PRIMARY KEY,
    owner         TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
) STRICT;
