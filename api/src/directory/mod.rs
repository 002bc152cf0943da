//! The on-premises directory: Active Directory over LDAPS (or LDAP with StartTLS).
//!
//! OpenStaff talks to the domain as a service account for lookups, password writeback
//! and the sync, and as the user for pass-through sign-in. Every operation is bounded
//! by `--ldap-timeout-seconds` (5 s): a slow or stopped domain controller answers
//! [`DirectoryError::Unavailable`], never a hung request. Nothing here logs a
//! password: binds and `unicodePwd` values are never formatted.

mod ops;
pub mod sync;

pub use ops::{CheckReport, DirectoryUser, PasswordRefusal};

use clap::{Args, ValueEnum};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The default user filter for Active Directory: people's user objects (not
/// computers, which are users too in AD's schema).
pub const AD_USER_FILTER: &str = "(&(objectCategory=person)(objectClass=user))";

/// What kind of directory is behind `--ldap-url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectoryKind {
    /// Microsoft Active Directory (or Samba AD): `unicodePwd`, `pwdLastSet`,
    /// `objectGUID`, `uSNChanged`.
    #[value(name = "active_directory")]
    ActiveDirectory,
}

/// The directory connection (flags or `OPENSTAFF_LDAP_*`). No `--ldap-url`: no
/// directory, and on-premises users keep the local policy and password.
#[derive(Clone, Args)]
pub struct DirectoryConfig {
    /// `ldaps://host:636`, or `ldap://host:389` (then StartTLS is required: plain LDAP
    /// would carry passwords in clear). Unset: no directory.
    #[arg(long = "ldap-url", env = "OPENSTAFF_LDAP_URL")]
    pub url: Option<String>,
    /// The service account's DN, e.g. `CN=openstaff,OU=Service,DC=corp,DC=example`.
    #[arg(long = "ldap-bind-dn", env = "OPENSTAFF_LDAP_BIND_DN")]
    pub bind_dn: Option<String>,
    /// The service account's password (prefer `--ldap-bind-password-file`).
    #[arg(
        long = "ldap-bind-password",
        env = "OPENSTAFF_LDAP_BIND_PASSWORD",
        hide_env_values = true
    )]
    pub bind_password: Option<String>,
    /// A file holding the service account's password (trailing newline ignored).
    #[arg(
        long = "ldap-bind-password-file",
        env = "OPENSTAFF_LDAP_BIND_PASSWORD_FILE"
    )]
    pub bind_password_file: Option<PathBuf>,
    /// Where users are searched, e.g. `DC=corp,DC=example`.
    #[arg(long = "ldap-base-dn", env = "OPENSTAFF_LDAP_BASE_DN")]
    pub base_dn: Option<String>,
    /// Which entries under the base are users.
    #[arg(long = "ldap-user-filter", env = "OPENSTAFF_LDAP_USER_FILTER", default_value = AD_USER_FILTER)]
    pub user_filter: String,
    /// PEM file of the CA that signed the directory's certificate (default: the
    /// system's roots).
    #[arg(long = "ldap-ca-file", env = "OPENSTAFF_LDAP_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// The kind of directory.
    #[arg(
        long = "ldap-kind",
        env = "OPENSTAFF_LDAP_KIND",
        value_enum,
        default_value = "active_directory"
    )]
    pub kind: DirectoryKind,
    /// Longest wait for the directory, per operation, in seconds.
    #[arg(long = "ldap-timeout-seconds", env = "OPENSTAFF_LDAP_TIMEOUT_SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout_seconds: u64,
}

impl std::fmt::Debug for DirectoryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryConfig")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("base_dn", &self.base_dn)
            .finish_non_exhaustive()
    }
}

impl Default for DirectoryConfig {
    /// No directory.
    fn default() -> Self {
        DirectoryConfig {
            url: None,
            bind_dn: None,
            bind_password: None,
            bind_password_file: None,
            base_dn: None,
            user_filter: AD_USER_FILTER.to_owned(),
            ca_file: None,
            kind: DirectoryKind::ActiveDirectory,
            timeout_seconds: 5,
        }
    }
}

