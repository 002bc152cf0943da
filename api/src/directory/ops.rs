//! What OpenStaff asks of Active Directory: users by `objectGUID`, the domain's
//! password policy, a manager's reset (writeback), the user's own change, and the
//! connection check.

use super::{Directory, DirectoryError};
use ldap3::{Ldap, Mod, Scope, SearchEntry};
use shared::policy::DomainPasswordPolicy;
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

/// The attributes a user is read with.
pub const USER_ATTRS: &[&str] = &[
    "objectGUID",
    "userPrincipalName",
    "sAMAccountName",
    "displayName",
    "mail",
    "title",
    "department",
    "userAccountControl",
    "uSNChanged",
];

/// `userAccountControl`'s ACCOUNTDISABLE bit.
const UAC_ACCOUNTDISABLE: i64 = 0x2;
/// `pwdProperties`' DOMAIN_PASSWORD_COMPLEX bit.
const DOMAIN_PASSWORD_COMPLEX: i64 = 0x1;

/// A user as the directory has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// `objectGUID`: stable across renames and moves.
    pub guid: Uuid,
    pub dn: String,
    /// `userPrincipalName` (AD users without one are skipped by the sync).
    pub user_principal_name: Option<String>,
    pub sam_account_name: Option<String>,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    /// Not ACCOUNTDISABLE in `userAccountControl`.
    pub enabled: bool,
    /// `uSNChanged`: the update sequence number of the last change on this DC.
    pub usn_changed: i64,
}

impl DirectoryUser {
    /// Reads a search entry (with [`USER_ATTRS`]); `None` without an `objectGUID`.
    pub fn from_entry(entry: SearchEntry) -> Option<DirectoryUser> {
        let guid = entry
            .bin_attrs
            .get("objectGUID")
            .and_then(|v| v.first())
            .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
            .map(Uuid::from_bytes_le)?;
        let one = |name: &str| {
            entry
                .attrs
                .get(name)
                .and_then(|v| v.first())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let int = |name: &str| one(name).and_then(|s| s.parse::<i64>().ok());
        Some(DirectoryUser {
            guid,
            user_principal_name: one("userPrincipalName"),
            sam_account_name: one("sAMAccountName"),
            display_name: one("displayName"),
            mail: one("mail"),
            job_title: one("title"),
            department: one("department"),
            enabled: int("userAccountControl").is_none_or(|uac| uac & UAC_ACCOUNTDISABLE == 0),
            usn_changed: int("uSNChanged").unwrap_or(0),
            dn: entry.dn,
        })
    }
}

/// `(objectGUID=\xx…)`: the GUID's bytes in AD's order, each escaped.
pub fn guid_filter(guid: Uuid) -> String {
    let mut f = String::from("(objectGUID=");
    for b in guid.to_bytes_le() {
        f.push_str(&format!("\\{b:02x}"));
    }
    f.push(')');
    f
}

/// What the domain said about a refused password, as far as its text tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    TooShort,
    NotComplex,
    InHistory,
    /// Changed too recently (minimum password age).
    TooYoung,
    /// The domain did not say (Windows AD's answer names no rule).
    Unstated,
}

impl PasswordRefusal {
    pub(crate) fn from_text(text: &str) -> Self {
        let t = text.to_ascii_lowercase();
        if t.contains("too short") {
            PasswordRefusal::TooShort
        } else if t.contains("complexity") {
            PasswordRefusal::NotComplex
        } else if t.contains("history") || t.contains("already used") {
            PasswordRefusal::InHistory
        } else if t.contains("too young") || t.contains("minimum password age") {
            PasswordRefusal::TooYoung
        } else {
            PasswordRefusal::Unstated
        }
    }
}

/// A password as `unicodePwd` wants it: in double quotes, UTF-16LE.
fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// One search that must answer at most a page (no paging needed).
async fn search(
    ldap: &mut Ldap,
    t: Duration,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> Result<Vec<SearchEntry>, DirectoryError> {
    let (entries, _) = within(t, ldap.search(base, scope, filter, attrs.to_vec()))
        .await?
        .map_err(DirectoryError::from_ldap)?
        .success()
        .map_err(DirectoryError::from_ldap)?;
    Ok(entries.into_iter().map(SearchEntry::construct).collect())
}

/// The root DSE's attribute `name`.
async fn root_dse(
    ldap: &mut Ldap,
    t: Duration,
    attrs: &[&str],
) -> Result<SearchEntry, DirectoryError> {
    search(ldap, t, "", Scope::Base, "(objectClass=*)", attrs)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DirectoryError::Refused("the root DSE is not readable".to_owned()))
}

