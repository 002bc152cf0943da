//! Runtime configuration, from flags or `OPENSTAFF_*` environment variables.

use crate::time::{Micros, Span};
use clap::builder::TypedValueParser;
use clap::Args;
use std::path::PathBuf;

/// Settings shared by every subcommand that touches the store.
#[derive(Debug, Clone, Args)]
pub struct StoreConfig {
    /// `sqlite://path` (embedded, the default) or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/openstaff.db",
        global = true
    )]
    pub database_url: String,

    /// Read connections in the pool (SQLite keeps a single writer besides these).
    /// 8 on both stores: on 2 cores and SQLite, 8 served 10 to 40% more reads than 4
    /// (a request that finds every connection busy waits in the pool's queue), and 16
    /// no more than 8.
    #[arg(
        long,
        env = "OPENSTAFF_DB_READ_CONNECTIONS",
        default_value_t = 8,
        global = true
    )]
    pub read_connections: u32,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long, env = "OPENSTAFF_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Token issuer (`iss`), normally the public base URL.
    #[arg(long, env = "OPENSTAFF_ISSUER", default_value = "openstaff")]
    pub issuer: String,

    /// Token audience (`aud`).
    #[arg(long, env = "OPENSTAFF_AUDIENCE", default_value = "openstaff-api")]
    pub audience: String,

    /// Access token lifetime in seconds.
    #[arg(long, env = "OPENSTAFF_TOKEN_TTL_SECONDS", default_value_t = 900)]
    pub token_ttl_seconds: u64,

    /// PKCS#8 PEM file holding an Ed25519 signing key; when unset the key is
    /// generated at first start and kept in the database so replicas share it.
    #[arg(long, env = "OPENSTAFF_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "OPENSTAFF_WORKERS")]
    pub workers: Option<usize>,

    /// Largest accepted JSON body in bytes.
    #[arg(long, env = "OPENSTAFF_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// How often each replica re-reads the signing keys (to pick up rotations).
    #[arg(long, env = "OPENSTAFF_KEY_REFRESH_SECONDS", default_value_t = 30)]
    pub key_refresh_seconds: u64,

    /// The URL people and applications reach this server at (behind any proxy):
    /// the OpenID Connect issuer. Default: `http://` and the `--bind` address
    /// (`http://127.0.0.1:8080`).
    #[arg(long, env = "OPENSTAFF_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The relying-party id passkeys are bound to: a host name, the public URL's own
    /// or a parent domain of it (`example.com` for `https://id.example.com`).
    /// Default: the public URL's host. Passkeys registered under one id work only
    /// under that id, so choose it once. A public URL that is an IP address cannot
    /// host passkeys (WebAuthn needs a name): they are then unavailable.
    #[arg(long, env = "OPENSTAFF_WEBAUTHN_RP_ID")]
    pub webauthn_rp_id: Option<String>,

    /// A provider session (single sign-on) ends after this long without use.
    #[arg(long, env = "OPENSTAFF_SESSION_IDLE_MINUTES", default_value_t = 480)]
    pub session_idle_minutes: u32,

    /// A provider session ends this long after sign-in, however much it is used.
    #[arg(long, env = "OPENSTAFF_SESSION_LIFETIME_HOURS", default_value_t = 12)]
    pub session_lifetime_hours: u32,

    #[command(flatten)]
    pub policy: PolicyConfig,

    #[command(flatten)]
    pub directory: crate::directory::DirectoryConfig,

    /// How often `serve` syncs users in from the directory, in seconds (default 300
    /// when `--ldap-url` is set; 0 turns the periodic sync off). One replica at a
    /// time runs it, through a lease in the database.
    #[arg(long, env = "OPENSTAFF_DIRECTORY_SYNC_SECONDS")]
    pub directory_sync_seconds: Option<u64>,

    #[command(flatten)]
    pub sms: SmsConfig,
}

/// What the OpenID Connect provider needs from the configuration.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The issuer: the public URL without a trailing slash.
    pub issuer: String,
    /// Cookies carry `Secure` (the issuer is https).
    pub secure_cookies: bool,
    /// Idle timeout of a provider session.
    pub session_idle: Span,
    /// Absolute lifetime of a provider session.
    pub session_lifetime: Span,
    /// The passkey verifier (WebAuthn relying party) for the public URL: `None` when
    /// the public URL is an IP address, which cannot host passkeys.
    pub passkeys: Option<std::sync::Arc<webauthn_rs::Webauthn>>,
}

