-- One-time codes sent by text message (issue 14): self-service password reset, SMS
-- sign-in and SMS as a second factor. 8 digits, 5 minutes, 3 attempts, single use.
-- Only a keyed MAC of the code is kept (`code_mac`: `kid.base64url`, HMAC-SHA256
-- under the form key `kid`), never the code or the number it went to.
--
-- A request for a code always writes a row, whether or not the sign-in name is an
-- account with a mobile number (`user_id` NULL, a MAC no code matches): the answer,
-- its timing and the attempts it allows are the same either way, so the form says
-- nothing about who has an account.
CREATE TABLE one_time_codes (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    -- 'reset' | 'sign_in' | 'second_factor'
    purpose     TEXT NOT NULL,
    code_mac    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    used_at     BIGINT
);
CREATE INDEX one_time_codes_expiry ON one_time_codes (expires_at);
