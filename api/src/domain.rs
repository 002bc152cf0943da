//! Validated domain values: a request is parsed into these before any rule or query
//! sees it, and each parse failure names the field and a stable code.

use shared::dto::FieldError;
use shared::patterns;
use shared::policy::{self, CloudPolicy, OnPremisesPolicy};
use shared::FieldErrorCode;

fn err(field: &str, code: FieldErrorCode, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code,
        message: message.into(),
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// `name@domain`, case preserved, compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipalName(String);

impl UserPrincipalName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        const F: &str = "user_principal_name";
        let s = raw.trim();
        if s.is_empty() || raw.chars().count() > patterns::USER_PRINCIPAL_NAME_MAX {
            return Err(err(
                F,
                FieldErrorCode::InvalidLength,
                "The sign-in name must be 1 to 113 characters.",
            ));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(err(
                F,
                FieldErrorCode::InvalidFormat,
                "The sign-in name must look like name@domain.",
            ));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-'+".contains(c));
        let domain_ok = domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !local_ok || !domain_ok {
            return Err(err(
                F,
                FieldErrorCode::InvalidFormat,
                "The sign-in name must look like name@domain, using letters, digits and . _ - ' +.",
            ));
        }
        Ok(UserPrincipalName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or a location's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() || raw.chars().count() > patterns::DISPLAY_NAME_MAX {
            return Err(err(
                "display_name",
                FieldErrorCode::InvalidLength,
                "The name must be 1 to 256 characters.",
            ));
        }
        if has_control(s) {
            return Err(err(
                "display_name",
                FieldErrorCode::InvalidCharacters,
                "The name cannot contain control characters.",
            ));
        }
        Ok(DisplayName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional free-text attribute (job title, department, description): trimmed,
/// empty becomes absent.
pub fn optional_text(
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    // The length counts what was sent, white space around included, as the
    // document's `maxLength` does.
    let too_long = raw.chars().count() > max;
    let s = raw.trim();
    if s.is_empty() && !too_long {
        return Ok(None);
    }
    if too_long {
        return Err(err(
            field,
            FieldErrorCode::TooLong,
            format!("{field} must be at most {max} characters."),
        ));
    }
    if has_control(s) {
        return Err(err(
            field,
            FieldErrorCode::InvalidCharacters,
            format!("{field} cannot contain control characters."),
        ));
    }
    Ok(Some(s.to_owned()))
}

/// An optional e-mail address.
pub fn optional_mail(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(s) = optional_text("mail", raw, patterns::MAIL_MAX)? else {
        return Ok(None);
    };
    match s.split_once('@') {
        Some((l, d)) if !l.is_empty() && d.contains('.') && !s.contains(char::is_whitespace) => {
            Ok(Some(s))
        }
        _ => Err(err(
            "mail",
            FieldErrorCode::InvalidFormat,
            "The e-mail address must look like name@domain.",
        )),
    }
}

/// The cloud password policy (SPEC section 3): long enough, not the person's name
/// or sign-in name, and a zxcvbn strength score of at least the policy's minimum.
/// Every unmet rule is reported against `field`.
pub fn check_cloud_password(
    policy: &CloudPolicy,
    field: &str,
    password: &str,
    upn: &str,
    display_name: &str,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> =
        policy::check_cloud_basics(policy, password, upn, display_name)
            .into_iter()
            .filter(|r| !r.met)
            .map(|r| err(field, r.code, format!("{}.", r.rule)))
            .collect();
    let len = password.chars().count();
    if len > 256 {
        errors.push(err(
            field,
            FieldErrorCode::TooLong,
            "At most 256 characters.",
        ));
    } else {
        let parts = policy::name_parts(upn, display_name);
        let inputs: Vec<&str> = parts.iter().map(String::as_str).collect();
        let score = u8::from(zxcvbn::zxcvbn(password, &inputs).score());
        if score < policy.min_strength_score {
            errors.push(err(
                field,
                FieldErrorCode::TooWeak,
                "Hard to guess: use a longer phrase of unrelated words.",
            ));
        }
    }
    errors
}

/// The on-premises password policy: every unmet rule, against `field`.
pub fn check_on_premises_password(
    policy: &OnPremisesPolicy,
    field: &str,
    password: &str,
    upn: &str,
    display_name: &str,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> =
        policy::check_on_premises(policy, password, upn, display_name)
            .into_iter()
            .filter(|r| !r.met)
            .map(|r| err(field, r.code, format!("{}.", r.rule)))
            .collect();
    if password.chars().count() > 256 {
        errors.push(err(
            field,
            FieldErrorCode::TooLong,
            "At most 256 characters.",
        ));
    }
    errors
}

/// A phone number, parsed with libphonenumber's rules and kept in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses international input (`+33 6 12 34 56 78`), or national input when a
    /// default region is configured.
    pub fn parse(raw: &str, default_region: Option<&str>) -> Result<Self, FieldError> {
        const F: &str = "phone_number";
        let too_long = raw.chars().count() > patterns::PHONE_NUMBER_MAX;
        let raw = raw.trim();
        if raw.is_empty() || too_long {
            return Err(err(
                F,
                FieldErrorCode::InvalidPhoneNumber,
                "Enter a phone number, like +33 6 12 34 56 78.",
            ));
        }
        let region =
            default_region.and_then(|r| r.to_uppercase().parse::<phonenumber::country::Id>().ok());
        let parsed = phonenumber::parse(region, raw).map_err(|_| {
            err(F, FieldErrorCode::InvalidPhoneNumber, "This is not a phone number. Start with + and the country code, like +33 6 12 34 56 78.")
        })?;
        if !phonenumber::is_valid(&parsed) {
            return Err(err(
                F,
                FieldErrorCode::InvalidPhoneNumber,
                "This phone number does not exist in its country's numbering plan.",
            ));
        }
        Ok(PhoneNumber(
            parsed.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    pub fn e164(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        Self::mask_e164(&self.0)
    }

    /// `+12025550134` → `+1 *** *** **34`: the country code and the last two digits.
    pub fn mask_e164(e164: &str) -> String {
        let (code, national) = match phonenumber::parse(None, e164) {
            Ok(p) => (p.code().value().to_string(), p.national().to_string()),
            Err(_) => (String::new(), e164.trim_start_matches('+').to_owned()),
        };
        let digits: Vec<char> = national.chars().collect();
        let n = digits.len();
        let keep = 2.min(n);
        let masked: String = digits
            .iter()
            .enumerate()
            .map(|(i, c)| if i + keep >= n { *c } else { '*' })
            .collect();
        let split = n.saturating_sub(4);
        let head: Vec<String> = masked.as_bytes()[..split]
            .chunks(3)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let mut groups = head;
        groups.push(masked[split..].to_owned());
        let body = groups.join(" ");
        if code.is_empty() {
            format!("+{body}")
        } else {
            format!("+{code} {body}")
        }
    }
}

/// Keeps a parsed value, or records its error and yields `None`, so every invalid
/// field of a request is reported at once.
pub fn collect<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_parse_to_e164_and_mask() {
        let p = PhoneNumber::parse("+1 (202) 555-0134", None).unwrap();
        assert_eq!(p.e164(), "+12025550134");
        assert_eq!(p.masked(), "+1 *** *** **34");
        let fr = PhoneNumber::parse("06 12 34 56 78", Some("fr")).unwrap();
        assert_eq!(fr.e164(), "+33612345678");
        assert_eq!(fr.masked(), "+33 *** ** **78");
        assert!(PhoneNumber::parse("06 12 34 56 78", None).is_err());
        assert!(PhoneNumber::parse("+1 555", None).is_err());
        assert!(PhoneNumber::parse("hello", None).is_err());
    }

    #[test]
    fn upns_parse_and_reject() {
        assert!(UserPrincipalName::parse(" ana.lopez@contoso.example ").is_ok());
        for bad in [
            "",
            "ana",
            "@contoso.example",
            "ana@",
            "ana@localhost",
            "a b@c.d",
            ".a@c.d",
            "a@-c.d",
        ] {
            assert!(UserPrincipalName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names_and_text_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ana  ").unwrap().as_str(), "Ana");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
        assert_eq!(optional_text("job_title", Some("  "), 10).unwrap(), None);
        assert!(optional_text("job_title", Some("x".repeat(11).as_str()), 10).is_err());
        assert!(optional_mail(Some("not-mail")).is_err());
    }

    #[test]
    fn cloud_policy_lists_every_failed_rule() {
        let policy = CloudPolicy {
            min_length: 12,
            min_strength_score: 3,
        };
        let codes = |pw: &str| -> Vec<FieldErrorCode> {
            check_cloud_password(
                &policy,
                "password",
                pw,
                "ana.lopez@contoso.example",
                "Ana Lopez",
            )
            .into_iter()
            .map(|e| e.code)
            .collect()
        };
        assert_eq!(
            codes("short"),
            vec![FieldErrorCode::TooShort, FieldErrorCode::TooWeak]
        );
        assert!(codes("lopez-Purple-Tiger-42").contains(&FieldErrorCode::ContainsName));
        assert!(codes("password1234").contains(&FieldErrorCode::TooWeak));
        assert!(codes("Purple-Tiger-Lamp-42").is_empty());
    }
}

/// The parsers accept exactly what the OpenAPI document's patterns and lengths admit
/// (`shared::patterns`), on random text rich in the characters where they could
/// disagree: white space of every kind, control characters, `@`, dots, non-ASCII.
#[cfg(test)]
mod agrees_with_the_document {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    fn text(max: usize) -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a', 'Z', '7', '.', '@', '-', '_', '\'', '+', ' ', '\t', '\n', '\r', '\u{b}', '\u{85}',
            '\u{a0}', '\u{2003}', '\u{3000}', '\u{1}', '\u{1c}', '\u{7f}', '\u{9f}', 'é',
            '\u{feff}', '\u{200b}', '你',
        ]);
        prop::collection::vec(chars, 0..max).prop_map(|v| v.into_iter().collect())
    }

    /// Mostly short, well-formed-looking text around a valid core, sometimes long.
    fn around(core: &'static str, max: usize) -> impl Strategy<Value = String> {
        prop_oneof![
            text(12),
            (text(3), text(3)).prop_map(move |(a, b)| format!("{a}{core}{b}")),
            (text(4), text(4)).prop_map(move |(a, b)| format!("{core}{a}{b}")),
            (Just(core), text(max + 8)).prop_map(|(c, t)| format!("{c}{t}")),
        ]
    }

    fn admits(pattern: &'static str, max: usize, s: &str) -> bool {
        use std::collections::HashMap;
        use std::sync::{LazyLock, Mutex};
        static COMPILED: LazyLock<Mutex<HashMap<&'static str, Regex>>> =
            LazyLock::new(Mutex::default);
        let mut compiled = COMPILED.lock().unwrap();
        let re = compiled
            .entry(pattern)
            .or_insert_with(|| Regex::new(pattern).unwrap());
        re.is_match(s) && s.chars().count() <= max
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn display_names(s in around("Ana Lopez", patterns::DISPLAY_NAME_MAX)) {
            prop_assert_eq!(
                DisplayName::parse(&s).is_ok(),
                admits(patterns::DISPLAY_NAME, patterns::DISPLAY_NAME_MAX, &s),
                "{:?}", s
            );
        }

        #[test]
        fn optional_texts(s in around("Cashier", patterns::USER_ATTRIBUTE_MAX)) {
            prop_assert_eq!(
                optional_text("job_title", Some(&s), patterns::USER_ATTRIBUTE_MAX).is_ok(),
                admits(patterns::OPTIONAL_TEXT, patterns::USER_ATTRIBUTE_MAX, &s),
                "{:?}", s
            );
        }

        #[test]
        fn user_principal_names(s in around("a@b.co", patterns::USER_PRINCIPAL_NAME_MAX)) {
            prop_assert_eq!(
                UserPrincipalName::parse(&s).is_ok(),
                admits(patterns::USER_PRINCIPAL_NAME, patterns::USER_PRINCIPAL_NAME_MAX, &s),
                "{:?}", s
            );
        }

        #[test]
        fn mail(s in around("a@b.co", patterns::MAIL_MAX)) {
            prop_assert_eq!(
                optional_mail(Some(&s)).is_ok(),
                admits(patterns::MAIL, patterns::MAIL_MAX, &s),
                "{:?}", s
            );
        }

        /// Whether a number exists is libphonenumber's; the document only promises
        /// that what it refuses is refused.
        #[test]
        fn phone_numbers(s in around("+33612345678", patterns::PHONE_NUMBER_MAX)) {
            if !admits(patterns::PHONE_NUMBER, patterns::PHONE_NUMBER_MAX, &s) {
                prop_assert!(PhoneNumber::parse(&s, None).is_err(), "{:?}", s);
            }
        }
    }

    #[test]
    fn header_patterns() {
        let key = Regex::new(patterns::IDEMPOTENCY_KEY).unwrap();
        assert!(key.is_match("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!key.is_match("with space") && !key.is_match("") && !key.is_match("é"));
        assert!(!key.is_match(&"x".repeat(129)));
        let if_match = Regex::new(patterns::IF_MATCH).unwrap();
        for ok in ["*", r#""abc""#, r#"W/"abc""#, r#""a", W/"b""#, r#""""#] {
            assert!(if_match.is_match(ok), "{ok}");
        }
        for bad in ["null", r#""abc"#, "abc", r#""a" "b""#, ""] {
            assert!(!if_match.is_match(bad), "{bad}");
        }
        let cursor = Regex::new(patterns::CURSOR).unwrap();
        assert!(cursor.is_match(&crate::store::encode_cursor("ana lopez", "x")));
    }
}

/// Whether `host` is the loopback interface, where plain http is acceptable for a
/// redirect (RFC 8252 section 7.3; the traffic never leaves the machine).
fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// An application's redirect or post-logout URI, compared exactly (byte for byte)
/// at sign-in: absolute https, or http on the loopback address; no fragment, no
/// credentials.
pub fn redirect_uri(field: &str, raw: &str) -> Result<String, FieldError> {
    let bad = |why: &str| {
        err(
            field,
            FieldErrorCode::InvalidRedirectUri,
            format!("{raw:?} {why}"),
        )
    };
    if raw.len() > 2000 || has_control(raw) || raw.trim() != raw || raw.is_empty() {
        return Err(bad(
            "must be a URL of at most 2000 characters without spaces.",
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| bad("is not an absolute URL."))?;
    if url.fragment().is_some() {
        return Err(bad("must not contain a fragment (#)."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain a user name or password."));
    }
    let Some(host) = url.host() else {
        return Err(bad("has no host."));
    };
    match url.scheme() {
        "https" => Ok(raw.to_owned()),
        "http" if is_loopback_host(&host) => Ok(raw.to_owned()),
        "http" => Err(bad(
            "must use https (plain http is allowed only for 127.0.0.1, [::1] and localhost).",
        )),
        _ => Err(bad("must be an https URL.")),
    }
}

/// A list of redirect URIs (at most 20, no duplicates).
pub fn redirect_uris(
    field: &str,
    raw: &[String],
    required: bool,
) -> Result<Vec<String>, FieldError> {
    if required && raw.is_empty() {
        return Err(err(
            field,
            FieldErrorCode::Required,
            "Give at least one redirect URI.",
        ));
    }
    if raw.len() > 20 {
        return Err(err(field, FieldErrorCode::TooMany, "At most 20 URIs."));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for r in raw {
        let uri = redirect_uri(field, r)?;
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    Ok(out)
}

/// An optional http(s) link (an application's start URL).
pub fn optional_url(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(s) = optional_text(field, raw, 2000)? else {
        return Ok(None);
    };
    match url::Url::parse(&s) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Ok(Some(s)),
        _ => Err(err(
            field,
            FieldErrorCode::InvalidFormat,
            format!("{field} must be an absolute http or https URL."),
        )),
    }
}

#[cfg(test)]
mod redirect_uri_tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://rota.contoso.example/callback",
            "http://127.0.0.1:4000/cb",
            "http://[::1]:4000/cb",
            "http://localhost/cb",
            "https://app.example/cb?tenant=1",
        ] {
            assert_eq!(redirect_uri("r", ok).unwrap(), ok);
        }
        for bad in [
            "http://rota.contoso.example/cb",
            "https://app.example/cb#frag",
            "https://user:pw@app.example/cb",
            "/relative",
            "javascript:alert(1)",
            "custom.scheme:/cb",
            " https://app.example/cb",
            "",
        ] {
            let e = redirect_uri("r", bad).unwrap_err();
            assert_eq!(e.code, FieldErrorCode::InvalidRedirectUri, "{bad}");
        }
    }
}
