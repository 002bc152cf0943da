//! Passwords of users synced from the on-premises directory: a manager's reset is
//! written back to Active Directory, the user's own change is made there with the
//! old and the new password, and sign-in binds to AD with the typed password. The
//! domain's verdict is final; OpenStaff keeps no copy.

use crate::directory::{Directory, DirectoryError, PasswordRefusal};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::Account;
use shared::dto::FieldError;
use shared::policy::{check_on_premises, DomainPasswordPolicy};
use shared::FieldErrorCode;
use std::sync::Arc;
use uuid::Uuid;

/// The directory and the user's `objectGUID`, when `account` is a synced user and a
/// directory is configured; `None` keeps the local password.
pub fn linked(state: &AppState, account: &Account) -> Option<(Arc<Directory>, Uuid)> {
    let dir = state.directory.clone()?;
    let guid = account
        .external_id
        .as_deref()
        .and_then(|g| Uuid::parse_str(g).ok())?;
    Some((dir, guid))
}

/// Why a directory password operation failed, ready to answer and to audit.
pub struct Failure {
    pub error: ApiError,
    /// The audit event's `result_reason`.
    pub reason: &'static str,
}

impl Failure {
    fn unavailable(e: &DirectoryError) -> Failure {
        tracing::warn!(error = %e, "directory unavailable");
        Failure {
            error: ApiError::DirectoryUnavailable,
            reason: "directory_unavailable",
        }
    }

    fn from_error(e: DirectoryError) -> Failure {
        match e {
            DirectoryError::NoSuchUser => Failure {
                error: ApiError::conflict(
                    shared::ErrorCode::ManagedByDirectory,
                    "This user is no longer in the company directory. The next directory sync turns the account off.",
                ),
                reason: "not_in_directory",
            },
            DirectoryError::Refused(ref text) => {
                tracing::error!(refusal = %text, "the directory refused an operation of the service account");
                Failure {
                    error: ApiError::DirectoryUnavailable,
                    reason: "directory_refused",
                }
            }
            other => Failure::unavailable(&other),
        }
    }
}

