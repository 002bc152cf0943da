-- Sign-in badges (issue 14): a QR code a manager prints for a staff member who signs
-- in on shared tills and tablets, with a PIN the holder chooses at its first use.
-- The credential the QR code holds is never stored, only its SHA-256 (looked up by
-- it); the PIN is an Argon2id hash. A user has at most one live badge: issuing
-- another revokes the previous one (`revoked_at`), which stays listed so a scan of
-- it says "revoked" rather than "unknown". Five wrong PINs in a row set `locked_at`
-- until a manager unlocks it.
CREATE TABLE badges (
    id                   TEXT PRIMARY KEY NOT NULL,
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_hash      TEXT NOT NULL UNIQUE,
    pin_hash             TEXT,
    created_at           BIGINT NOT NULL,
    created_by           TEXT,
    expires_at           BIGINT,
    failed_pin_attempts  BIGINT NOT NULL DEFAULT 0,
    locked_at            BIGINT,
    revoked_at           BIGINT,
    last_used_at         BIGINT
);
CREATE INDEX badges_by_user ON badges (user_id, created_at);
