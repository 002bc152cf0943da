-- Token signing keys, shared by every replica through the database.
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY NOT NULL,
    algorithm    TEXT NOT NULL,
    private_key  TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT
);

-- Append-only audit trail. `seq` orders the hash chain; each row's hash covers its
-- canonical content and the previous row's hash.
CREATE TABLE audit_events (
    seq                 BIGSERIAL PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    activity_date_time  BIGINT NOT NULL,
    activity            TEXT NOT NULL,
    category            TEXT NOT NULL,
    correlation_id      TEXT NOT NULL,
    actor_id            TEXT,
    actor_upn           TEXT,
    actor_ip            TEXT,
    actor_user_agent    TEXT,
    target_resources    TEXT NOT NULL,
    result              TEXT NOT NULL,
    result_reason       TEXT,
    additional_details  TEXT NOT NULL,
    prev_hash           TEXT NOT NULL,
    hash                TEXT NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (activity_date_time, seq);

-- The locations each event's targets belonged to, so a manager's audit view is an
-- index lookup.
CREATE TABLE audit_event_units (
    event_seq  BIGINT NOT NULL,
    unit_id    TEXT NOT NULL,
    PRIMARY KEY (unit_id, event_seq)
);

-- The head of the hash chain; updating it serialises audit writers on every store.
CREATE TABLE audit_chain_head (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, 'genesis');
