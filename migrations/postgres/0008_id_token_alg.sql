-- How each application's ID tokens are signed (OpenID Connect Dynamic Client
-- Registration's `id_token_signed_response_alg`): RS256, which every relying party
-- supports, unless it asks for EdDSA.
ALTER TABLE applications ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (id_token_signed_response_alg IN ('RS256', 'EdDSA'));
