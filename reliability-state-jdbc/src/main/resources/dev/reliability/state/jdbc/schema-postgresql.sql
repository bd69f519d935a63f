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
DO $do$ BEGIN
    CREATE FUNCTION reliability_notify_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        PERFORM pg_notify(TG_ARGV[0], CASE WHEN TG_OP = 'DELETE' THEN OLD.state_key ELSE NEW.state_key END);
        RETURN NULL;
    END $fn$;
EXCEPTION WHEN duplicate_function OR unique_violation THEN NULL;
END $do$;
DO $do$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgrelid = 'reliability_state'::regclass AND tgname = 'reliability_notify') THEN
        CREATE TRIGGER reliability_notify AFTER INSERT OR UPDATE OR DELETE ON reliability_state
            FOR EACH ROW EXECUTE FUNCTION reliability_notify_change('reliability_state');
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $do$;
