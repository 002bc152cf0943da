-- The OpenID Connect provider: applications (relying parties), who may sign in to
-- them, provider sessions (single sign-on), pending authorizations of the hosted
-- sign-in page, authorization codes, grants and their refresh tokens.
-- Every secret (client secret, session id, code, refresh token, CSRF token) is
-- stored as the SHA-256 of a 256-bit random value, never as itself.

CREATE TABLE applications (
    id                        TEXT PRIMARY KEY NOT NULL,
    display_name              TEXT NOT NULL,
    start_url                 TEXT,
    -- JSON arrays of exact URIs.
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    client_type               TEXT NOT NULL CHECK (client_type IN ('confidential', 'public')),
    secret_hash               TEXT,
    sign_in_audience          TEXT NOT NULL CHECK (sign_in_audience IN ('everyone', 'locations')),
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);

-- With sign_in_audience = 'locations': members of these locations may sign in.
CREATE TABLE application_units (
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    unit_id         TEXT NOT NULL REFERENCES administrative_units (id) ON DELETE CASCADE,
    PRIMARY KEY (application_id, unit_id)
);
CREATE INDEX application_units_by_unit ON application_units (unit_id);

-- A provider session: the browser holds the id, the store its hash. It ends at
-- sign-out (ended_at), after idle_timeout without use, at expires_at, or when the
-- user's token_version moves on (a reset, a password change, a disable).
CREATE TABLE provider_sessions (
    id_hash        TEXT PRIMARY KEY NOT NULL,
    -- The public session id (`sid` claim).
    sid            TEXT NOT NULL UNIQUE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_version  BIGINT NOT NULL,
    auth_time      BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    ended_at       BIGINT
);
CREATE INDEX provider_sessions_by_user ON provider_sessions (user_id);

-- An authorization request waiting on the hosted sign-in page.
CREATE TABLE pending_authorizations (
    id              TEXT PRIMARY KEY NOT NULL,
    csrf_hash       TEXT NOT NULL,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    state           TEXT,
    nonce           TEXT,
    code_challenge  TEXT NOT NULL,
    login_hint      TEXT,
    -- Signed in, but must choose a new password before going on.
    password_change_user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

-- A grant: what one code exchange issued. Revoking it ends its refresh tokens and
-- the access tokens that name it.
CREATE TABLE oauth_grants (
    id              TEXT PRIMARY KEY NOT NULL,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash    TEXT NOT NULL,
    sid             TEXT NOT NULL,
    scope           TEXT NOT NULL,
    token_version   BIGINT NOT NULL,
    auth_time       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX oauth_grants_by_user ON oauth_grants (user_id);

CREATE TABLE authorization_codes (
    code_hash       TEXT PRIMARY KEY NOT NULL,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash    TEXT NOT NULL,
    sid             TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT NOT NULL,
    token_version   BIGINT NOT NULL,
    auth_time       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    -- The grant its first use issued, revoked when it is used again.
    grant_id        TEXT
);

-- Refresh tokens rotate: each use marks the token used and issues the next in the
-- same grant; a used token presented again revokes the grant.
CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    grant_id    TEXT NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
