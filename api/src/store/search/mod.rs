//! Word-prefix search through an index of terms.
//!
//! Each user (and location) has one row per lower-cased word of its names plus its
//! whole UPN and mail; a query term `t` matches the index range `[t, t + U+10FFFF)`,
//! which both SQLite and PostgreSQL (with `COLLATE "C"`) answer from a B-tree. So
//! "jo sm" finds "John Smith" without scanning the table.

pub mod leapfrog;
pub mod sql;

pub use sql::After;
use std::collections::BTreeSet;

/// Longest term stored or searched; longer words are cut.
const MAX_TERM_CHARS: usize = 64;
/// At most this many query terms are used.
pub const MAX_QUERY_TERMS: usize = 5;
/// Longest word prefix kept in `user_search_prefixes`; a longer query word uses its
/// first this-many characters and is then checked against the whole words.
pub const MAX_PREFIX_CHARS: usize = 8;

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_TERM_CHARS).collect())
}

fn whole(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .take(MAX_TERM_CHARS)
        .collect()
}

/// The index terms of a user.
pub fn user_terms(display_name: &str, upn: &str, mail: Option<&str>) -> BTreeSet<String> {
    let mut terms: BTreeSet<String> = words(display_name).chain(words(upn)).collect();
    terms.insert(whole(upn));
    if let Some(mail) = mail.filter(|m| !m.trim().is_empty()) {
        terms.extend(words(mail));
        terms.insert(whole(mail));
    }
    terms
}

/// The rows of a user in `user_search_prefixes`: every prefix, up to
/// [`MAX_PREFIX_CHARS`] characters, of every word term (a term without `@`; the whole
/// UPN and mail are only matched through `user_search_terms`). Migration 0005 derives
/// the same set in SQL from `user_search_terms`.
pub fn user_prefixes(display_name: &str, upn: &str, mail: Option<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for term in user_terms(display_name, upn, mail) {
        if term.contains('@') {
            continue;
        }
        let mut prefix = String::new();
        for c in term.chars().take(MAX_PREFIX_CHARS) {
            prefix.push(c);
            out.insert(prefix.clone());
        }
    }
    out
}

/// A user's position in display-name order as one string (sort key, U+0001, id):
/// names hold no control characters, so comparing these strings byte-wise orders
/// like `(sort_key, id)`, on both stores.
pub fn ord(sort_key: &str, id: &str) -> String {
    format!("{sort_key}\u{1}{id}")
}

/// SQL for the user id at the end of the [`ord`] in column `col` (ids are 36-character
/// UUID texts): what [`split_ord`] gives in Rust.
pub fn ord_user_id_sql(col: &str) -> String {
    format!("substr({col}, length({col}) - 35)")
}

/// The (sort key, id) an [`ord`] was made from.
pub fn split_ord(ord: &str) -> Option<(&str, &str)> {
    ord.rsplit_once('\u{1}')
}

/// The index terms of a location.
pub fn unit_terms(display_name: &str) -> BTreeSet<String> {
    let mut terms: BTreeSet<String> = words(display_name).collect();
    terms.insert(whole(display_name));
    terms
}

/// Splits a search box query into lower-cased prefixes, as the index splits names:
/// into words, except that a whitespace-separated part with an `@` is kept whole (so
/// `ana.lopez@` matches a UPN or mail). Duplicates are dropped.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in query.split_whitespace() {
        let terms: Vec<String> = if part.contains('@') {
            vec![whole(part)]
        } else {
            words(part).collect()
        };
        for t in terms {
            if out.len() == MAX_QUERY_TERMS {
                return out;
            }
            if !t.is_empty() && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// The exclusive upper bound of the prefix range of `term`.
pub fn prefix_upper(term: &str) -> String {
    format!("{term}\u{10FFFF}")
}

/// The sort key of a display name: case-insensitive order, stable across stores.
pub fn sort_key(display_name: &str) -> String {
    display_name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_terms_cover_name_words_upn_and_mail() {
        let t = user_terms(
            "John Smith-Jones",
            "john.smith@contoso.example",
            Some("JS@Mail.example"),
        );
        for w in [
            "john",
            "smith",
            "jones",
            "contoso",
            "john.smith@contoso.example",
            "js@mail.example",
            "js",
        ] {
            assert!(t.contains(w), "missing {w}: {t:?}");
        }
    }

    #[test]
    fn query_terms_are_lowercased_deduplicated_and_capped() {
        assert_eq!(query_terms("  Jo  SM jo "), vec!["jo", "sm"]);
        assert_eq!(query_terms("a b c d e f g").len(), MAX_QUERY_TERMS);
        assert!(query_terms("   ").is_empty());
    }

    #[test]
    fn query_words_split_like_the_index_but_keep_addresses_whole() {
        assert_eq!(query_terms("ana.lopez"), vec!["ana", "lopez"]);
        assert_eq!(query_terms("Ana.Lopez@Contoso"), vec!["ana.lopez@contoso"]);
        assert_eq!(query_terms("o'brien -"), vec!["o", "brien"]);
    }

    #[test]
    fn user_prefixes_cover_words_up_to_the_cap_but_not_whole_addresses() {
        let p = user_prefixes("Ana Lopez-Fernandez", "ana@contoso.example", None);
        for w in [
            "a", "an", "ana", "l", "lopez", "f", "fernande", "c", "contoso", "example",
        ] {
            assert!(p.contains(w), "missing {w}: {p:?}");
        }
        assert!(!p.contains("fernandez"), "capped at {MAX_PREFIX_CHARS}");
        assert!(p.iter().all(|t| !t.contains('@')));
    }

    #[test]
    fn ord_orders_like_sort_key_then_id() {
        let a = ord("ana", "0190");
        let b = ord("ana b", "0000");
        let c = ord("ana", "0191");
        assert!(a < c && c < b);
        assert_eq!(split_ord(&b), Some(("ana b", "0000")));
    }

    #[test]
    fn prefix_range_contains_exactly_the_prefixed_words() {
        let upper = prefix_upper("jo");
        for w in ["jo", "john", "jo\u{e9}l"] {
            assert!(w >= "jo" && w < upper.as_str(), "{w}");
        }
        for w in ["j", "jn", "jp", "kjo"] {
            assert!(!(w >= "jo" && w < upper.as_str()), "{w}");
        }
    }
}
