-- Temporary Access Passes (issue 13): a pass a manager issues so that someone who
-- lost their phone or passkey can sign in on the hosted page instead of with a
-- password, and register a new method. At most one per user (issuing another
-- replaces it). Only the SHA-256 of the pass is kept; a one-time pass is spent by
-- setting `used_at` in the transaction that signs in.
CREATE TABLE temporary_access_passes (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pass_hash   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    one_time    BIGINT NOT NULL CHECK (one_time IN (0, 1)),
    used_at     BIGINT,
    created_by  TEXT
);
