-- Directory: users, administrative units (locations), membership, role assignments.
-- Flags are BIGINT 0/1 on both stores: the portable query layer (sqlx Any) has no
-- common boolean type for SQLite and PostgreSQL.
-- Ids are UUID v7 text; times are Unix microseconds; sort keys are lower-cased
-- display names so paging walks an index in the order people read.

CREATE TABLE users (
    id                   TEXT PRIMARY KEY NOT NULL,
    user_principal_name  TEXT NOT NULL,
    upn_lower            TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    sort_key             TEXT COLLATE "C" NOT NULL,
    mail                 TEXT,
    job_title            TEXT,
    department           TEXT,
    account_enabled      BIGINT NOT NULL CHECK (account_enabled IN (0, 1)),
    source               TEXT NOT NULL CHECK (source IN ('cloud', 'on_premises')),
    password_hash        TEXT NOT NULL,
    force_password_change BIGINT NOT NULL DEFAULT 0 CHECK (force_password_change IN (0, 1)),
    token_version        BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX users_by_sort_key ON users (sort_key, id);

-- One row per searchable word (and whole UPN / mail) of a user, for word-prefix search
-- by index range.
CREATE TABLE user_search_terms (
    term     TEXT COLLATE "C" NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (term, user_id)
);
CREATE INDEX user_search_terms_by_user ON user_search_terms (user_id);

CREATE TABLE administrative_units (
    id            TEXT PRIMARY KEY NOT NULL,
    display_name  TEXT NOT NULL,
    sort_key      TEXT COLLATE "C" NOT NULL,
    description   TEXT,
    restricted    BIGINT NOT NULL CHECK (restricted IN (0, 1)),
    member_count  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX administrative_units_by_sort_key ON administrative_units (sort_key, id);

CREATE TABLE unit_search_terms (
    term     TEXT COLLATE "C" NOT NULL,
    unit_id  TEXT NOT NULL REFERENCES administrative_units (id) ON DELETE CASCADE,
    PRIMARY KEY (term, unit_id)
);
CREATE INDEX unit_search_terms_by_unit ON unit_search_terms (unit_id);

-- The member's sort key is copied here so a location's member list pages through
-- one index without sorting.
CREATE TABLE unit_members (
    unit_id   TEXT NOT NULL REFERENCES administrative_units (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sort_key  TEXT COLLATE "C" NOT NULL,
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_members_by_sort_key ON unit_members (unit_id, sort_key, user_id);
CREATE INDEX unit_members_by_user ON unit_members (user_id);

CREATE TABLE role_assignments (
    id             TEXT PRIMARY KEY NOT NULL,
    principal_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           TEXT NOT NULL,
    scope          TEXT NOT NULL,
    scope_unit_id  TEXT REFERENCES administrative_units (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    UNIQUE (principal_id, role, scope)
);
CREATE INDEX role_assignments_by_unit ON role_assignments (scope_unit_id);
CREATE INDEX role_assignments_by_created ON role_assignments (created_at, id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);
