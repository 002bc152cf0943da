//! The stable machine-readable codes of error answers.
//!
//! [`ErrorCode`] is the problem document's `code`: what happened to the request.
//! [`FieldErrorCode`] is the `code` of one entry of a 422's `errors`: what is wrong
//! with one value. They are separate sets because a field code never answers a
//! request by itself (it always comes with `validation_failed`) and always carries
//! its own message, so a client words every [`ErrorCode`] but may show a field
//! error's message as is.
//!
//! Both deserialize only the values listed here. A client that must also read
//! answers from a newer server (the SPA in a tab left open across an upgrade)
//! reads `code` as a string and parses it, treating an unknown code by its status.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// Why a request failed: the `code` of every problem document (RFC 9457). The
    /// HTTP status groups the codes; the `detail` says the same in words.
    pub enum ErrorCode {
        // 400
        /// The `cursor` was not issued by this server.
        InvalidCursor = "invalid_cursor",
        /// `Idempotency-Key` is empty or longer than 128 characters.
        InvalidIdempotencyKey = "invalid_idempotency_key",
        /// `If-Match` is neither `*` nor a list of entity tags.
        InvalidIfMatch = "invalid_if_match",
        /// The query string does not parse.
        InvalidQuery = "invalid_query",
        /// The body could not be read.
        MalformedBody = "malformed_body",
        /// The body is not JSON.
        MalformedJson = "malformed_json",
        // 401
        /// No bearer token.
        MissingToken = "missing_token",
        /// The token is malformed, expired or for an account that no longer exists.
        InvalidToken = "invalid_token",
        /// The session ended (password reset, account changed).
        TokenRevoked = "token_revoked",
        /// Wrong user name or password.
        InvalidCredentials = "invalid_credentials",
        /// The account is disabled.
        AccountDisabled = "account_disabled",
        /// Too many failed sign-ins; `Retry-After` says for how long.
        AccountLocked = "account_locked",
        /// A temporary password that expired or was already used.
        TemporaryPasswordExpired = "temporary_password_expired",
        /// A sensitive action needs a sign-in within the last few minutes
        /// (`--reauthentication-minutes`); sign in again and repeat the request.
        ReauthenticationRequired = "reauthentication_required",
        /// A scanned sign-in badge is not one OpenStaff issued (or was re-issued since).
        /// Also the reason of a failed "Sign-in" in the audit.
        InvalidBadge = "invalid_badge",
        /// The sign-in badge's PIN is wrong (audit reason of a failed "Sign-in").
        InvalidPin = "invalid_pin",
        /// The sign-in badge has expired.
        BadgeExpired = "badge_expired",
        /// The sign-in badge is locked after too many wrong PINs, until a manager
        /// unlocks it.
        BadgeLocked = "badge_locked",
        // 403
        /// The token is good only for changing the password.
        PasswordChangeRequired = "password_change_required",
        /// The caller holds no admin role.
        NoAdminRole = "no_admin_role",
        /// The My Staff setting does not admit the caller.
        MyStaffNotEnabled = "my_staff_not_enabled",
        /// None of the caller's roles can take this action.
        RoleNotPermitted = "role_not_permitted",
        /// The target is outside the caller's scope.
        TargetOutOfScope = "target_out_of_scope",
        /// The target is in a restricted location the caller is not assigned to.
        TargetInRestrictedUnit = "target_in_restricted_unit",
        /// Location-scoped admins act on non-admins only.
        TargetIsAdmin = "target_is_admin",
        /// The target holds a role above what the caller's role may act on.
        TargetPrivileged = "target_privileged",
        /// Admin actions cannot target the caller's own account.
        SelfAction = "self_action",
        /// Needs a tenant-wide global or user administrator.
        DirectoryAdminRequired = "directory_admin_required",
        /// Needs a tenant-wide global administrator.
        GlobalAdminRequired = "global_admin_required",
        /// Applications are managed by tenant-wide global administrators.
        ApplicationAdminRequired = "application_admin_required",
        /// A restricted location's members are managed by its own admins only.
        MembershipNotPermitted = "membership_not_permitted",
        /// Admins must sign in with a second factor, through the identity provider's
        /// hosted page; a password alone is not enough.
        MfaRequired = "mfa_required",
        /// The endpoint is about the person signed in (`/api/v1/me/...`), and the
        /// caller is an application acting as itself.
        PersonRequired = "person_required",
        // 404
        NotFound = "not_found",
        // 405
        MethodNotAllowed = "method_not_allowed",
        // 409
        /// Would duplicate something, or refers to something that no longer exists.
        Conflict = "conflict",
        /// Another user already signs in with this name.
        UpnTaken = "upn_taken",
        /// The user is already a member of the location.
        AlreadyMember = "already_member",
        /// The principal already holds this role at this scope.
        AssignmentExists = "assignment_exists",
        /// A global administrator cannot remove their own role.
        LastOwnGlobalAdmin = "last_own_global_admin",
        /// A request with the same `Idempotency-Key` is still running.
        IdempotencyConflict = "idempotency_conflict",
        /// The `Idempotency-Key` was used for another target.
        IdempotencyKeyReused = "idempotency_key_reused",
        /// An alternate mobile number needs a mobile number.
        MobileRequired = "mobile_required",
        /// Another user already signs in with this mobile number.
        PhoneNumberInUse = "phone_number_in_use",
        /// Passkeys need the server to be reached at a host name (WebAuthn's relying
        /// party id): its public URL is an IP address, so none can be registered.
        PasskeysUnavailable = "passkeys_unavailable",
        /// The caller's own number, entered for someone else.
        PhoneNumberIsYours = "phone_number_is_yours",
        /// The mobile number cannot go while an alternate mobile number exists.
        AlternateMobileDepends = "alternate_mobile_depends",
        /// The on-premises directory owns this property; change it there.
        ManagedByDirectory = "managed_by_directory",
        /// The sign-in badge was revoked (or replaced by a new one): nothing more can
        /// be done with it.
        BadgeRevoked = "badge_revoked",
        // 412
        /// `If-Match` does not match: someone changed it in the meantime.
        PreconditionFailed = "precondition_failed",
        // 413
        PayloadTooLarge = "payload_too_large",
        // 415
        UnsupportedMediaType = "unsupported_media_type",
        // 422
        /// `errors` lists each invalid field.
        ValidationFailed = "validation_failed",
        // 429
        /// Too many attempts; `Retry-After` says when to try again.
        RateLimited = "rate_limited",
        // 500
        InternalError = "internal_error",
        // 503
        /// The database is unreachable; `Retry-After` suggests when to retry.
        ServiceUnavailable = "service_unavailable",
        /// The on-premises directory did not answer (in time); nothing was changed.
        DirectoryUnavailable = "directory_unavailable",
    }
}

