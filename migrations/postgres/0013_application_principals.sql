-- Applications as principals (issue 13): an application registered as a confidential
-- client may hold admin roles of its own and act through the client-credentials
-- grant. Its assignments have the shape of a user's (role, scope, location) in a table
-- of their own, so each keeps its foreign key (deleting the application or the
-- location removes them); the store reads both tables as one list, so authorization
-- has one code path.
CREATE TABLE application_role_assignments (
    id              TEXT PRIMARY KEY NOT NULL,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    scope           TEXT NOT NULL,
    scope_unit_id   TEXT REFERENCES administrative_units (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    UNIQUE (application_id, role, scope)
);
CREATE INDEX application_role_assignments_by_unit
    ON application_role_assignments (scope_unit_id);
CREATE INDEX application_role_assignments_by_created
    ON application_role_assignments (created_at, id);

-- Moving it on ends every token the application was issued (a new secret, a removed
-- role, an operator's revocation).
ALTER TABLE applications ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;

-- Who acted, when it was an application rather than a person: its name, with its id
-- in actor_id (so the actor filter and its index serve both).
ALTER TABLE audit_events ADD COLUMN actor_app_name TEXT;
