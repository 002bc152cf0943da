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
    prefix  TEXT NOT NULL,
    ord     TEXT NOT NULL,
    PRIMARY KEY (prefix, ord)
) WITHOUT ROWID;

DROP INDEX user_search_terms_by_user;
CREATE INDEX user_search_terms_by_user ON user_search_terms (user_id, term);

INSERT INTO user_search_prefixes (prefix, ord)
SELECT DISTINCT substr(t.term, 1, n.n), u.sort_key || char(1) || u.id
FROM user_search_terms t
JOIN users u ON u.id = t.user_id
JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8) n
  ON n.n <= length(t.term)
WHERE instr(t.term, '@') = 0
ORDER BY 1, 2;
