-- Passkeys (issue 13): a second kind of authentication method, 'passkey', a
-- discoverable WebAuthn credential. Its row keeps the credential's public part only
-- (the private key never leaves the authenticator): `credential_id` (base64url, one
-- account per credential) and `credential`, the verifier's record of it as JSON
-- (COSE public key, signature counter, backup flags). `secret` stays empty for
-- passkeys.
ALTER TABLE authentication_methods DROP CONSTRAINT authentication_methods_kind_check;
ALTER TABLE authentication_methods
    ADD CONSTRAINT authentication_methods_kind_check CHECK (kind IN ('totp', 'passkey'));
ALTER TABLE authentication_methods ADD COLUMN credential_id TEXT;
ALTER TABLE authentication_methods ADD COLUMN credential TEXT;
CREATE UNIQUE INDEX authentication_methods_by_credential
    ON authentication_methods (credential_id);
