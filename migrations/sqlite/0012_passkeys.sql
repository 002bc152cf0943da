-- Passkeys (issue 13): a second kind of authentication method, 'passkey', a
-- discoverable WebAuthn credential. Its row keeps the credential's public part only
-- (the private key never leaves the authenticator): `credential_id` (base64url, one
-- account per credential) and `credential`, the verifier's record of it as JSON
-- (COSE public key, signature counter, backup flags). `secret` stays empty for
-- passkeys. SQLite cannot widen a CHECK constraint in place, so the table is made
-- again with the same rows (nothing references it).
CREATE TABLE authentication_methods_v2 (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('totp', 'passkey')),
    name            TEXT NOT NULL,
    secret          TEXT NOT NULL,
    confirmed       BIGINT NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    last_used_step  BIGINT NOT NULL DEFAULT 0,
    credential_id   TEXT,
    credential      TEXT
);
INSERT INTO authentication_methods_v2
    (id, user_id, kind, name, secret, confirmed, created_at, last_used_at, last_used_step)
SELECT id, user_id, kind, name, secret, confirmed, created_at, last_used_at, last_used_step
FROM authentication_methods;
DROP TABLE authentication_methods;
ALTER TABLE authentication_methods_v2 RENAME TO authentication_methods;
CREATE INDEX authentication_methods_by_user ON authentication_methods (user_id);
CREATE UNIQUE INDEX authentication_methods_by_credential
    ON authentication_methods (credential_id);