impl Default for ProviderConfig {
    /// The flags' defaults (the command line, which serves no sign-in, uses them).
    fn default() -> Self {
        ProviderConfig {
            issuer: "http://127.0.0.1:8080".to_owned(),
            secure_cookies: false,
            session_idle: Span::minutes(480),
            session_lifetime: Span::hours(12),
            passkeys: None,
        }
    }
}

impl ServerConfig {
    /// Defaults suitable for tests and embedding.
    pub fn for_tests() -> Self {
        ServerConfig {
            bind: "127.0.0.1:0".to_owned(),
            issuer: "openstaff".to_owned(),
            audience: "openstaff-api".to_owned(),
            token_ttl_seconds: 900,
            signing_key_file: None,
            workers: Some(2),
            max_body_bytes: 64 * 1024,
            key_refresh_seconds: 30,
            public_url: None,
            webauthn_rp_id: None,
            session_idle_minutes: 480,
            session_lifetime_hours: 12,
            policy: PolicyConfig::for_tests(),
            directory: crate::directory::DirectoryConfig::default(),
            // Tests run their syncs themselves.
            directory_sync_seconds: Some(0),
            sms: SmsConfig::default(),
        }
    }

    /// The issuer: `--public-url`, or `http://` and the bind address (an unspecified
    /// address, 0.0.0.0 or [::], is read as the loopback address).
    pub fn issuer_url(&self) -> anyhow::Result<String> {
        let url = match &self.public_url {
            Some(u) => u.trim().trim_end_matches('/').to_owned(),
            None => {
                let bind = self
                    .bind
                    .replace("0.0.0.0", "127.0.0.1")
                    .replace("[::]", "[::1]");
                format!("http://{bind}")
            }
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| anyhow::anyhow!("--public-url must start with https:// or http://"))?;
        if rest.is_empty() || rest.contains(['?', '#']) {
            anyhow::bail!("--public-url must be a base URL without query or fragment: {url}");
        }
        Ok(url)
    }

    pub fn provider(&self) -> anyhow::Result<ProviderConfig> {
        let issuer = self.issuer_url()?;
        Ok(ProviderConfig {
            secure_cookies: issuer.starts_with("https://"),
            passkeys: passkeys(&issuer, self.webauthn_rp_id.as_deref())?,
            issuer,
            session_idle: Span::minutes(self.session_idle_minutes),
            session_lifetime: Span::hours(self.session_lifetime_hours),
        })
    }
}

/// The WebAuthn relying party for `issuer`: its origin, and `rp_id` or the issuer's
/// host. `None` for an IP address (browsers refuse WebAuthn there).
fn passkeys(
    issuer: &str,
    rp_id: Option<&str>,
) -> anyhow::Result<Option<std::sync::Arc<webauthn_rs::Webauthn>>> {
    let url = url::Url::parse(issuer).map_err(|e| anyhow::anyhow!("--public-url: {e}"))?;
    let Some(host) = url.domain() else {
        return Ok(None);
    };
    let rp_id = rp_id
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(host)
        .to_ascii_lowercase();
    let origin = url::Url::parse(&url.origin().ascii_serialization())
        .map_err(|e| anyhow::anyhow!("--public-url: {e}"))?;
    let built = webauthn_rs::WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("OpenStaff").build())
        .map_err(|e| {
            anyhow::anyhow!(
                "--webauthn-rp-id {rp_id} must be the public URL's host ({host}) or a parent domain of it: {e}"
            )
        })?;
    Ok(Some(std::sync::Arc::new(built)))
}