/// Why a directory operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Not reachable, too slow, TLS failed, or busy: try again later. The text is
    /// for the log and the operator, never a secret.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    /// The domain refused a new password (its policy).
    #[error("the directory refused the password")]
    PasswordRefused(PasswordRefusal),
    /// A bind with a wrong name or password (AD `data 52e`).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password is right but must be changed first (AD `data 773`, or an
    /// expired password, `data 532`).
    #[error("the password must be changed")]
    MustChangePassword,
    /// Locked out by the domain (AD `data 775`).
    #[error("the account is locked in the directory")]
    Locked,
    /// Disabled or expired in the domain (AD `data 533`, `data 701`).
    #[error("the account is disabled in the directory")]
    Disabled,
    /// No such user under the base DN (moved out, deleted).
    #[error("the user is not in the directory")]
    NoSuchUser,
    /// The service account may not do this (missing delegation), or another
    /// answer OpenStaff does not expect.
    #[error("the directory refused the operation: {0}")]
    Refused(String),
}

impl DirectoryError {
    /// Reads an LDAP error: transport problems are `Unavailable`, result codes are
    /// classified by [`DirectoryError::from_result`].
    fn from_ldap(e: LdapError) -> Self {
        match e {
            LdapError::LdapResult { result } => Self::from_result(result.rc, &result.text),
            LdapError::Timeout { .. } => Self::Unavailable("timed out".to_owned()),
            other => Self::Unavailable(other.to_string()),
        }
    }

    /// An LDAP result code and its diagnostic text, AD's sub-codes included
    /// (`data 52e` and friends in the text of an invalidCredentials answer).
    pub(crate) fn from_result(rc: u32, text: &str) -> Self {
        let data = ad_data_code(text);
        match rc {
            49 => match data.as_deref() {
                Some("773") | Some("532") => Self::MustChangePassword,
                Some("775") => Self::Locked,
                Some("533") | Some("701") => Self::Disabled,
                _ => Self::InvalidCredentials,
            },
            // constraintViolation / unwillingToPerform with a password-policy text.
            19 | 53 if is_password_policy(text) => {
                Self::PasswordRefused(PasswordRefusal::from_text(text))
            }
            32 => Self::NoSuchUser,
            // busy, unavailable, unwillingToPerform (e.g. shutting down), other
            51 | 52 | 80 => Self::Unavailable(format!("result {rc}: {}", first_line(text))),
            _ => Self::Refused(format!("result {rc}: {}", first_line(text))),
        }
    }
}