/// The 422 a refused password answers: each of the domain's rules the password
/// breaks, in plain words; when the domain's answer and the rules say nothing more
/// precise, all of its rules.
pub fn refused(
    policy: Option<&DomainPasswordPolicy>,
    refusal: PasswordRefusal,
    field: &str,
    password: &str,
    upn: &str,
    display_name: &str,
) -> ApiError {
    let mut errors: Vec<FieldError> = Vec::new();
    let push = |errors: &mut Vec<FieldError>, code, message: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            code,
            message,
        })
    };
    if let Some(p) = policy {
        for rule in check_on_premises(&p.on_premises(), password, upn, display_name) {
            if !rule.met {
                let words = match rule.code {
                    FieldErrorCode::TooShort => format!("at least {} characters", p.min_length),
                    FieldErrorCode::TooFewCharacterClasses => {
                        "three of four character kinds (lower case, upper case, digits, symbols)"
                            .to_owned()
                    }
                    FieldErrorCode::ContainsName => {
                        "not the person's name or sign-in name".to_owned()
                    }
                    _ => lower_first(&rule.rule),
                };
                push(
                    &mut errors,
                    rule.code,
                    format!("The domain requires: {words}."),
                );
            }
        }
    }
    if errors.is_empty() {
        match refusal {
            PasswordRefusal::InHistory => push(
                &mut errors,
                FieldErrorCode::PasswordReused,
                match policy.map(|p| p.history_length).filter(|n| *n > 0) {
                    Some(n) => format!("The domain requires: not one of the last {n} passwords."),
                    None => "The domain does not accept a password used before.".to_owned(),
                },
            ),
            PasswordRefusal::TooYoung => push(
                &mut errors,
                FieldErrorCode::RefusedByDirectory,
                "The domain does not allow another change of this password yet (its minimum password age).".to_owned(),
            ),
            _ => {
                let rules = policy.map(DomainPasswordPolicy::rules).unwrap_or_default();
                push(
                    &mut errors,
                    if matches!(refusal, PasswordRefusal::TooShort) {
                        FieldErrorCode::TooShort
                    } else if matches!(refusal, PasswordRefusal::NotComplex) {
                        FieldErrorCode::TooFewCharacterClasses
                    } else {
                        FieldErrorCode::RefusedByDirectory
                    },
                    if rules.is_empty() {
                        "The domain refused this password under its password policy.".to_owned()
                    } else {
                        format!(
                            "The domain refused this password. Its rules: {}.",
                            rules.join("; ")
                        )
                    },
                )
            }
        }
    }
    ApiError::Validation(errors)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A reset written to AD: the new password (a manager's: must change at next sign-in;
/// the person's own self-service reset: not), lockout cleared; all or nothing in one
/// modify.
pub async fn reset(
    dir: &Directory,
    guid: Uuid,
    password: &str,
    upn: &str,
    display_name: &str,
    must_change: bool,
) -> Result<(), Failure> {
    let (mut ldap, user) = service_and_user(dir, guid)
        .await
        .map_err(Failure::from_error)?;
    let result = dir
        .reset_password(&mut ldap, &user.dn, password, must_change)
        .await;
    let outcome = match result {
        Ok(()) => Ok(()),
        Err(DirectoryError::PasswordRefused(refusal)) => {
            let policy = dir.password_policy(&mut ldap).await.ok();
            Err(Failure {
                error: refused(
                    policy.as_ref(),
                    refusal,
                    "password",
                    password,
                    upn,
                    display_name,
                ),
                reason: "refused_by_directory",
            })
        }
        Err(e) => Err(Failure::from_error(e)),
    };
    let _ = ldap.unbind().await;
    outcome
}

/// A manager's unlock written to AD: the domain's lockout is the one that counts for
/// a synced user.
pub async fn unlock(dir: &Directory, guid: Uuid) -> Result<(), Failure> {
    let (mut ldap, user) = service_and_user(dir, guid)
        .await
        .map_err(Failure::from_error)?;
    let outcome = dir
        .unlock(&mut ldap, &user.dn)
        .await
        .map_err(Failure::from_error);
    let _ = ldap.unbind().await;
    outcome
}

/// The user's own change in AD (old and new password in one modify, so the domain
/// checks the old one and its history). `field` names the new password's field.
pub async fn change(
    dir: &Directory,
    guid: Uuid,
    old: &str,
    new: &str,
    account: &Account,
    field: &str,
) -> Result<(), Failure> {
    let (mut ldap, user) = service_and_user(dir, guid)
        .await
        .map_err(Failure::from_error)?;
    let outcome = match dir.change_password(&mut ldap, &user.dn, old, new).await {
        Ok(()) => Ok(()),
        Err(DirectoryError::InvalidCredentials) => Err(Failure {
            error: ApiError::field(
                "current_password",
                FieldErrorCode::Incorrect,
                "Your current password is not right.",
            ),
            reason: "current_password_incorrect",
        }),
        Err(DirectoryError::PasswordRefused(refusal)) => {
            let policy = dir.password_policy(&mut ldap).await.ok();
            Err(Failure {
                error: refused(
                    policy.as_ref(),
                    refusal,
                    field,
                    new,
                    &account.user_principal_name,
                    &account.display_name,
                ),
                reason: "refused_by_directory",
            })
        }
        Err(e) => Err(Failure::from_error(e)),
    };
    let _ = ldap.unbind().await;
    outcome
}

/// A service connection and the user with this `objectGUID`.
async fn service_and_user(
    dir: &Directory,
    guid: Uuid,
) -> Result<(ldap3::Ldap, crate::directory::DirectoryUser), DirectoryError> {
    let mut ldap = dir.service().await?;
    match dir.user_by_guid(&mut ldap, guid).await {
        Ok(user) => Ok((ldap, user)),
        Err(e) => {
            let _ = ldap.unbind().await;
            Err(e)
        }
    }
}

/// How the domain judges `password` for this user (pass-through sign-in).
pub async fn bind(dir: &Directory, guid: Uuid, password: &str) -> Result<(), DirectoryError> {
    let (mut ldap, user) = service_and_user(dir, guid).await?;
    let _ = ldap.unbind().await;
    dir.bind_as(&user.dn, password).await
}

/// The domain's password policy, read now; `None` when the domain does not answer.
pub async fn policy(dir: &Directory) -> Option<DomainPasswordPolicy> {
    let mut ldap = dir.service().await.ok()?;
    let policy = dir.password_policy(&mut ldap).await.ok();
    let _ = ldap.unbind().await;
    policy
}
