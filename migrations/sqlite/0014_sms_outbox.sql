-- The SMS outbox (issue 14): every text message the server sends (one-time codes)
-- is a row here, written in the transaction that made it, so a code and its message
-- commit together or not at all. With the development outbox (`OPENSTAFF_SMS=outbox`)
-- a message stays here with status `outbox` for an operator to read
-- (`openstaff sms outbox`); with the webhook, the delivery worker of any replica
-- claims due rows with a lease (`leased_until`, `lease_token`), posts them and keeps
-- the outcome, retrying with backoff, so a restart or a crash loses nothing.
--
-- The recipient and the text carry a one-time code: both are sealed with the
-- server's secret box (AES-256-GCM, bound to the row's id), and cleared once the
-- message is delivered or given up, leaving only metadata (the masked number).
CREATE TABLE sms_messages (
    id               TEXT PRIMARY KEY NOT NULL,
    to_sealed        TEXT,
    body_sealed      TEXT,
    to_masked        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed', 'outbox')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    leased_until     BIGINT NOT NULL DEFAULT 0,
    lease_token      TEXT,
    last_attempt_at  BIGINT,
    last_status_code BIGINT,
    last_error       TEXT,
    finished_at      BIGINT
);
-- What the worker claims: queued rows, by when they are due.
CREATE INDEX sms_messages_due ON sms_messages (status, next_attempt_at);
-- The outbox, newest first.
CREATE INDEX sms_messages_by_created ON sms_messages (created_at, id);