/// `op`, or [`DirectoryError::Unavailable`] once `t` has passed.
pub(crate) async fn within<T>(
    t: Duration,
    op: impl std::future::Future<Output = T>,
) -> Result<T, DirectoryError> {
    tokio::time::timeout(t, op)
        .await
        .map_err(|_| DirectoryError::Unavailable("the directory did not answer in time".to_owned()))
}

fn first(entry: &SearchEntry, name: &str) -> Option<String> {
    entry.attrs.get(name).and_then(|v| v.first()).cloned()
}

impl Directory {
    /// The user with this `objectGUID` under the base DN.
    pub async fn user_by_guid(
        &self,
        ldap: &mut Ldap,
        guid: Uuid,
    ) -> Result<DirectoryUser, DirectoryError> {
        search(
            ldap,
            self.timeout,
            &self.base_dn,
            Scope::Subtree,
            &guid_filter(guid),
            USER_ATTRS,
        )
        .await?
        .into_iter()
        .find_map(DirectoryUser::from_entry)
        .ok_or(DirectoryError::NoSuchUser)
    }

    /// The domain's password policy, from its naming context's head object.
    pub async fn password_policy(
        &self,
        ldap: &mut Ldap,
    ) -> Result<DomainPasswordPolicy, DirectoryError> {
        let dse = root_dse(ldap, self.timeout, &["defaultNamingContext"]).await?;
        let nc = first(&dse, "defaultNamingContext").unwrap_or_else(|| self.base_dn.clone());
        let domain = search(
            ldap,
            self.timeout,
            &nc,
            Scope::Base,
            "(objectClass=*)",
            &[
                "minPwdLength",
                "pwdProperties",
                "pwdHistoryLength",
                "lockoutThreshold",
            ],
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DirectoryError::Refused("the domain object is not readable".to_owned()))?;
        let int = |name: &str| {
            first(&domain, name)
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0)
        };
        Ok(DomainPasswordPolicy {
            min_length: u32::try_from(int("minPwdLength")).unwrap_or(0),
            complexity: int("pwdProperties") & DOMAIN_PASSWORD_COMPLEX != 0,
            history_length: u32::try_from(int("pwdHistoryLength")).unwrap_or(0),
            lockout_threshold: u32::try_from(int("lockoutThreshold")).unwrap_or(0),
        })
    }

    /// A reset: sets `unicodePwd`, `pwdLastSet` (`0`, must change at next sign-in,
    /// for a manager's reset; `-1`, set now, for the person's own self-service reset)
    /// and clears `lockoutTime`, in one modify, so the domain applies all of it or none.
    pub async fn reset_password(
        &self,
        ldap: &mut Ldap,
        dn: &str,
        password: &str,
        must_change: bool,
    ) -> Result<(), DirectoryError> {
        let last_set: &[u8] = if must_change { b"0" } else { b"-1" };
        let mods: Vec<Mod<Vec<u8>>> = vec![
            Mod::Replace(
                b"unicodePwd".to_vec(),
                HashSet::from([unicode_pwd(password)]),
            ),
            Mod::Replace(b"pwdLastSet".to_vec(), HashSet::from([last_set.to_vec()])),
            Mod::Replace(b"lockoutTime".to_vec(), HashSet::from([b"0".to_vec()])),
        ];
        modify(ldap, self.timeout, dn, mods).await
    }

    /// A manager's unlock: clears `lockoutTime`, which ends the domain's lockout.
    pub async fn unlock(&self, ldap: &mut Ldap, dn: &str) -> Result<(), DirectoryError> {
        let mods: Vec<Mod<Vec<u8>>> = vec![Mod::Replace(
            b"lockoutTime".to_vec(),
            HashSet::from([b"0".to_vec()]),
        )];
        modify(ldap, self.timeout, dn, mods).await
    }

    /// The user's own change: the old and the new password in one modify (delete and
    /// add of `unicodePwd`), so the domain checks the old one and its history rules.
    pub async fn change_password(
        &self,
        ldap: &mut Ldap,
        dn: &str,
        old: &str,
        new: &str,
    ) -> Result<(), DirectoryError> {
        let mods: Vec<Mod<Vec<u8>>> = vec![
            Mod::Delete(b"unicodePwd".to_vec(), HashSet::from([unicode_pwd(old)])),
            Mod::Add(b"unicodePwd".to_vec(), HashSet::from([unicode_pwd(new)])),
        ];
        match modify(ldap, self.timeout, dn, mods).await {
            // A wrong old password: AD answers constraintViolation with
            // ERROR_INVALID_PASSWORD (00000056), Samba "invalid old password".
            Err(DirectoryError::Refused(text))
                if text.contains("00000056")
                    || text.to_ascii_lowercase().contains("old password") =>
            {
                Err(DirectoryError::InvalidCredentials)
            }
            other => other,
        }
    }

    /// `openstaff directory check`: binds, reads the root DSE, the policy, and counts
    /// the users the filter finds.
    pub async fn check(&self) -> Result<CheckReport, DirectoryError> {
        within(self.timeout * 12, self.check_unbounded()).await?
    }

    async fn check_unbounded(&self) -> Result<CheckReport, DirectoryError> {
        let mut ldap = self.service().await?;
        let dse = root_dse(
            &mut ldap,
            self.timeout,
            &["dnsHostName", "defaultNamingContext", "domainFunctionality"],
        )
        .await?;
        let policy = self.password_policy(&mut ldap).await?;
        let mut users = 0u64;
        let mut stream = ldap
            .streaming_search_with(
                ldap3::adapters::PagedResults::new(500),
                &self.base_dn,
                Scope::Subtree,
                &self.user_filter,
                vec!["objectGUID"],
            )
            .await
            .map_err(DirectoryError::from_ldap)?;
        while let Some(_entry) = stream.next().await.map_err(DirectoryError::from_ldap)? {
            users += 1;
        }
        stream
            .finish()
            .await
            .success()
            .map_err(DirectoryError::from_ldap)?;
        let _ = ldap.unbind().await;
        Ok(CheckReport {
            url: self.url().to_owned(),
            server: first(&dse, "dnsHostName"),
            naming_context: first(&dse, "defaultNamingContext"),
            base_dn: self.base_dn.clone(),
            users,
            policy,
        })
    }
}

