-- Organisation-wide user search that holds at a million users.
--
-- Each user has one row per prefix (1 to 8 characters) of each word of their name,
-- UPN and mail, keyed by `ord` = sort key, U+0001, id: the display-name order the
-- results are shown in. A query word's prefix is then one index range already in
-- result order, and several words are intersected by leapfrogging their ranges
-- (see `store::directory::search_users`), so a page costs a few index seeks however
-- many people match. Words longer than 8 characters are checked against
-- `user_search_terms`, now indexed by user.
CREATE TABLE user_search_prefixes (
    prefix  TEXT COLLATE "C" NOT NULL,
    ord     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (prefix, ord)
);

DROP INDEX user_search_terms_by_user;
CREATE INDEX user_search_terms_by_user ON user_search_terms (user_id, term);

INSERT INTO user_search_prefixes (prefix, ord)
SELECT DISTINCT substr(t.term, 1, n.n), u.sort_key || chr(1) || u.id
FROM user_search_terms t
JOIN users u ON u.id = t.user_id
JOIN generate_series(1, 8) AS n(n) ON n.n <= length(t.term)
WHERE strpos(t.term, '@') = 0
ORDER BY 1, 2;