/// AD's "data XXX" sub-code in a bind error's text, e.g.
/// `80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563`.
fn ad_data_code(text: &str) -> Option<String> {
    let i = text.find("data ")?;
    let code: String = text[i + 5..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (!code.is_empty()).then(|| code.to_ascii_lowercase())
}

fn is_password_policy(text: &str) -> bool {
    // AD: 0000052D (ERROR_PASSWORD_RESTRICTION); Samba adds check_password_restrictions.
    let t = text.to_ascii_lowercase();
    t.contains("0000052d") || t.contains("check_password_restrictions")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim_end_matches('\0')
}

/// The configured directory, ready to connect.
pub struct Directory {
    url: String,
    starttls: bool,
    bind_dn: String,
    bind_password: String,
    pub base_dn: String,
    pub user_filter: String,
    pub timeout: Duration,
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("url", &self.url)
            .field("base_dn", &self.base_dn)
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// The directory `cfg` describes, or `None` without `--ldap-url`. Refuses plain
    /// LDAP without StartTLS and a configuration missing what binds need.
    pub fn from_config(cfg: &DirectoryConfig) -> anyhow::Result<Option<Arc<Directory>>> {
        let Some(url) = cfg.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let starttls = if url.starts_with("ldaps://") {
            false
        } else if url.starts_with("ldap://") {
            true
        } else {
            anyhow::bail!("--ldap-url must start with ldaps:// or ldap:// (then StartTLS is used)");
        };
        let bind_dn = cfg
            .bind_dn
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--ldap-url needs --ldap-bind-dn"))?;
        let bind_password = match (&cfg.bind_password, &cfg.bind_password_file) {
            (Some(p), None) => p.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot read --ldap-bind-password-file {}: {e}",
                        file.display()
                    )
                })?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
            (Some(_), Some(_)) => {
                anyhow::bail!("give --ldap-bind-password or --ldap-bind-password-file, not both")
            }
            (None, None) => anyhow::bail!(
                "--ldap-url needs --ldap-bind-password-file (or --ldap-bind-password)"
            ),
        };
        let base_dn = cfg
            .base_dn
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--ldap-url needs --ldap-base-dn"))?;
        let tls = tls_config(cfg.ca_file.as_deref())?;
        Ok(Some(Arc::new(Directory {
            url: url.to_owned(),
            starttls,
            bind_dn,
            bind_password,
            base_dn,
            user_filter: cfg.user_filter.clone(),
            timeout: Duration::from_secs(cfg.timeout_seconds),
            tls,
        })))
    }

    /// The URL, for messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A TLS connection, not yet bound.
    async fn open(&self) -> Result<Ldap, DirectoryError> {
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_starttls(self.starttls)
            .set_config(self.tls.clone());
        let (conn, mut ldap) = tokio::time::timeout(
            self.timeout,
            LdapConnAsync::with_settings(settings, &self.url),
        )
        .await
        .map_err(|_| DirectoryError::Unavailable("connecting timed out".to_owned()))?
        .map_err(DirectoryError::from_ldap)?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "directory connection closed");
            }
        });
        ldap.with_timeout(self.timeout);
        Ok(ldap)
    }

    /// A connection bound as the service account.
    pub async fn service(&self) -> Result<Ldap, DirectoryError> {
        let mut ldap = self.open().await?;
        bind(&mut ldap, &self.bind_dn, &self.bind_password, self.timeout)
            .await
            .map_err(|e| match e {
                // The service account's own credentials failing is the operator's
                // problem, not the person's at the counter.
                DirectoryError::InvalidCredentials
                | DirectoryError::MustChangePassword
                | DirectoryError::Locked
                | DirectoryError::Disabled => {
                    DirectoryError::Unavailable(format!("the service account cannot sign in ({e})"))
                }
                other => other,
            })?;
        Ok(ldap)
    }

    /// Binds as `dn` with `password` on a connection of its own (pass-through
    /// sign-in); answers how the domain judged it.
    pub async fn bind_as(&self, dn: &str, password: &str) -> Result<(), DirectoryError> {
        if password.is_empty() {
            // An empty simple bind is an anonymous bind and would "succeed".
            return Err(DirectoryError::InvalidCredentials);
        }
        let mut ldap = self.open().await?;
        let result = bind(&mut ldap, dn, password, self.timeout).await;
        let _ = ldap.unbind().await;
        result
    }
}

async fn bind(
    ldap: &mut Ldap,
    dn: &str,
    password: &str,
    timeout: Duration,
) -> Result<(), DirectoryError> {
    let result = tokio::time::timeout(timeout, ldap.simple_bind(dn, password))
        .await
        .map_err(|_| DirectoryError::Unavailable("bind timed out".to_owned()))?
        .map_err(DirectoryError::from_ldap)?;
    if result.rc == 0 {
        Ok(())
    } else {
        Err(DirectoryError::from_result(result.rc, &result.text))
    }
}

/// rustls with the given CA (or the system roots), on ring.
fn tls_config(ca_file: Option<&std::path::Path>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| anyhow::anyhow!("cannot read --ldap-ca-file {}: {e}", path.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| {
                    anyhow::anyhow!("--ldap-ca-file {} is not PEM: {e}", path.display())
                })?;
            if certs.is_empty() {
                anyhow::bail!("--ldap-ca-file {} holds no certificate", path.display());
            }
            for c in certs {
                roots.add(c)?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = roots.add(c);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_bind_answers_are_told_apart() {
        let text = |d: &str| {
            format!("80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data {d}, v4563")
        };
        assert!(matches!(
            DirectoryError::from_result(49, &text("52e")),
            DirectoryError::InvalidCredentials
        ));
        assert!(matches!(
            DirectoryError::from_result(49, &text("773")),
            DirectoryError::MustChangePassword
        ));
        assert!(matches!(
            DirectoryError::from_result(49, &text("775")),
            DirectoryError::Locked
        ));
        assert!(matches!(
            DirectoryError::from_result(49, &text("533")),
            DirectoryError::Disabled
        ));
        assert!(matches!(
            DirectoryError::from_result(
                19,
                "0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 7 characters!"
            ),
            DirectoryError::PasswordRefused(_)
        ));
        assert!(matches!(
            DirectoryError::from_result(52, "unavailable"),
            DirectoryError::Unavailable(_)
        ));
    }
}
