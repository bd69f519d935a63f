CREATE TABLE IF NOT EXISTS reliability_state (
    state_key     VARCHAR(255) NOT NULL PRIMARY KEY,
    value_type    VARCHAR(8) NOT NULL,
    num_value     BIGINT,
    text_value    TEXT,
    version       BIGINT NOT NULL,
    expires_at_ms BIGINT,
    updated_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS reliability_lock (
    lock_name     VARCHAR(255) NOT NULL PRIMARY KEY,
    owner         VARCHAR(255) NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
