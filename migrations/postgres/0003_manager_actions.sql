-- Password resets, lockout, rate limits, phone methods, idempotent retries and the
-- audit indexes needed for filtering.

-- When the current password is a temporary one: its expiry (Unix µs); 0 once used.
ALTER TABLE users ADD COLUMN password_expires_at BIGINT;
-- The hash of the password before the last reset or change ("not the previous one").
ALTER TABLE users ADD COLUMN previous_password_hash TEXT;
ALTER TABLE users ADD COLUMN failed_sign_ins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN first_failed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;

-- Fixed-window counters (per client IP for sign-in), shared by every replica.
CREATE TABLE rate_limits (
    key           TEXT PRIMARY KEY NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL
);

CREATE TABLE phone_methods (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method_type   TEXT NOT NULL CHECK (method_type IN ('mobile', 'alternate_mobile', 'office')),
    phone_number  TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, method_type)
);
-- A mobile number signs in one person only.
CREATE UNIQUE INDEX phone_methods_unique_mobile ON phone_methods (phone_number)
    WHERE method_type = 'mobile';
CREATE INDEX phone_methods_by_number ON phone_methods (phone_number);

-- Outcomes of requests sent with an Idempotency-Key (never with a password).
CREATE TABLE idempotency_keys (
    actor_id      TEXT NOT NULL,
    key           TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    response      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (actor_id, key)
);

CREATE TABLE audit_event_targets (
    target_id  TEXT NOT NULL,
    event_seq  BIGINT NOT NULL,
    PRIMARY KEY (target_id, event_seq)
);
CREATE INDEX audit_events_by_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_by_activity ON audit_events (activity, seq);
