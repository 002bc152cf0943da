//! Sign-in badges for shared devices (issue 14): an authentication administrator
//! issues a staff member a printed badge whose QR code holds a long random
//! credential; on a shared till the hosted sign-in page reads it (a USB scanner
//! typing into a field, or the camera) and asks the badge's PIN, which its holder
//! chooses at the first use. Five wrong PINs lock the badge (not the account) until a
//! manager unlocks it.
//!
//! A badge and its PIN are **one** factor (`amr` `pin`, RFC 8176): whoever the
//! policy asks a second factor of goes on to the code, passkey or enrolment step, so
//! a badge never stands in for an admin's MFA.
//!
//! At most one live badge per user, as for the Temporary Access Pass: issuing another
//! revokes the previous one, which stays listed (and scans as "revoked"). Only the
//! credential's SHA-256 is stored, and the PIN's Argon2id hash; neither ever reaches
//! a log, an audit row or an error body. The issue answer is the only place the
//! credential appears, with the printable badge drawn around its QR code.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::Secret;
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{begin_decided, enforce, require_my_staff, require_reader, subject};
use crate::state::AppState;
use crate::store::badges::{self as rows, BadgeRow};
use crate::store::StoreError;
use crate::time::{Micros, Span};
use shared::audit::Activity;
use shared::dto::{Badge, BadgeStatus, IssueBadge, IssuedBadge, Page, UnitRef};
use shared::rules::Action;
use shared::{ErrorCode, FieldErrorCode, UnitId, UserId};
use std::fmt::Write;

/// What every credential starts with: the format's version, so a later format can
/// be told apart. Upper case throughout, so the QR code uses its compact
/// alphanumeric mode.
const PREFIX: &str = "OSB1.";
/// Random bytes in a credential: 160 bits, as 32 base32 characters.
const CREDENTIAL_BYTES: usize = 20;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Wrong PINs in a row that lock a badge.
pub const MAX_PIN_ATTEMPTS: i64 = 5;
const VALID_DAYS: std::ops::RangeInclusive<u32> = 1..=730;
const ACTION: Action = Action::ManageBadges;

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// A new credential: [`PREFIX`] and 160 random bits.
fn new_credential() -> String {
    let bytes = crate::auth::random_bytes::<CREDENTIAL_BYTES>();
    format!("{PREFIX}{}", base32(&bytes))
}

/// What a scanner typed (or the camera read), in the stored form: trimmed, upper
/// case, without spaces; `None` when it does not have the shape of a credential.
pub fn normalise_credential(typed: &str) -> Option<String> {
    let c: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let body = c.strip_prefix(PREFIX)?;
    (body.len() == 32 && body.bytes().all(|b| BASE32.contains(&b))).then_some(c)
}

fn credential_hash(normalised: &str) -> String {
    crate::auth::secret_hash(&format!("badge:{normalised}"))
}

/// Why a PIN cannot be chosen, in words naming the rule.
pub fn pin_problem(pin: &str) -> Option<&'static str> {
    let digits: Vec<u8> = pin.bytes().collect();
    if !(6..=8).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Some("Your PIN must be 6 to 8 digits, numbers only.");
    }
    if digits.iter().all(|d| *d == digits[0]) {
        return Some("Your PIN can't be one digit repeated, like 111111.");
    }
    let step = |up: bool| {
        digits.windows(2).all(|w| {
            let (a, b) = (w[0] - b'0', w[1] - b'0');
            if up {
                b == (a + 1) % 10
            } else {
                a == (b + 1) % 10
            }
        })
    };
    if step(true) || step(false) {
        return Some("Your PIN can't be digits in a row, like 123456 or 654321.");
    }
    let repeats =
        (2..=digits.len() / 2).any(|p| (p..digits.len()).all(|i| digits[i] == digits[i - p]));
    if repeats {
        return Some("Your PIN can't be a short pattern repeated, like 121212 or 123123.");
    }
    None
}

