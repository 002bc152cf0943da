//! The one way a user is made, whichever path asks (the API, the CSV import, the
//! seed): the fields parsed the same way, the row, its search index rows and its
//! "Create user" audit event written in the caller's transaction.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::domain::{collect, optional_mail, optional_text, DisplayName, UserPrincipalName};
use crate::state::IdGenerator;
use crate::store::{StoreResult, Tx};
use crate::time::Micros;
use shared::audit::Activity;
use shared::dto::{FieldError, UserSource};
use shared::patterns::USER_ATTRIBUTE_MAX;
use shared::{UnitId, UserId};

/// A new user's fields, validated.
#[derive(Debug, Clone)]
pub struct NewUserDraft {
    pub upn: UserPrincipalName,
    pub name: DisplayName,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub source: UserSource,
    pub account_enabled: bool,
}

/// A new user's fields as they arrive, before validation.
pub struct RawUser<'a> {
    pub user_principal_name: &'a str,
    pub display_name: &'a str,
    pub mail: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub department: Option<&'a str>,
}

impl NewUserDraft {
    /// Parses every field, listing each invalid one.
    pub fn parse(
        raw: RawUser<'_>,
        source: UserSource,
        account_enabled: bool,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let upn = collect(
            &mut errors,
            UserPrincipalName::parse(raw.user_principal_name),
        );
        let name = collect(&mut errors, DisplayName::parse(raw.display_name));
        let mail = collect(&mut errors, optional_mail(raw.mail));
        let job = collect(
            &mut errors,
            optional_text("job_title", raw.job_title, USER_ATTRIBUTE_MAX),
        );
        let dept = collect(
            &mut errors,
            optional_text("department", raw.department, USER_ATTRIBUTE_MAX),
        );
        match (upn, name, mail, job, dept) {
            (Some(upn), Some(name), Some(mail), Some(job_title), Some(department)) => {
                Ok(NewUserDraft {
                    upn,
                    name,
                    mail,
                    job_title,
                    department,
                    source,
                    account_enabled,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The password a new user starts with (already hashed).
pub enum FirstPassword<'a> {
    /// Chosen by whoever created the account (checked against the policy).
    Chosen { hash: &'a str },
    /// Generated and shown once: works for one sign-in until `expires_at`, then must
    /// be changed.
    Temporary { hash: &'a str, expires_at: Micros },
}

/// Writes the user, its index rows and the audit event in `tx`. A taken UPN is
/// `StoreError::Conflict`. `units` are the locations the event is visible to (those
/// the user is added to in the same transaction); `extra` are further properties to
/// record (for example where an import came from).
// Each argument is one fact about the new user or its audit event; a struct would only
// rename them.
#[allow(clippy::too_many_arguments)]
pub async fn insert_new_user(
    tx: &mut Tx,
    who: &Initiator,
    now: Micros,
    ids: &dyn IdGenerator,
    id: UserId,
    draft: &NewUserDraft,
    password: FirstPassword<'_>,
    units: &[UnitId],
    extra: &[(&str, &str)],
) -> StoreResult<()> {
    let (hash, must_change, expires_at) = match password {
        FirstPassword::Chosen { hash } => (hash, false, None),
        FirstPassword::Temporary { hash, expires_at } => (hash, true, Some(expires_at)),
    };
    crate::store::users::insert_user(
        tx,
        &crate::store::users::NewUser {
            id,
            user_principal_name: draft.upn.as_str(),
            display_name: draft.name.as_str(),
            mail: draft.mail.as_deref(),
            job_title: draft.job_title.as_deref(),
            department: draft.department.as_deref(),
            account_enabled: draft.account_enabled,
            source: draft.source,
            password_hash: hash,
            force_password_change: must_change,
            now,
        },
    )
    .await?;
    if let Some(at) = expires_at {
        crate::store::accounts::expire_password_at(tx, id, at).await?;
    }
    let mut target = TargetResource::user(id, draft.name.as_str())
        .with(
            "user_principal_name",
            None,
            Some(draft.upn.as_str().to_owned()),
        )
        .with("display_name", None, Some(draft.name.as_str().to_owned()))
        .with("source", None, Some(draft.source.id().to_owned()));
    for (name, value) in extra {
        target = target.with(name, None, Some((*value).to_owned()));
    }
    let event = Event::success(Activity::CreateUser)
        .target(target)
        .units(units.iter().copied());
    audit::record(tx, who, now, ids, event).await
}
