//! A manager's account-recovery actions (issue 13), each a [`shared::rules::Action`]
//! decided by the rules in `shared`, audited, and (where sensitive) behind the
//! step-up of [`AuthContext::require_recent_sign_in`] (see [`Action::needs_recent_sign_in`]):
//!
//! - revoke sessions: every provider session, refresh and access token ends;
//! - unlock: the lockout after too many wrong passwords or codes is cleared (in the
//!   on-premises directory too, for a synced user);
//! - require re-registration: the user's passkeys and authenticator apps go;
//! - Temporary Access Pass: a pass the manager hands over in person, typed on the
//!   hosted sign-in page instead of the password, so someone who lost their phone can
//!   sign in and register a new method. At most one per user; only its hash is kept.

use crate::audit::{self, Event};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{begin_decided, enforce, require_my_staff, subject, Subject};
use crate::state::AppState;
use crate::store::accounts::Account;
use crate::store::passes::{self, PassRow};
use crate::store::StoreError;
use crate::time::{Micros, Span};
use shared::audit::Activity;
use shared::dto::{IssueTemporaryAccessPass, TemporaryAccessPass};
use shared::rules::Action;
use shared::FieldErrorCode;

/// The alphabet of passes: capitals and digits without the look-alikes (0 O 1 I L),
/// so a pass read aloud or copied from a screen is typed right.
const PASS_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a pass: 16 of 31, about 79 bits, shown as four groups of four.
const PASS_LEN: usize = 16;
const DEFAULT_LIFETIME_MINUTES: u32 = 60;
const LIFETIME_MINUTES: std::ops::RangeInclusive<u32> = 10..=1440;

/// Loads the target and decides `action` on the read pool (403 audited), with the
/// step-up where the action needs one ([`Action::needs_recent_sign_in`]).
async fn decided(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    action: Action,
    activity: Activity,
) -> ApiResult<Subject> {
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(state, ctx, action, activity, &s).await?;
    Ok(s)
}