/// Where a badge stands at `now`.
pub fn status_of(b: &BadgeRow, now: Micros) -> BadgeStatus {
    if b.revoked_at.is_some() {
        BadgeStatus::Revoked
    } else if b.expires_at.is_some_and(|e| e <= now) {
        BadgeStatus::Expired
    } else if b.locked_at.is_some() {
        BadgeStatus::Locked
    } else if b.pin_hash.is_none() {
        BadgeStatus::PinNotSet
    } else {
        BadgeStatus::Active
    }
}

fn dto(b: &BadgeRow, now: Micros) -> ApiResult<Badge> {
    Ok(Badge {
        id: b
            .id
            .parse()
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a stored badge id is not a UUID")))?,
        status: status_of(b, now),
        created_at: b.created_at.to_datetime(),
        expires_at: b.expires_at.map(Micros::to_datetime),
        failed_pin_attempts: u32::try_from(b.failed_pin_attempts.max(0)).unwrap_or(u32::MAX),
        last_used_at: b.last_used_at.map(Micros::to_datetime),
        revoked_at: b.revoked_at.map(Micros::to_datetime),
    })
}

fn no_such_badge() -> ApiError {
    ApiError::NotFound("This person has no badge with this id.".to_owned())
}

fn badge_id(raw: &str) -> ApiResult<String> {
    raw.parse::<uuid::Uuid>()
        .map(|u| u.to_string())
        .map_err(|_| no_such_badge())
}

