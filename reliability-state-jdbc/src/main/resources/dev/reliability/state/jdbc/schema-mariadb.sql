CREATE TABLE IF NOT EXISTS reliability_state (
    state_key     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY,
    value_type    VARCHAR(8) CHARACTER SET ascii NOT NULL,
    num_value     BIGINT,
    text_value    LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    version       BIGINT NOT NULL,
    expires_at_ms BIGINT,
    updated_at_ms BIGINT NOT NULL
) ENGINE = InnoDB;
CREATE TABLE IF NOT EXISTS reliability_lock (
    lock_name     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY,
    owner         VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    expires_at_ms BIGINT NOT NULL
) ENGINE = InnoDB;
