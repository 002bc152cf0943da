-- Key rotation: a new key is published (JWKS) before it signs, and a replaced key
-- keeps verifying until the tokens it signed have expired.
ALTER TABLE signing_keys ADD COLUMN activates_at BIGINT NOT NULL DEFAULT 0;