async fn modify(
    ldap: &mut Ldap,
    t: Duration,
    dn: &str,
    mods: Vec<Mod<Vec<u8>>>,
) -> Result<(), DirectoryError> {
    let result = within(t, ldap.modify(dn, mods))
        .await?
        .map_err(DirectoryError::from_ldap)?;
    if result.rc == 0 {
        Ok(())
    } else {
        Err(DirectoryError::from_result(result.rc, &result.text))
    }
}

/// What `openstaff directory check` prints.
#[derive(Debug, serde::Serialize)]
pub struct CheckReport {
    pub url: String,
    /// The domain controller that answered (`dnsHostName`).
    pub server: Option<String>,
    pub naming_context: Option<String>,
    pub base_dn: String,
    /// Users the filter finds under the base DN.
    pub users: u64,
    pub policy: DomainPasswordPolicy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_filter_escapes_ad_byte_order() {
        let g = Uuid::parse_str("01020304-0506-0708-090a-0b0c0d0e0f10").unwrap();
        assert_eq!(
            guid_filter(g),
            "(objectGUID=\\04\\03\\02\\01\\06\\05\\08\\07\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10)"
        );
    }

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        assert_eq!(unicode_pwd("ab"), vec![b'"', 0, b'a', 0, b'b', 0, b'"', 0]);
    }

    #[test]
    fn refusal_reasons_from_samba_texts() {
        let r = PasswordRefusal::from_text;
        assert_eq!(
            r("0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 7 characters!"),
            PasswordRefusal::TooShort
        );
        assert_eq!(
            r("0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria!"),
            PasswordRefusal::NotComplex
        );
        assert_eq!(
            r("0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!"),
            PasswordRefusal::InHistory
        );
        assert_eq!(
            r("0000052D: SvcErr: DSID-031A120C, problem 5003 (WILL_NOT_PERFORM), data 0"),
            PasswordRefusal::Unstated
        );
    }
}
