-- The hosted sign-in page no longer keeps its authorization request in a row: the
-- page's form carries it, sealed by the server (an HMAC), so showing the page writes
-- nothing. What remains to store is that a form was used: the id of a form that
-- signed someone in is kept until the form would have expired anyway, so one form
-- never signs in (and yields a code) twice.
DROP TABLE pending_authorizations;
CREATE TABLE used_authorization_requests (
    id          TEXT PRIMARY KEY NOT NULL,
    expires_at  BIGINT NOT NULL
);
