//! Word-prefix search through an index of terms.
//!
//! Each user (and location) has one row per lower-cased word of its names plus its
//! whole UPN and mail; a query term `t` matches the index range `[t, t + U+10FFFF)`,
//! which both SQLite and PostgreSQL (with `COLLATE "C"`) answer from a B-tree. So
//! "jo sm" finds "John Smith" without scanning the table.

use std::collections::BTreeSet;

/// Longest term stored or searched; longer words are cut.
const MAX_TERM_CHARS: usize = 64;
/// At most this many query terms are used.
pub const MAX_QUERY_TERMS: usize = 5;

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

/// The index terms of a location.
pub fn unit_terms(display_name: &str) -> BTreeSet<String> {
    let mut terms: BTreeSet<String> = words(display_name).collect();
    terms.insert(whole(display_name));
    terms
}

/// Splits a search box query into lower-cased prefixes. Whitespace separates terms;
/// a term is kept whole (so `ana.lopez@` matches a UPN) and empty ones are dropped.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in query.split_whitespace() {
        let t = whole(t);
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
        if out.len() == MAX_QUERY_TERMS {
            break;
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