/// How text messages (one-time codes) leave the server.
#[derive(Clone, Args)]
pub struct SmsConfig {
    /// `outbox` (development: messages stay in the database for `openstaff sms
    /// outbox`) or `webhook` (delivered over HTTPS, see `--sms-webhook-url`).
    #[arg(id = "sms", long = "sms", env = "OPENSTAFF_SMS", value_enum, default_value_t = SmsMode::Outbox)]
    pub mode: SmsMode,
    /// Where the webhook posts each message. `https://` (plain `http://` only to a
    /// loopback address). With `--sms-webhook-format twilio` it defaults to Twilio's
    /// Messages API for the account.
    #[arg(
        id = "sms_webhook_url",
        long = "sms-webhook-url",
        env = "OPENSTAFF_SMS_WEBHOOK_URL"
    )]
    pub webhook_url: Option<String>,
    /// `standard`: JSON `{to, body, id}` signed the Standard Webhooks way; `twilio`:
    /// Twilio's Messages API (form fields, Basic auth).
    #[arg(id = "sms_format", long = "sms-webhook-format", env = "OPENSTAFF_SMS_WEBHOOK_FORMAT", value_enum,
          default_value_t = SmsFormat::Standard)]
    pub format: SmsFormat,
    /// The signing secret of the `standard` format: `whsec_` and the base64 of 24 to
    /// 64 random bytes, shared with the receiver. To rotate it, give the new and the
    /// old one, separated by a space: each signs until the receiver has the new one.
    #[arg(
        id = "sms_webhook_secret",
        long = "sms-webhook-secret",
        env = "OPENSTAFF_SMS_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,
    /// Twilio: the account SID (`AC…`).
    #[arg(
        id = "sms_twilio_account_sid",
        long = "sms-twilio-account-sid",
        env = "OPENSTAFF_SMS_TWILIO_ACCOUNT_SID"
    )]
    pub twilio_account_sid: Option<String>,
    /// Twilio: the account's auth token (or an API key secret).
    #[arg(
        id = "sms_twilio_auth_token",
        long = "sms-twilio-auth-token",
        env = "OPENSTAFF_SMS_TWILIO_AUTH_TOKEN",
        hide_env_values = true
    )]
    pub twilio_auth_token: Option<String>,
    /// Twilio: the sender, a number in E.164 or a Messaging Service SID (`MG…`).
    #[arg(
        id = "sms_twilio_from",
        long = "sms-twilio-from",
        env = "OPENSTAFF_SMS_TWILIO_FROM"
    )]
    pub twilio_from: Option<String>,
    /// Longest wait for the gateway's answer to one attempt, in seconds.
    #[arg(id = "sms_timeout_seconds", long = "sms-timeout-seconds", env = "OPENSTAFF_SMS_TIMEOUT_SECONDS", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout_seconds: u64,
    /// Attempts before a message is given up (status `failed`).
    #[arg(id = "sms_max_attempts", long = "sms-max-attempts", env = "OPENSTAFF_SMS_MAX_ATTEMPTS", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub max_attempts: i64,
    /// Hours after which an undelivered message is given up.
    #[arg(id = "sms_give_up_hours", long = "sms-give-up-hours", env = "OPENSTAFF_SMS_GIVE_UP_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u32).range(1..=720))]
    pub give_up_hours: u32,
    /// The first retry's delay in milliseconds; each next one doubles (with jitter).
    #[arg(id = "sms_retry_base_ms", long = "sms-retry-base-ms", env = "OPENSTAFF_SMS_RETRY_BASE_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(1..), hide = true)]
    pub retry_base_ms: u64,
    /// The longest delay between two attempts, in milliseconds.
    #[arg(id = "sms_retry_cap_ms", long = "sms-retry-cap-ms", env = "OPENSTAFF_SMS_RETRY_CAP_MS", default_value_t = 3_600_000,
          value_parser = clap::value_parser!(u64).range(1..), hide = true)]
    pub retry_cap_ms: u64,
    /// How long a replica holds a message it is sending before another may take it
    /// over (it died mid-attempt), in milliseconds; more than the timeout.
    #[arg(
        id = "sms_lease_ms",
        long = "sms-lease-ms",
        env = "OPENSTAFF_SMS_LEASE_MS",
        hide = true
    )]
    pub lease_ms: Option<u64>,
    /// How often the worker looks for due messages besides being woken by a new one,
    /// in milliseconds.
    #[arg(id = "sms_poll_ms", long = "sms-poll-ms", env = "OPENSTAFF_SMS_POLL_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(10..), hide = true)]
    pub poll_ms: u64,
}

/// Where text messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmsMode {
    /// Kept in the database for an operator (development).
    Outbox,
    /// Posted to the gateway.
    Webhook,
}

/// What the webhook speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmsFormat {
    /// JSON `{to, body, id}`, Standard Webhooks signature.
    Standard,
    /// Twilio's Messages API.
    Twilio,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("mode", &self.mode)
            .field("format", &self.format)
            .field("webhook_url", &self.webhook_url.as_ref().map(|_| "[set]"))
            .field("twilio_account_sid", &self.twilio_account_sid)
            .finish_non_exhaustive()
    }
}

