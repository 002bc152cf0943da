-- Users synced from an on-premises directory carry the directory's own id for them
-- (Active Directory's objectGUID, as a UUID): stable across renames and moves. NULL
-- for users made in OpenStaff (and on-premises users entered before a directory was
-- connected).
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_by_external_id ON users (external_id);

-- The directory connection's state, one row (id 'default'): where the last sync got
-- to on which domain controller (uSNChanged is per DC), the domain's password policy
-- as last read, and the lease that lets one replica at a time sync.
CREATE TABLE directory_state (
    id                 TEXT PRIMARY KEY NOT NULL,
    server             TEXT,
    usn_high_water     BIGINT,
    password_policy    TEXT,
    policy_read_at     BIGINT,
    last_sync_at       BIGINT,
    last_full_sync_at  BIGINT,
    lease_holder       TEXT,
    lease_until        BIGINT NOT NULL DEFAULT 0
);
