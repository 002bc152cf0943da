-- The user search terms without SQLite's rowid (issue 15: the search index's size).
--
-- As a rowid table, `user_search_terms` kept every (term, user) three times: in the
-- table, in its primary-key index and in `user_search_terms_by_user`. Keyed by its
-- primary key instead, the table is that index, and the by-user index holds
-- (user_id, term) alone: a third less on disk, the same lookups. PostgreSQL keeps
-- its heap in any case and has no migration of this number.
CREATE TABLE user_search_terms_keyed (
    term     TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (term, user_id)
) WITHOUT ROWID;

INSERT INTO user_search_terms_keyed (term, user_id)
SELECT term, user_id FROM user_search_terms ORDER BY term, user_id;

DROP TABLE user_search_terms;
ALTER TABLE user_search_terms_keyed RENAME TO user_search_terms;
CREATE INDEX user_search_terms_by_user ON user_search_terms (user_id, term);
