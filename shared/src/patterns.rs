//! What the API accepts in its text fields, as the regular expressions and lengths the
//! OpenAPI document publishes. The server's own parsers (`api/src/domain.rs`) say the
//! same thing in code, with one error code per rule; a property test there checks,
//! on random input, that a parser accepts exactly what its pattern and length admit.
//!
//! The patterns use only syntax that ECMA-262, Python's `re` and Rust's `regex` read
//! alike (no look-around, `\uXXXX` escapes, explicit classes instead of `\s`, whose
//! members differ between them). Leading and trailing white space is allowed where the
//! server trims it; "white space" is Unicode's `White_Space`, as Rust's `str::trim`.

/// Unicode `White_Space` (what `str::trim` removes), as a character-class body.
macro_rules! ws {
    () => {
        r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}

/// Neither white space nor a control character (`Cc`), as a negated class.
macro_rules! visible {
    () => {
        concat!(r"[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
    };
}

/// Not a control character (`Cc`): white space such as a space may be inside a name.
macro_rules! not_control {
    () => {
        r"[^\u0000-\u001f\u007f-\u009f]"
    };
}

/// A person's or a location's name: at least one visible character, no control
/// characters between the first and the last visible one, white space around.
pub const DISPLAY_NAME: &str = concat!(
    "^[",
    ws!(),
    "]*",
    visible!(),
    "(?:",
    not_control!(),
    "*",
    visible!(),
    ")?[",
    ws!(),
    "]*$"
);
/// At most this many characters, white space around included.
pub const DISPLAY_NAME_MAX: usize = 256;

/// An optional free-text attribute (job title, department, description): like a name,
/// or empty (or only white space), which clears it.
pub const OPTIONAL_TEXT: &str = concat!(
    "^[",
    ws!(),
    "]*(?:",
    visible!(),
    "(?:",
    not_control!(),
    "*",
    visible!(),
    ")?)?[",
    ws!(),
    "]*$"
);
/// Job title and department.
pub const USER_ATTRIBUTE_MAX: usize = 128;
/// A location's description.
pub const DESCRIPTION_MAX: usize = 1024;

/// A user principal name (sign-in name): `name@domain`, ASCII letters, digits and
/// `. _ - ' +` in the name (not starting or ending with a dot, at most 64), a domain
/// with a dot that neither starts nor ends with `.` or `-`.
pub const USER_PRINCIPAL_NAME: &str = concat!(
    "^[",
    ws!(),
    r"]*[A-Za-z0-9_'+-](?:[A-Za-z0-9._'+-]{0,62}[A-Za-z0-9_'+-])?@[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z0-9.-]*[A-Za-z0-9][",
    ws!(),
    "]*$"
);
/// At most this many characters, white space around included.
pub const USER_PRINCIPAL_NAME_MAX: usize = 113;

/// An optional e-mail address: `name@domain.tld` with no white space, or empty.
pub const MAIL: &str = concat!(
    "^[",
    ws!(),
    r"]*(?:[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+@",
    visible!(),
    r"*\.",
    visible!(),
    "*)?[",
    ws!(),
    "]*$"
);
/// At most this many characters.
pub const MAIL_MAX: usize = 254;

/// A phone number as typed: something other than white space. Whether it is a number
/// of its country's plan is libphonenumber's judgement (422 `invalid_phone_number`).
pub const PHONE_NUMBER: &str = concat!("[^", ws!(), "]");
/// At most this many characters.
pub const PHONE_NUMBER_MAX: usize = 32;

/// Something other than white space (a sign-in name or password being typed).
pub const NOT_BLANK: &str = concat!("[^", ws!(), "]");

/// A page cursor: opaque, URL-safe base64 as the server issued it in `next_cursor`.
pub const CURSOR: &str = "^[A-Za-z0-9_-]+$";

/// An `Idempotency-Key`: 1 to 128 visible ASCII characters (a UUID is a good one).
pub const IDEMPOTENCY_KEY: &str = "^[!-~]{1,128}$";

/// An `If-Match` value: `*` or a list of entity tags (RFC 9110).
pub const IF_MATCH: &str = r#"^(?:\*|(?:W/)?"[!#-~]*"(?:[ \t]*,[ \t]*(?:W/)?"[!#-~]*")*)$"#;

#[cfg(feature = "openapi")]
pub mod schema {
    //! The patterns as OpenAPI string schemas, for `#[schema(schema_with = ...)]`.

    use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
    use utoipa::openapi::SchemaFormat;

    fn text(pattern: &str, min: Option<usize>, max: usize) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .min_length(min)
            .max_length(Some(max))
    }

    fn optional(b: ObjectBuilder) -> Object {
        b.schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .build()
    }

    pub fn display_name() -> Object {
        text(super::DISPLAY_NAME, Some(1), super::DISPLAY_NAME_MAX)
            .examples(["Ana Lopez"])
            .build()
    }

    pub fn optional_display_name() -> Object {
        optional(text(super::DISPLAY_NAME, Some(1), super::DISPLAY_NAME_MAX))
    }

    pub fn user_attribute() -> Object {
        optional(text(super::OPTIONAL_TEXT, None, super::USER_ATTRIBUTE_MAX))
    }

    /// An authentication method's name: at most 64 characters, no control characters.
    pub fn method_name() -> Object {
        optional(text(super::OPTIONAL_TEXT, None, 64))
    }

    pub fn description() -> Object {
        optional(text(super::OPTIONAL_TEXT, None, super::DESCRIPTION_MAX))
    }

    pub fn user_principal_name() -> Object {
        text(
            super::USER_PRINCIPAL_NAME,
            None,
            super::USER_PRINCIPAL_NAME_MAX,
        )
        .examples(["ana.lopez@contoso.example"])
        .build()
    }

    pub fn mail() -> Object {
        // No `format: email`: its validators disagree with each other and with this
        // pattern, which is what the server checks.
        optional(text(super::MAIL, None, super::MAIL_MAX))
    }

    pub fn phone_number() -> Object {
        text(super::PHONE_NUMBER, Some(1), super::PHONE_NUMBER_MAX)
            .examples(["+33 6 12 34 56 78"])
            .build()
    }

    pub fn not_blank() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(super::NOT_BLANK))
            .min_length(Some(1))
            .build()
    }

    pub fn password() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Password,
            )))
            .min_length(Some(1))
            .build()
    }
}