wire_enum! {
    /// What is wrong with one field: the `code` of an entry of a 422's `errors` (and
    /// of an import row's `errors`). The entry's `message` says it in words.
    pub enum FieldErrorCode {
        /// Missing or empty.
        Required = "required",
        /// Must be left out here.
        NotAllowed = "not_allowed",
        /// Not one of the accepted values, or not the expected kind of value.
        InvalidValue = "invalid_value",
        /// The body has the wrong shape (a missing or unknown field, a wrong type).
        InvalidBody = "invalid_body",
        InvalidFormat = "invalid_format",
        InvalidLength = "invalid_length",
        /// Contains control characters.
        InvalidCharacters = "invalid_characters",
        TooLong = "too_long",
        /// A number outside its range (e.g. `limit`).
        OutOfRange = "out_of_range",
        /// A list with too many entries.
        TooMany = "too_many",
        /// Names something that does not exist.
        NotFound = "not_found",
        /// Names several things; use an id.
        Ambiguous = "ambiguous",
        /// Set at creation and never changed.
        Immutable = "immutable",
        /// This role cannot be assigned at this scope.
        ScopeNotAllowed = "scope_not_allowed",
        /// The caller may not add members to this restricted location.
        MembershipNotPermitted = "membership_not_permitted",
        /// Another user already signs in with this name.
        UpnTaken = "upn_taken",
        InvalidPhoneNumber = "invalid_phone_number",
        /// A password shorter than the policy allows.
        TooShort = "too_short",
        /// A password with too few kinds of character.
        TooFewCharacterClasses = "too_few_character_classes",
        /// A password containing the person's name or sign-in name.
        ContainsName = "contains_name",
        /// A password that is easy to guess.
        TooWeak = "too_weak",
        /// A password used before.
        PasswordReused = "password_reused",
        /// A password the on-premises directory refused for a reason it did not name
        /// (for example its minimum password age).
        RefusedByDirectory = "refused_by_directory",
        /// The current password is not right.
        Incorrect = "incorrect",
        /// An upload that is not UTF-8 text.
        InvalidEncoding = "invalid_encoding",
        /// A CSV file that does not parse.
        InvalidCsv = "invalid_csv",
        /// A CSV header that lacks or has unknown columns.
        InvalidHeader = "invalid_header",
        /// A CSV row that does not match the header.
        InvalidRow = "invalid_row",
        TooManyRows = "too_many_rows",
        /// A redirect URI that is not absolute https (or http on the loopback
        /// address), or carries a fragment or credentials.
        InvalidRedirectUri = "invalid_redirect_uri",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_enum;

    #[test]
    fn error_codes_are_todays_strings() {
        // Written out again, by hand: a changed string or a new variant without one
        // fails here (the match is exhaustive).
        assert_wire_enum(ErrorCode::ALL, ErrorCode::as_str, |c| match c {
            ErrorCode::InvalidCursor => "invalid_cursor",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::InvalidIfMatch => "invalid_if_match",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::MalformedBody => "malformed_body",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::MissingToken => "missing_token",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::TemporaryPasswordExpired => "temporary_password_expired",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::InvalidBadge => "invalid_badge",
            ErrorCode::InvalidPin => "invalid_pin",
            ErrorCode::BadgeExpired => "badge_expired",
            ErrorCode::BadgeLocked => "badge_locked",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::NoAdminRole => "no_admin_role",
            ErrorCode::MyStaffNotEnabled => "my_staff_not_enabled",
            ErrorCode::RoleNotPermitted => "role_not_permitted",
            ErrorCode::TargetOutOfScope => "target_out_of_scope",
            ErrorCode::TargetInRestrictedUnit => "target_in_restricted_unit",
            ErrorCode::TargetIsAdmin => "target_is_admin",
            ErrorCode::TargetPrivileged => "target_privileged",
            ErrorCode::SelfAction => "self_action",
            ErrorCode::DirectoryAdminRequired => "directory_admin_required",
            ErrorCode::GlobalAdminRequired => "global_admin_required",
            ErrorCode::ApplicationAdminRequired => "application_admin_required",
            ErrorCode::MembershipNotPermitted => "membership_not_permitted",
            ErrorCode::MfaRequired => "mfa_required",
            ErrorCode::PersonRequired => "person_required",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::UpnTaken => "upn_taken",
            ErrorCode::AlreadyMember => "already_member",
            ErrorCode::AssignmentExists => "assignment_exists",
            ErrorCode::LastOwnGlobalAdmin => "last_own_global_admin",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::MobileRequired => "mobile_required",
            ErrorCode::PhoneNumberInUse => "phone_number_in_use",
            ErrorCode::PasskeysUnavailable => "passkeys_unavailable",
            ErrorCode::PhoneNumberIsYours => "phone_number_is_yours",
            ErrorCode::AlternateMobileDepends => "alternate_mobile_depends",
            ErrorCode::ManagedByDirectory => "managed_by_directory",
            ErrorCode::BadgeRevoked => "badge_revoked",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::DirectoryUnavailable => "directory_unavailable",
        });
        assert_eq!(ErrorCode::ALL.len(), 57);
        assert!("token_expired".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn field_error_codes_are_todays_strings() {
        assert_wire_enum(FieldErrorCode::ALL, FieldErrorCode::as_str, |c| match c {
            FieldErrorCode::Required => "required",
            FieldErrorCode::NotAllowed => "not_allowed",
            FieldErrorCode::InvalidValue => "invalid_value",
            FieldErrorCode::InvalidBody => "invalid_body",
            FieldErrorCode::InvalidFormat => "invalid_format",
            FieldErrorCode::InvalidLength => "invalid_length",
            FieldErrorCode::InvalidCharacters => "invalid_characters",
            FieldErrorCode::TooLong => "too_long",
            FieldErrorCode::OutOfRange => "out_of_range",
            FieldErrorCode::TooMany => "too_many",
            FieldErrorCode::NotFound => "not_found",
            FieldErrorCode::Ambiguous => "ambiguous",
            FieldErrorCode::Immutable => "immutable",
            FieldErrorCode::ScopeNotAllowed => "scope_not_allowed",
            FieldErrorCode::MembershipNotPermitted => "membership_not_permitted",
            FieldErrorCode::UpnTaken => "upn_taken",
            FieldErrorCode::InvalidPhoneNumber => "invalid_phone_number",
            FieldErrorCode::TooShort => "too_short",
            FieldErrorCode::TooFewCharacterClasses => "too_few_character_classes",
            FieldErrorCode::ContainsName => "contains_name",
            FieldErrorCode::TooWeak => "too_weak",
            FieldErrorCode::PasswordReused => "password_reused",
            FieldErrorCode::RefusedByDirectory => "refused_by_directory",
            FieldErrorCode::Incorrect => "incorrect",
            FieldErrorCode::InvalidEncoding => "invalid_encoding",
            FieldErrorCode::InvalidCsv => "invalid_csv",
            FieldErrorCode::InvalidHeader => "invalid_header",
            FieldErrorCode::InvalidRow => "invalid_row",
            FieldErrorCode::TooManyRows => "too_many_rows",
            FieldErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
        });
        assert_eq!(FieldErrorCode::ALL.len(), 30);
        assert!("confirmation".parse::<FieldErrorCode>().is_err());
    }
}
