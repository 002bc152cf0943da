//! Built-in roles and the scopes they are assigned at (SPEC section 2).
//!
//! Role ids are stable snake_case strings on the wire and in the database; display
//! names follow Entra ID so administrators recognise them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A built-in administrative role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GlobalAdministrator,
    PrivilegedAuthenticationAdministrator,
    UserAdministrator,
    AuthenticationAdministrator,
    HelpdeskAdministrator,
    PasswordAdministrator,
}

impl Role {
    /// Every role, most privileged first.
    pub const ALL: [Role; 6] = [
        Role::GlobalAdministrator,
        Role::PrivilegedAuthenticationAdministrator,
        Role::UserAdministrator,
        Role::AuthenticationAdministrator,
        Role::HelpdeskAdministrator,
        Role::PasswordAdministrator,
    ];

    /// The stable id used on the wire and in storage.
    pub const fn id(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "global_administrator",
            Role::PrivilegedAuthenticationAdministrator => {
                "privileged_authentication_administrator"
            }
            Role::UserAdministrator => "user_administrator",
            Role::AuthenticationAdministrator => "authentication_administrator",
            Role::HelpdeskAdministrator => "helpdesk_administrator",
            Role::PasswordAdministrator => "password_administrator",
        }
    }

    /// The name shown to people, as in Entra ID.
    pub const fn display_name(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "Global Administrator",
            Role::PrivilegedAuthenticationAdministrator => {
                "Privileged Authentication Administrator"
            }
            Role::UserAdministrator => "User Administrator",
            Role::AuthenticationAdministrator => "Authentication Administrator",
            Role::HelpdeskAdministrator => "Helpdesk Administrator",
            Role::PasswordAdministrator => "Password Administrator",
        }
    }

    /// Global and privileged authentication administrators exist only tenant-wide.
    pub const fn directory_only(self) -> bool {
        matches!(
            self,
            Role::GlobalAdministrator | Role::PrivilegedAuthenticationAdministrator
        )
    }

    /// Whether an actor holding `self` may reset (or manage the methods of) a target
    /// holding `target_role` — the "resettable set" table of SPEC section 2.
    pub const fn may_act_on_role(self, target_role: Role) -> bool {
        use Role::*;
        match self {
            GlobalAdministrator | PrivilegedAuthenticationAdministrator => true,
            UserAdministrator => matches!(
                target_role,
                UserAdministrator | HelpdeskAdministrator | PasswordAdministrator
            ),
            AuthenticationAdministrator => {
                matches!(
                    target_role,
                    AuthenticationAdministrator | PasswordAdministrator
                )
            }
            HelpdeskAdministrator => {
                matches!(target_role, HelpdeskAdministrator | PasswordAdministrator)
            }
            PasswordAdministrator => matches!(target_role, PasswordAdministrator),
        }
    }

    /// Roles that may manage phone (authentication) methods.
    pub const fn can_manage_phone_methods(self) -> bool {
        matches!(
            self,
            Role::AuthenticationAdministrator
                | Role::PrivilegedAuthenticationAdministrator
                | Role::GlobalAdministrator
        )
    }

    /// Roles that manage the directory when assigned tenant-wide.
    pub const fn can_manage_directory(self) -> bool {
        matches!(self, Role::GlobalAdministrator | Role::UserAdministrator)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Returned when a string names no built-in role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown role `{}`", self.0)
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.id() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Where a role assignment applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scope {
    /// The whole tenant.
    Directory,
    /// One administrative unit (location).
    AdministrativeUnit { id: Uuid },
}

impl Scope {
    /// The storage form: `directory` or `administrative_unit:{id}`.
    pub fn to_storage(&self) -> String {
        match self {
            Scope::Directory => "directory".to_owned(),
            Scope::AdministrativeUnit { id } => format!("administrative_unit:{id}"),
        }
    }

    /// Parses the storage form written by [`Scope::to_storage`].
    pub fn from_storage(s: &str) -> Option<Scope> {
        if s == "directory" {
            return Some(Scope::Directory);
        }
        let id = s.strip_prefix("administrative_unit:")?;
        Uuid::parse_str(id)
            .ok()
            .map(|id| Scope::AdministrativeUnit { id })
    }

    pub fn unit_id(&self) -> Option<Uuid> {
        match self {
            Scope::Directory => None,
            Scope::AdministrativeUnit { id } => Some(*id),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_storage())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_round_trip_through_strings_and_json() {
        for role in Role::ALL {
            assert_eq!(role.id().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.id()));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn scope_storage_form_round_trips() {
        let id = Uuid::now_v7();
        for scope in [Scope::Directory, Scope::AdministrativeUnit { id }] {
            assert_eq!(Scope::from_storage(&scope.to_storage()), Some(scope));
        }
        assert_eq!(Scope::from_storage("administrative_unit:nope"), None);
        assert_eq!(Scope::from_storage("tenant"), None);
    }

    #[test]
    fn scope_json_is_tagged() {
        let id = Uuid::nil();
        let json = serde_json::to_value(Scope::AdministrativeUnit { id }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "administrative_unit", "id": id})
        );
        let dir: Scope = serde_json::from_str(r#"{"type":"directory"}"#).unwrap();
        assert_eq!(dir, Scope::Directory);
    }
}
