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

    /// Roles that may revoke sessions and unlock accounts: every role but the
    /// password administrator (Entra's Helpdesk Administrator may invalidate
    /// refresh tokens; its Password Administrator may not).
    pub const fn can_end_sessions(self) -> bool {
        !matches!(self, Role::PasswordAdministrator)
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

// On wasm32 the SPA reads this with `deserialize_scope` rather than serde's derive,
// whose internally tagged enums buffer the object first (~10 KB of wasm). (A plain
// comment: doc comments here become the OpenAPI description.)
/// Where a role assignment applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
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

#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_scope(deserializer)
    }
}

/// Reads a [`Scope`] object as serde's derive does (fields in any order; other or
/// repeated fields refused for a location, ignored for the directory), without
/// buffering it first. Unlike the derive it takes only an object whose `type` and `id`
/// are strings, which is all the server writes. `tests` checks it against the derive.
pub fn deserialize_scope<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Scope, D::Error> {
    deserializer.deserialize_map(ScopeVisitor)
}

struct ScopeVisitor;

impl<'de> serde::de::Visitor<'de> for ScopeVisitor {
    type Value = Scope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("internally tagged enum Scope")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scope, A::Error> {
        use serde::de::{Error, IgnoredAny};
        let mut kind: Option<String> = None;
        let mut id: Option<String> = None;
        let mut repeated_id = false;
        let mut unknown: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" if kind.is_some() => return Err(A::Error::duplicate_field("type")),
                "type" => kind = Some(map.next_value()?),
                "id" => {
                    let value: String = map.next_value()?;
                    repeated_id |= id.is_some();
                    id.get_or_insert(value);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    unknown.get_or_insert(key);
                }
            }
        }
        match kind.as_deref() {
            // Like the derive, a unit variant ignores any other fields.
            Some("directory") => Ok(Scope::Directory),
            Some("administrative_unit") => {
                if let Some(field) = unknown {
                    return Err(A::Error::unknown_field(&field, &["id"]));
                }
                if repeated_id {
                    return Err(A::Error::duplicate_field("id"));
                }
                let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
                Uuid::parse_str(&id)
                    .map(|id| Scope::AdministrativeUnit { id })
                    .map_err(A::Error::custom)
            }
            Some(other) => Err(A::Error::unknown_variant(
                other,
                &["directory", "administrative_unit"],
            )),
            None => Err(A::Error::missing_field("type")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // Tests may use the real clock and ids.
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

    /// The wasm32 reader accepts and refuses what the derive does, for objects.
    #[test]
    fn scope_reader_matches_the_derive() {
        let id = Uuid::now_v7();
        let inputs = [
            r#"{"type":"directory"}"#.to_owned(),
            format!(r#"{{"type":"administrative_unit","id":"{id}"}}"#),
            format!(r#"{{"id":"{id}","type":"administrative_unit"}}"#),
            format!(r#"{{"type":"directory","id":"{id}"}}"#),
            r#"{"type":"administrative_unit"}"#.to_owned(),
            r#"{"type":"administrative_unit","id":"nope"}"#.to_owned(),
            r#"{"type":"tenant"}"#.to_owned(),
            r#"{"type":"directory","extra":1}"#.to_owned(),
            format!(r#"{{"type":"administrative_unit","id":"{id}","extra":1}}"#),
            r#"{"type":"directory","type":"directory"}"#.to_owned(),
            format!(r#"{{"type":"administrative_unit","id":"{id}","id":"{id}"}}"#),
            format!(r#"{{"id":"{id}"}}"#),
            r#"{}"#.to_owned(),
            r#"{"type":null}"#.to_owned(),
            r#""directory""#.to_owned(),
            r#"null"#.to_owned(),
            format!(r#"{{"extra":[1,{{"a":2}}],"type":"directory","id":"{id}","id":"x"}}"#),
            format!(r#"{{"extra":true,"id":"{id}","type":"administrative_unit"}}"#),
            format!(r#"{{"type":"administrative_unit","id":"{}"}}"#, id.simple()),
            r#"{"type":"Directory"}"#.to_owned(),
        ];
        for input in inputs {
            let derived = serde_json::from_str::<Scope>(&input).ok();
            let read = deserialize_scope(&mut serde_json::Deserializer::from_str(&input)).ok();
            assert_eq!(read, derived, "{input}");
        }
    }
}
