-- A user's authentication methods beyond the password (issue 13). This increment
-- has one kind, 'totp' (authenticator apps, RFC 6238): the shared secret is kept
-- encrypted (AES-256-GCM under the key in `secret_keys`, nonce included), never in
-- the clear. A method counts only once confirmed with a code; an unconfirmed one is
-- dropped after ten minutes. `last_used_step` is the last 30-second step whose code
-- was accepted, so a code works once.
CREATE TABLE authentication_methods (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('totp')),
    name            TEXT NOT NULL,
    secret          TEXT NOT NULL,
    confirmed       BIGINT NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    last_used_step  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX authentication_methods_by_user ON authentication_methods (user_id);

-- Keys that encrypt secrets at rest, generated at first start and shared by every
-- replica through the database (like the signing keys). One row, id 'totp-v1'.
CREATE TABLE secret_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    key         TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- How each sign-in was proved (RFC 8176 values, space-separated): carried from the
-- provider session to its codes and grants, and into ID and access tokens as `amr`.
ALTER TABLE provider_sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE authorization_codes ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE oauth_grants ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