impl Default for SmsConfig {
    /// The flags' defaults: the development outbox.
    fn default() -> Self {
        SmsConfig {
            mode: SmsMode::Outbox,
            webhook_url: None,
            format: SmsFormat::Standard,
            webhook_secret: None,
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            timeout_seconds: 15,
            max_attempts: 30,
            give_up_hours: 24,
            retry_base_ms: 5_000,
            retry_cap_ms: 3_600_000,
            lease_ms: None,
            poll_ms: 2_000,
        }
    }
}

/// Password, lockout and phone policies.
#[derive(Debug, Clone, Args)]
pub struct PolicyConfig {
    /// Minimum length of passwords people choose (cloud policy).
    #[arg(long, env = "OPENSTAFF_PASSWORD_MIN_LENGTH", default_value_t = 12)]
    pub password_min_length: u32,
    /// Minimum zxcvbn strength score (0-4) of passwords people choose.
    #[arg(long, env = "OPENSTAFF_PASSWORD_MIN_SCORE", default_value_t = 3)]
    pub password_min_score: u8,
    /// On-premises policy: minimum length of a manager-typed password.
    #[arg(long, env = "OPENSTAFF_ONPREM_MIN_LENGTH", default_value_t = 10)]
    pub onprem_min_length: u32,
    /// On-premises policy: how many of lower/upper/digit/symbol are required.
    #[arg(long, env = "OPENSTAFF_ONPREM_MIN_CLASSES", default_value_t = 3)]
    pub onprem_min_classes: u32,
    /// On-premises policy: forbid the user's name and sign-in name parts.
    #[arg(long, env = "OPENSTAFF_ONPREM_FORBID_NAME", default_value_t = true, action = clap::ArgAction::Set)]
    pub onprem_forbid_name: bool,
    /// Lifetime of a temporary password, in hours.
    #[arg(long = "temp-password-ttl-hours", value_name = "TEMP_PASSWORD_TTL_HOURS", env = "OPENSTAFF_TEMP_PASSWORD_TTL_HOURS",
          default_value = "24", value_parser = clap::value_parser!(u32).map(Span::hours))]
    pub temp_password_ttl: Span,
    /// Failed sign-ins within the window that lock an account.
    #[arg(long, env = "OPENSTAFF_LOCKOUT_THRESHOLD", default_value_t = 5)]
    pub lockout_threshold: u32,
    /// The window for counting failed sign-ins, in minutes.
    #[arg(long = "lockout-window-minutes", value_name = "LOCKOUT_WINDOW_MINUTES", env = "OPENSTAFF_LOCKOUT_WINDOW_MINUTES",
          default_value = "15", value_parser = clap::value_parser!(u32).map(Span::minutes))]
    pub lockout_window: Span,
    /// How long a locked account stays locked, in minutes.
    #[arg(long = "lockout-minutes", value_name = "LOCKOUT_MINUTES", env = "OPENSTAFF_LOCKOUT_MINUTES",
          default_value = "15", value_parser = clap::value_parser!(u32).map(Span::minutes))]
    pub lockout_duration: Span,
    /// Sign-in attempts allowed per client IP per minute.
    #[arg(long, env = "OPENSTAFF_SIGNIN_RATE_PER_MINUTE", default_value_t = 60)]
    pub signin_rate_per_minute: u32,
    /// Region for phone numbers typed without a +country code (e.g. FR, US).
    #[arg(long, env = "OPENSTAFF_DEFAULT_PHONE_REGION")]
    pub default_phone_region: Option<String>,
    /// Index seeks one user search may spend before it answers with a shorter page
    /// and a cursor to go on from (bounds the cost of rare, scattered matches).
    #[arg(long, env = "OPENSTAFF_SEARCH_STEP_BUDGET", default_value_t = 20_000,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub search_step_budget: i64,
    /// Whether anyone holding an admin role must sign in with a second factor
    /// (`required`): walked through enrolling an authenticator app on the hosted
    /// sign-in page, refused by the password-only `POST /api/v1/auth/token`.
    /// Required by default; integrations that act without a person use an application
    /// holding roles of its own (client-credentials grant), which it does not touch.
    #[arg(long, env = "OPENSTAFF_ADMIN_MFA", value_enum, default_value_t = AdminMfa::Required)]
    pub admin_mfa: AdminMfa,
    /// How recent a sign-in must be for a sensitive action (a manager's password
    /// reset, phone changes, Temporary Access Passes, removing sign-in methods), in
    /// minutes (1 to 1440); older sessions are asked to sign in again.
    #[arg(long = "reauthentication-minutes", value_name = "REAUTHENTICATION_MINUTES", env = "OPENSTAFF_REAUTHENTICATION_MINUTES",
          default_value = "15", value_parser = clap::value_parser!(u32).range(1..=1440).map(Span::minutes))]
    pub reauthentication_window: Span,
    /// Text-message codes (self-service reset, SMS sign-in, SMS as a second factor)
    /// one number, one account or one sign-in name may be sent per hour.
    #[arg(long, env = "OPENSTAFF_SMS_RATE_PER_HOUR", default_value_t = 5)]
    pub sms_rate_per_hour: u32,
    /// Text-message codes one client address may ask for per hour (a shop's till
    /// network shares one address: allow for its staff).
    #[arg(long, env = "OPENSTAFF_SMS_RATE_PER_IP_PER_HOUR", default_value_t = 30)]
    pub sms_rate_per_ip_per_hour: u32,
    /// Whether a code by text message may stand as the second factor of someone who
    /// holds an admin role (`refuse`, the default: a text message can be redirected
    /// by a SIM swap; they use a passkey or an authenticator app). Staff without an
    /// admin role may always use it.
    #[arg(long, env = "OPENSTAFF_ADMIN_SMS_MFA", value_enum, default_value_t = AdminSmsMfa::Refuse)]
    pub admin_sms_mfa: AdminSmsMfa,
}