/// `POST /users/{id}/revoke-sessions`.
pub async fn revoke_sessions(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::RevokeSessions;
    let s = decided(state, ctx, id, Action::RevokeSessions, ACTIVITY).await?;
    let (mut tx, s) = begin_decided(state, ctx, Action::RevokeSessions, ACTIVITY, s.row.id).await?;
    let now = state.now();
    let ended = crate::store::oidc::end_all_of(&mut tx, s.row.id, now).await?;
    crate::store::accounts::bump_token_version(&mut tx, s.row.id, now).await?;
    let event = Event::success(ACTIVITY)
        .target(
            s.resource()
                .with("provider_sessions_ended", None, Some(ended.to_string())),
        )
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// `POST /users/{id}/unlock`. For a user synced from Active Directory the domain's
/// lockout is cleared too (`lockoutTime=0`), before anything here.
pub async fn unlock(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::UnlockAccount;
    let s = decided(state, ctx, id, Action::UnlockAccount, ACTIVITY).await?;
    if let Some((dir, guid)) = crate::service::passwords::linked_account(state, s.row.id).await? {
        if let Err(failure) = crate::service::directory::unlock(&dir, guid).await {
            let event = Event::failure(ACTIVITY, failure.reason.to_owned())
                .target(s.resource())
                .units(s.unit_ids());
            audit::record_alone(state, &ctx.initiator, event).await?;
            return Err(failure.error);
        }
    }
    let (mut tx, s) = begin_decided(state, ctx, Action::UnlockAccount, ACTIVITY, s.row.id).await?;
    let now = state.now();
    let was_locked = crate::store::accounts::unlock(&mut tx, s.row.id, now).await?;
    let event = Event::success(ACTIVITY)
        .target(s.resource().with(
            "locked",
            Some(was_locked.to_string()),
            Some("false".to_owned()),
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// `POST /users/{id}/require-reregistration`: removes every passkey and
/// authenticator app; the user registers new ones at their next sign-in (a Temporary
/// Access Pass gets them there without the lost method).
pub async fn require_reregistration(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::RequireReregistration;
    let action = Action::RequireReregistration;
    let s = decided(state, ctx, id, action, ACTIVITY).await?;
    let (mut tx, s) = begin_decided(state, ctx, action, ACTIVITY, s.row.id).await?;
    let now = state.now();
    let removed = crate::store::methods::delete_all(&mut tx, s.row.id).await?;
    let event = Event::success(ACTIVITY)
        .target(
            s.resource()
                .with("authentication_methods", Some(removed.join(", ")), None),
        )
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// A new pass: [`PASS_LEN`] characters of [`PASS_ALPHABET`].
fn new_pass() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..PASS_LEN)
        .map(|_| char::from(PASS_ALPHABET[rng.random_range(0..PASS_ALPHABET.len())]))
        .collect()
}

/// As shown and handed over: `7KQM-3XRT-9HVW-2CPA`.
fn grouped(pass: &str) -> String {
    let chars: Vec<char> = pass.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed pass in its stored form (capitals, without the spaces and dashes people
/// type between groups), if it has the shape of one.
pub fn normalise_pass(typed: &str) -> Option<String> {
    let pass: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (pass.len() == PASS_LEN && pass.bytes().all(|b| PASS_ALPHABET.contains(&b))).then_some(pass)
}

fn pass_hash(normalised: &str) -> String {
    crate::auth::secret_hash(&format!("temporary-access-pass:{normalised}"))
}

fn lifetime(body: &IssueTemporaryAccessPass) -> ApiResult<u32> {
    let minutes = body.lifetime_minutes.unwrap_or(DEFAULT_LIFETIME_MINUTES);
    if !LIFETIME_MINUTES.contains(&minutes) {
        return Err(ApiError::field(
            "lifetime_minutes",
            FieldErrorCode::OutOfRange,
            "A Temporary Access Pass lasts from 10 minutes to 1440 minutes (a day).",
        ));
    }
    Ok(minutes)
}

/// `POST /users/{id}/temporary-access-pass`: replaces any earlier pass.
pub async fn issue_pass(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    body: IssueTemporaryAccessPass,
) -> ApiResult<TemporaryAccessPass> {
    const ACTIVITY: Activity = Activity::IssueTemporaryAccessPass;
    let action = Action::IssueTemporaryAccessPass;
    let s = decided(state, ctx, id, action, ACTIVITY).await?;
    let minutes = lifetime(&body)?;
    let one_time = body.one_time.unwrap_or(true);
    let pass = new_pass();
    let (mut tx, s) = begin_decided(state, ctx, action, ACTIVITY, s.row.id).await?;
    let now = state.now();
    let expires_at = now + Span::minutes(minutes);
    let replaced = passes::replace(
        &mut tx,
        &PassRow {
            user_id: s.row.id,
            pass_hash: pass_hash(&pass),
            created_at: now,
            expires_at,
            one_time,
            used_at: None,
            created_by: Some(ctx.user_id().to_string()),
        },
    )
    .await?;
    let target = s
        .resource()
        .with("lifetime_minutes", None, Some(minutes.to_string()))
        .with("one_time", None, Some(one_time.to_string()))
        .with("replaced_earlier_pass", None, Some(replaced.to_string()));
    let event = Event::success(ACTIVITY).target(target).units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(TemporaryAccessPass {
        pass: grouped(&pass),
        created_at: now.to_datetime(),
        expires_at: expires_at.to_datetime(),
        lifetime_minutes: minutes,
        one_time,
    })
}

/// `DELETE /users/{id}/temporary-access-pass`: the pass stops working at once.
/// Audited when a usable pass was there to revoke; answers 204 either way.
pub async fn revoke_pass(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::RevokeTemporaryAccessPass;
    let action = Action::IssueTemporaryAccessPass;
    let s = decided(state, ctx, id, action, ACTIVITY).await?;
    let (mut tx, s) = begin_decided(state, ctx, action, ACTIVITY, s.row.id).await?;
    let now = state.now();
    if passes::delete(&mut tx, s.row.id, now).await? {
        let event = Event::success(ACTIVITY)
            .target(s.resource())
            .units(s.unit_ids());
        audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// The user's usable pass, for the manager's list of methods.
pub async fn usable_pass(state: &AppState, user: shared::UserId) -> ApiResult<Option<PassRow>> {
    Ok(passes::usable(state.store.reader(), user, state.now()).await?)
}

/// What a Temporary Access Pass typed on the hosted page came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassSignIn {
    /// Not the account's usable pass: on to the password check, which counts it if
    /// it is wrong there too.
    NotAPass,
    /// The pass (now spent if one-time), with the lockout cleared and the "Sign-in"
    /// audited: the caller completes the sign-in.
    SignedIn,
    /// The right pass for a disabled account: refused like a right password would be.
    Disabled,
}

/// The hosted sign-in page's check of a Temporary Access Pass typed instead of the
/// password. A pass works while the account is locked (it is how a manager gets
/// someone back in), never while it is disabled. The sign-in itself is audited when
/// it completes (`service::oidc`), naming the pass as its method.
pub async fn sign_in_with_pass(
    state: &AppState,
    account: &Account,
    typed: &str,
) -> ApiResult<PassSignIn> {
    let Some(pass) = normalise_pass(typed) else {
        return Ok(PassSignIn::NotAPass);
    };
    let now: Micros = state.now();
    let mut tx = state.store.begin().await?;
    if !passes::spend(&mut tx, account.id, &pass_hash(&pass), now).await? {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Ok(PassSignIn::NotAPass);
    }
    if !account.account_enabled {
        // Not spent: the pass still works once the account is turned back on.
        tx.rollback().await.map_err(StoreError::Other)?;
        return Ok(PassSignIn::Disabled);
    }
    crate::store::accounts::clear_failures(&mut tx, account.id).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(PassSignIn::SignedIn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_are_long_unambiguous_and_typed_loosely() {
        let a = new_pass();
        assert_eq!(a.len(), PASS_LEN);
        assert_ne!(a, new_pass());
        assert!(16.0 * (PASS_ALPHABET.len() as f64).log2() >= 79.0);
        let shown = grouped(&a);
        assert_eq!(shown.len(), 19);
        assert_eq!(normalise_pass(&shown).as_deref(), Some(a.as_str()));
        assert_eq!(
            normalise_pass(&shown.to_lowercase().replace('-', " ")).as_deref(),
            Some(a.as_str())
        );
        assert_eq!(normalise_pass("Kq7#mPz2Rw9@xT4hNc"), None);
        assert_eq!(normalise_pass("7KQM-3XRT-9HVW-2CP0"), None);
    }
}