/// `GET /users/{id}/badges`: the user's badges, newest first, for whoever may read
/// the profile (SPEC section 2, "Read"). Never a credential or a PIN.
pub async fn list(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<Page<Badge>> {
    require_reader(ctx)?;
    let s = subject(state, id).await?;
    let now = state.now();
    let items = rows::of_user(state.store.reader(), s.row.id)
        .await?
        .iter()
        .map(|b| dto(b, now))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// The My Staff gate, the rules on the read pool (403 audited) and the step-up.
async fn decided(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    activity: Activity,
) -> ApiResult<crate::service::authz::Subject> {
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(state, ctx, ACTION, activity, &s).await?;
    Ok(s)
}

fn valid_days(body: &IssueBadge) -> ApiResult<Option<u32>> {
    match body.valid_days {
        Some(d) if !VALID_DAYS.contains(&d) => Err(ApiError::field(
            "valid_days",
            FieldErrorCode::OutOfRange,
            "A badge works from 1 to 730 days (two years), or until revoked.",
        )),
        other => Ok(other),
    }
}

/// `POST /users/{id}/badges`: a new badge, revoking the user's earlier one.
pub async fn issue(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    body: IssueBadge,
) -> ApiResult<IssuedBadge> {
    const ACTIVITY: Activity = Activity::IssueBadge;
    let s = decided(state, ctx, id, ACTIVITY).await?;
    let days = valid_days(&body)?;
    let credential = new_credential();
    let (mut tx, s) = begin_decided(state, ctx, ACTION, ACTIVITY, s.row.id).await?;
    let now = state.now();
    let row = BadgeRow {
        id: state.new_id(),
        user_id: s.row.id,
        credential_hash: credential_hash(&credential),
        pin_hash: None,
        created_at: now,
        created_by: Some(ctx.user_id().to_string()),
        expires_at: days.map(|d| now + Span::hours(d.saturating_mul(24))),
        failed_pin_attempts: 0,
        locked_at: None,
        revoked_at: None,
        last_used_at: None,
    };
    let replaced = rows::revoke_all(&mut tx, s.row.id, now).await?;
    rows::insert(&mut tx, &row).await?;
    let target = s
        .resource()
        .with("badge_id", None, Some(row.id.clone()))
        .with(
            "expires_at",
            None,
            Some(
                row.expires_at
                    .map(|e| e.to_datetime().to_rfc3339())
                    .unwrap_or_else(|| "never".to_owned()),
            ),
        )
        .with("replaced_earlier_badge", None, Some(replaced.to_string()));
    let event = Event::success(ACTIVITY).target(target).units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    let badge_svg = badge_svg(&credential, &s.row.display_name, &s.units, row.expires_at)
        .map_err(ApiError::Internal)?;
    Ok(IssuedBadge {
        badge: dto(&row, now)?,
        credential,
        badge_svg,
        replaced_earlier_badge: replaced,
    })
}

/// `DELETE /users/{id}/badges/{badge_id}`: the badge stops working at once. Audited
/// when it was not revoked already; answers 204 either way.
pub async fn revoke(state: &AppState, ctx: &AuthContext, id: &str, badge: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::RevokeBadge;
    let s = decided(state, ctx, id, ACTIVITY).await?;
    let badge = badge_id(badge)?;
    let (mut tx, s) = begin_decided(state, ctx, ACTION, ACTIVITY, s.row.id).await?;
    if rows::get(&mut *tx, s.row.id, &badge).await?.is_none() {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(no_such_badge());
    }
    let now = state.now();
    if rows::revoke(&mut tx, &badge, now).await? {
        let event = Event::success(ACTIVITY)
            .target(s.resource().with("badge_id", None, Some(badge)))
            .units(s.unit_ids());
        audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// `POST /users/{id}/badges/{badge_id}/unlock`: the count of wrong PINs starts
/// again. Audited; answers 204 whether or not it was locked. A revoked badge cannot
/// be unlocked (409 `badge_revoked`).
pub async fn unlock(state: &AppState, ctx: &AuthContext, id: &str, badge: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::UnlockBadge;
    let s = decided(state, ctx, id, ACTIVITY).await?;
    let badge = badge_id(badge)?;
    let (mut tx, s) = begin_decided(state, ctx, ACTION, ACTIVITY, s.row.id).await?;
    let Some(row) = rows::get(&mut *tx, s.row.id, &badge).await? else {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(no_such_badge());
    };
    if row.revoked_at.is_some() {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(ApiError::conflict(
            ErrorCode::BadgeRevoked,
            "This badge was revoked or replaced, so it can't be unlocked. Issue a new one.",
        ));
    }
    let now = state.now();
    let was_locked = rows::unlock(&mut tx, &badge).await?;
    let event = Event::success(ACTIVITY)
        .target(s.resource().with("badge_id", None, Some(badge)).with(
            "locked",
            Some(was_locked.to_string()),
            Some("false".to_owned()),
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// The printable badge

fn xml(s: &str) -> String {
    crate::http::signin_page::esc(s)
}

/// At most `max` characters, with an ellipsis when cut.
fn clipped(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A font size (at most `max`) at which `text` fits the card's 480 units of width,
/// for characters about `width` of the size wide on average.
fn fitted(text: &str, max: u32, width: f64) -> u32 {
    let chars = text.chars().count().max(1) as f64;
    ((480.0 / (width * chars)) as u32).clamp(16, max)
}

/// The QR code of `credential` as an `<svg>` placed at (`x`, `y`), `size` wide, in
/// module units inside (quiet zone included), drawn by the `qrcode` crate.
fn qr_element(credential: &str, x: u32, y: u32, size: u32) -> anyhow::Result<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(credential.as_bytes(), qrcode::EcLevel::M)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .build();
    let start = svg
        .find("<rect")
        .ok_or_else(|| anyhow::anyhow!("unexpected QR code SVG"))?;
    let modules = code.width() + 8;
    Ok(format!(
        "<svg x=\"{x}\" y=\"{y}\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 {modules} {modules}\" \
         shape-rendering=\"crispEdges\" class=\"badge-qr\">{}",
        &svg[start..]
    ))
}

/// The printable badge: one ID-card page (54 × 86 mm, portrait) with the QR code,
/// the name, the locations and the expiry.
pub fn badge_svg(
    credential: &str,
    display_name: &str,
    units: &[UnitRef],
    expires_at: Option<Micros>,
) -> anyhow::Result<String> {
    let qr = qr_element(credential, 60, 150, 420)?;
    let name = clipped(display_name, 32);
    let places = if units.is_empty() {
        "No location".to_owned()
    } else {
        clipped(
            &units
                .iter()
                .map(|u| u.display_name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            48,
        )
    };
    let expiry = match expires_at {
        Some(at) => format!("Valid until {}", at.to_datetime().format("%-d %B %Y")),
        None => "No expiry date".to_owned(),
    };
    let mut s = String::with_capacity(8192);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"54mm\" height=\"86mm\" \
         viewBox=\"0 0 540 860\" role=\"img\" aria-label=\"Sign-in badge for {name_attr}\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">\
         <rect x=\"0\" y=\"0\" width=\"540\" height=\"860\" rx=\"24\" fill=\"#fff\" stroke=\"#6b7280\" stroke-width=\"2\"/>\
         <rect x=\"0\" y=\"0\" width=\"540\" height=\"110\" rx=\"24\" fill=\"#0b4f94\"/>\
         <rect x=\"0\" y=\"60\" width=\"540\" height=\"50\" fill=\"#0b4f94\"/>\
         <text x=\"270\" y=\"70\" text-anchor=\"middle\" font-size=\"32\" font-weight=\"700\" fill=\"#fff\">OpenStaff sign-in badge</text>\
         {qr}\
         <text x=\"270\" y=\"640\" text-anchor=\"middle\" font-size=\"{name_size}\" font-weight=\"700\" fill=\"#1b1b1b\">{name}</text>\
         <text x=\"270\" y=\"695\" text-anchor=\"middle\" font-size=\"{places_size}\" fill=\"#1b1b1b\">{places}</text>\
         <text x=\"270\" y=\"745\" text-anchor=\"middle\" font-size=\"26\" fill=\"#1b1b1b\">{expiry}</text>\
         <text x=\"270\" y=\"815\" text-anchor=\"middle\" font-size=\"22\" fill=\"#4b5563\">Scan at sign-in, then enter your PIN.</text>\
         </svg>",
        name_attr = xml(display_name),
        name_size = fitted(&name, 44, 0.62),
        places_size = fitted(&places, 28, 0.55),
        name = xml(&name),
        places = xml(&places),
        expiry = xml(&expiry),
    );
    Ok(s)
}

// ---------------------------------------------------------------------------------
// The hosted sign-in page's steps (`service::oidc::badge` renders them)

/// A badge as the hosted page found it.
pub struct Found {
    pub badge: BadgeRow,
    pub account: crate::store::accounts::Account,
    /// The user's locations, for the audit events' units.
    pub units: Vec<UnitId>,
}

/// Why a badge cannot sign in now. Each is a "Sign-in" failure in the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a credential OpenStaff knows.
    Unknown,
    Revoked,
    Expired,
    Locked,
    AccountDisabled,
    /// The account is locked (too many wrong passwords or codes).
    AccountLocked {
        retry_after_secs: u64,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    /// A wrong PIN; how many tries are left before the badge locks (0: locked now).
    WrongPin {
        left: i64,
    },
}

impl Refusal {
    fn code(self) -> ErrorCode {
        match self {
            Refusal::Unknown => ErrorCode::InvalidBadge,
            Refusal::Revoked => ErrorCode::BadgeRevoked,
            Refusal::Expired => ErrorCode::BadgeExpired,
            Refusal::Locked => ErrorCode::BadgeLocked,
            Refusal::AccountDisabled => ErrorCode::AccountDisabled,
            Refusal::AccountLocked { .. } => ErrorCode::AccountLocked,
            Refusal::RateLimited { .. } => ErrorCode::RateLimited,
            Refusal::WrongPin { .. } => ErrorCode::InvalidPin,
        }
    }

    /// The hosted page's words: enough to know what to do, nothing about whose badge
    /// it is.
    pub fn message(self) -> String {
        match self {
            Refusal::Unknown => "OpenStaff doesn't recognise this badge. Scan it again, or ask your manager.".to_owned(),
            Refusal::Revoked => "This badge no longer works: it was revoked or replaced by a new one. Ask your manager for a new badge.".to_owned(),
            Refusal::Expired => "This badge has expired. Ask your manager for a new one.".to_owned(),
            Refusal::Locked | Refusal::WrongPin { left: 0 } => "This badge is locked after 5 wrong PINs. Ask your manager to unlock it.".to_owned(),
            Refusal::AccountDisabled => "This account is turned off. Ask your manager or administrator.".to_owned(),
            Refusal::AccountLocked { retry_after_secs } => format!(
                "This account is locked after too many failed sign-ins. Try again in {} minutes, or ask your manager to unlock it.",
                retry_after_secs.div_ceil(60).max(1)
            ),
            Refusal::RateLimited { retry_after_secs } => {
                format!("Too many sign-in attempts from here. Try again in {retry_after_secs} seconds.")
            }
            Refusal::WrongPin { left: 1 } => "That PIN is not right. One more wrong PIN locks this badge.".to_owned(),
            Refusal::WrongPin { left } => format!("That PIN is not right. {left} more wrong PINs lock this badge."),
        }
    }
}

/// Records a refused badge sign-in: a "Sign-in" failure naming the user (when the
/// badge is theirs) and the application, visible to the user's locations.
async fn refused(
    state: &AppState,
    who: &Initiator,
    found: Option<(&crate::store::accounts::Account, &[UnitId])>,
    app: &TargetResource,
    refusal: Refusal,
) -> ApiResult<Refusal> {
    let mut reason = refusal.code().as_str().to_owned();
    if refusal == (Refusal::WrongPin { left: 0 }) {
        reason.push_str("; badge locked");
    }
    let mut who = who.clone();
    let mut event = Event::failure(Activity::SignIn, reason);
    if let Some((a, units)) = found {
        who.user_id = Some(a.id.to_string());
        who.user_principal_name = Some(a.user_principal_name.clone());
        event = event
            .target(TargetResource::user(a.id, &a.user_principal_name))
            .units(units.iter().copied());
    }
    audit::record_alone(state, &who, event.target(app.clone())).await?;
    Ok(refusal)
}

/// The per-client-IP sign-in rate limit, shared with the password.
async fn rate_limited(state: &AppState, who: &Initiator) -> ApiResult<Option<u64>> {
    let ip = who.ip.clone().unwrap_or_else(|| "unknown".to_owned());
    let mut tx = state.store.begin().await?;
    let limited = crate::store::accounts::hit_rate_limit(
        &mut tx,
        &format!("signin:ip:{ip}"),
        state.now(),
        Span::MINUTE,
        i64::from(state.policy.signin_rate_per_minute),
    )
    .await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(limited)
}

async fn units_of(state: &AppState, user: UserId) -> ApiResult<Vec<UnitId>> {
    let (_, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &[user]).await?;
    Ok(units
        .remove(&user)
        .unwrap_or_default()
        .iter()
        .map(|u| UnitId::from(u.id))
        .collect())
}

/// Whether `b` (of `account`) may go on to its PIN at `now`.
fn usable(
    b: &BadgeRow,
    account: &crate::store::accounts::Account,
    now: Micros,
) -> Result<(), Refusal> {
    match status_of(b, now) {
        BadgeStatus::Revoked => return Err(Refusal::Revoked),
        BadgeStatus::Expired => return Err(Refusal::Expired),
        BadgeStatus::Locked => return Err(Refusal::Locked),
        BadgeStatus::PinNotSet | BadgeStatus::Active => {}
    }
    if !account.account_enabled {
        return Err(Refusal::AccountDisabled);
    }
    if account.locked_until > now {
        return Err(Refusal::AccountLocked {
            retry_after_secs: (account.locked_until - now).retry_after_secs(),
        });
    }
    Ok(())
}

/// The scan: the badge the typed credential names, if it may sign in now. Every
/// refusal is audited.
pub async fn scan(
    state: &AppState,
    who: &Initiator,
    typed: &str,
    app: &TargetResource,
) -> ApiResult<Result<Found, Refusal>> {
    if let Some(retry_after_secs) = rate_limited(state, who).await? {
        return refused(
            state,
            who,
            None,
            app,
            Refusal::RateLimited { retry_after_secs },
        )
        .await
        .map(Err);
    }
    let row = match normalise_credential(typed) {
        Some(c) => rows::by_credential(state.store.reader(), &credential_hash(&c)).await?,
        None => None,
    };
    let Some(badge) = row else {
        return refused(state, who, None, app, Refusal::Unknown)
            .await
            .map(Err);
    };
    let Some(account) = crate::store::accounts::read(state.store.reader(), badge.user_id).await?
    else {
        return refused(state, who, None, app, Refusal::Unknown)
            .await
            .map(Err);
    };
    let units = units_of(state, account.id).await?;
    if let Err(refusal) = usable(&badge, &account, state.now()) {
        return refused(state, who, Some((&account, &units)), app, refusal)
            .await
            .map(Err);
    }
    Ok(Ok(Found {
        badge,
        account,
        units,
    }))
}

/// The badge a PIN step's form names, again (it may have been revoked, locked or
/// expired since the scan).
pub async fn again(
    state: &AppState,
    who: &Initiator,
    account: &crate::store::accounts::Account,
    badge: &str,
    app: &TargetResource,
) -> ApiResult<Result<Found, Refusal>> {
    let units = units_of(state, account.id).await?;
    let Some(badge) = rows::get(state.store.reader(), account.id, badge).await? else {
        return refused(state, who, Some((account, &units)), app, Refusal::Revoked)
            .await
            .map(Err);
    };
    if let Err(refusal) = usable(&badge, account, state.now()) {
        return refused(state, who, Some((account, &units)), app, refusal)
            .await
            .map(Err);
    }
    Ok(Ok(Found {
        badge,
        account: account.clone(),
        units,
    }))
}

/// What a PIN step came to.
pub enum PinOutcome {
    /// Right (or set): on with the sign-in.
    SignedIn,
    /// A PIN that breaks a rule, or two that differ (first use): the words to show.
    Rejected(&'static str),
    Refused(Refusal),
}

/// The first use: the holder chooses the PIN (twice), which is hashed like a
/// password; audited "Set badge PIN".
pub async fn set_pin(
    state: &AppState,
    who: &Initiator,
    found: &Found,
    pin: String,
    confirm: &str,
) -> ApiResult<PinOutcome> {
    if let Some(problem) = pin_problem(&pin) {
        return Ok(PinOutcome::Rejected(problem));
    }
    if pin != confirm {
        return Ok(PinOutcome::Rejected(
            "The two PINs are not the same. Type your new PIN twice.",
        ));
    }
    let hash = state
        .hasher
        .hash(&Secret::new(pin))
        .await
        .map_err(ApiError::Internal)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if !rows::set_pin(&mut tx, &found.badge.id, &hash, now).await? {
        // Set from another till meanwhile, or revoked: scan again.
        tx.rollback().await.map_err(StoreError::Other)?;
        return Ok(PinOutcome::Refused(Refusal::Revoked));
    }
    let a = &found.account;
    let mut who = who.clone();
    who.user_id = Some(a.id.to_string());
    who.user_principal_name = Some(a.user_principal_name.clone());
    let event = Event::success(Activity::SetBadgePin)
        .target(TargetResource::user(a.id, &a.display_name).with(
            "badge_id",
            None,
            Some(found.badge.id.clone()),
        ))
        .units(found.units.iter().copied());
    audit::record(&mut tx, &who, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(PinOutcome::SignedIn)
}

/// A later use: the PIN against its hash, under the badge's own lockout (the attempt
/// is counted before the check, so parallel guesses cannot get past five). A PIN
/// without the shape of one is not counted.
pub async fn check_pin(
    state: &AppState,
    who: &Initiator,
    found: &Found,
    pin: String,
    app: &TargetResource,
) -> ApiResult<PinOutcome> {
    let Some(stored) = found.badge.pin_hash.clone() else {
        return Ok(PinOutcome::Refused(Refusal::Revoked));
    };
    if !(6..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(PinOutcome::Rejected("Enter your PIN: 6 to 8 digits."));
    }
    let account = (&found.account, found.units.as_slice());
    if let Some(retry_after_secs) = rate_limited(state, who).await? {
        let r = refused(
            state,
            who,
            Some(account),
            app,
            Refusal::RateLimited { retry_after_secs },
        );
        return r.await.map(PinOutcome::Refused);
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let attempt = rows::take_attempt(&mut tx, &found.badge.id, now, MAX_PIN_ATTEMPTS).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    let Some(attempt) = attempt else {
        let r = refused(state, who, Some(account), app, Refusal::Locked);
        return r.await.map(PinOutcome::Refused);
    };
    let right = state
        .hasher
        .verify(&Secret::new(pin), Some(stored))
        .await
        .map_err(ApiError::Internal)?;
    if !right {
        let left = (MAX_PIN_ATTEMPTS - attempt).max(0);
        let r = refused(state, who, Some(account), app, Refusal::WrongPin { left });
        return r.await.map(PinOutcome::Refused);
    }
    let mut tx = state.store.begin().await?;
    rows::pin_right(&mut tx, &found.badge.id, state.now()).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(PinOutcome::SignedIn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_long_random_and_read_loosely() {
        let a = new_credential();
        assert_eq!(a.len(), PREFIX.len() + 32);
        assert_ne!(a, new_credential());
        const { assert!(CREDENTIAL_BYTES * 8 >= 128) };
        assert_eq!(normalise_credential(&a).as_deref(), Some(a.as_str()));
        assert_eq!(
            normalise_credential(&format!("  {}\n", a.to_lowercase())).as_deref(),
            Some(a.as_str())
        );
        assert_eq!(normalise_credential("OSB1.ABC"), None);
        assert_eq!(normalise_credential(&a.replace("OSB1.", "OSB2.")), None);
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn pins_follow_the_rules() {
        for ok in ["482913", "10293847", "1357924", "112358", "990011"] {
            assert_eq!(pin_problem(ok), None, "{ok}");
        }
        for (bad, word) in [
            ("12345", "6 to 8 digits"),
            ("123456789", "6 to 8 digits"),
            ("12a456", "6 to 8 digits"),
            ("111111", "one digit repeated"),
            ("123456", "in a row"),
            ("654321", "in a row"),
            ("890123", "in a row"),
            ("12345678", "in a row"),
            ("121212", "pattern"),
            ("123123", "pattern"),
            ("1212121", "pattern"),
            ("45674567", "pattern"),
        ] {
            let problem = pin_problem(bad).unwrap_or_default();
            assert!(problem.contains(word), "{bad}: {problem}");
        }
    }

    #[test]
    fn the_badge_names_the_person_and_escapes_them() {
        let units = [UnitRef {
            id: uuid::Uuid::nil(),
            display_name: "Store 012".to_owned(),
            restricted: false,
        }];
        let svg = badge_svg(&new_credential(), "Ana <López>", &units, None).unwrap();
        assert!(svg.contains("Ana &lt;López&gt;"));
        assert!(svg.contains("Store 012"));
        assert!(svg.contains("No expiry date"));
        assert!(svg.contains("class=\"badge-qr\""));
    }
}