/// Whether admins may use a text-message code as their second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AdminSmsMfa {
    Refuse,
    Allow,
}

/// The second-factor policy for admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AdminMfa {
    Required,
    Off,
}

impl Default for PolicyConfig {
    /// The documented defaults (the same as the flags').
    fn default() -> Self {
        PolicyConfig {
            password_min_length: 12,
            password_min_score: 3,
            onprem_min_length: 10,
            onprem_min_classes: 3,
            onprem_forbid_name: true,
            temp_password_ttl: Span::hours(24),
            lockout_threshold: 5,
            lockout_window: Span::minutes(15),
            lockout_duration: Span::minutes(15),
            signin_rate_per_minute: 60,
            default_phone_region: None,
            search_step_budget: 20_000,
            admin_mfa: AdminMfa::Required,
            reauthentication_window: Span::minutes(15),
            sms_rate_per_hour: 5,
            sms_rate_per_ip_per_hour: 30,
            admin_sms_mfa: AdminSmsMfa::Refuse,
        }
    }
}

impl PolicyConfig {
    /// When a temporary password handed out at `now` stops working.
    pub fn temp_password_expires_at(&self, now: Micros) -> Micros {
        now + self.temp_password_ttl
    }

    /// Defaults, with a sign-in rate limit tests do not trip over by accident, and
    /// admin MFA off: most tests sign admins in with the password grant; those about
    /// the policy turn it on.
    pub fn for_tests() -> Self {
        PolicyConfig {
            signin_rate_per_minute: 1000,
            admin_mfa: AdminMfa::Off,
            ..PolicyConfig::default()
        }
    }

    pub fn cloud(&self) -> shared::policy::CloudPolicy {
        shared::policy::CloudPolicy {
            min_length: self.password_min_length,
            min_strength_score: self.password_min_score,
        }
    }

    pub fn on_premises(&self) -> shared::policy::OnPremisesPolicy {
        shared::policy::OnPremisesPolicy {
            min_length: self.onprem_min_length,
            min_character_classes: self.onprem_min_classes,
            forbid_name_parts: self.onprem_forbid_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::passkeys;

    #[test]
    fn passkeys_need_a_host_name() {
        assert!(passkeys("http://127.0.0.1:8080", None).unwrap().is_none());
        assert!(passkeys("http://[::1]:8080", None).unwrap().is_none());
        assert!(passkeys("http://localhost:8080", None).unwrap().is_some());
        assert!(
            passkeys("https://id.contoso.example", Some("contoso.example"))
                .unwrap()
                .is_some()
        );
        assert!(passkeys("https://id.contoso.example", Some("fabrikam.example")).is_err());
    }
}
