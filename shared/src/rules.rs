//! The authorization rules of SPEC section 2, as pure functions.
//!
//! The API calls these to enforce and the SPA calls the same code to show only the
//! actions that will succeed, so the two can never disagree. Every decision carries
//! its reasons in words, which `GET /users/{id}/access` returns verbatim.

use crate::codes::ErrorCode;
use crate::roles::{Role, Scope};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// An action one user may take on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Open the profile (names, locations, account state).
    Read,
    /// Reset the target's password (SPEC section 3).
    ResetPassword,
    /// Add, change or remove the target's phone methods (SPEC section 4).
    ManagePhoneMethods,
    /// Edit the target's directory record.
    ManageDirectory,
    /// End the target's sessions everywhere: provider sessions, refresh and access
    /// tokens (Entra's "Revoke sessions"). The reset rules, without password
    /// administrators.
    RevokeSessions,
    /// Clear the lockout after too many wrong passwords or codes. The reset rules,
    /// without password administrators.
    UnlockAccount,
    /// Remove the target's passkeys and authenticator apps, so they register new
    /// ones at their next sign-in. The phone-method rules.
    RequireReregistration,
    /// Issue (or revoke) a Temporary Access Pass. The phone-method rules.
    IssueTemporaryAccessPass,
    /// Issue, re-issue, revoke and unlock the target's sign-in badge (a QR code and
    /// a PIN for shared devices). The phone-method rules.
    ManageBadges,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Read,
        Action::ResetPassword,
        Action::ManagePhoneMethods,
        Action::ManageDirectory,
        Action::RevokeSessions,
        Action::UnlockAccount,
        Action::RequireReregistration,
        Action::IssueTemporaryAccessPass,
        Action::ManageBadges,
    ];

    /// Whether the action is sensitive (issue 13's step-up): it needs a sign-in within
    /// the server's re-authentication window, else 401 `reauthentication_required`.
    /// Taking access away (ending sessions) or giving back what a lockout took needs
    /// none, so a manager reacting to a stolen phone is not slowed down.
    pub const fn needs_recent_sign_in(self) -> bool {
        matches!(
            self,
            Action::ResetPassword
                | Action::ManagePhoneMethods
                | Action::RequireReregistration
                | Action::IssueTemporaryAccessPass
                | Action::ManageBadges
        )
    }

    pub const fn id(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::ResetPassword => "reset_password",
            Action::ManagePhoneMethods => "manage_phone_methods",
            Action::ManageDirectory => "manage_directory",
            Action::RevokeSessions => "revoke_sessions",
            Action::UnlockAccount => "unlock_account",
            Action::RequireReregistration => "require_reregistration",
            Action::IssueTemporaryAccessPass => "issue_temporary_access_pass",
            Action::ManageBadges => "manage_badges",
        }
    }

    /// The verb used in explanations ("may not reset").
    const fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::ResetPassword => "reset",
            Action::ManagePhoneMethods => "manage phone methods for",
            Action::ManageDirectory => "edit",
            Action::RevokeSessions => "sign out",
            Action::UnlockAccount => "unlock",
            Action::RequireReregistration => "require re-registration for",
            Action::IssueTemporaryAccessPass => "issue a Temporary Access Pass for",
            Action::ManageBadges => "manage sign-in badges for",
        }
    }

    /// Whether holding `role` can ever grant this action.
    const fn granted_by(self, role: Role) -> bool {
        match self {
            Action::Read | Action::ResetPassword => true,
            Action::ManagePhoneMethods
            | Action::RequireReregistration
            | Action::IssueTemporaryAccessPass
            | Action::ManageBadges => role.can_manage_phone_methods(),
            Action::ManageDirectory => role.can_manage_directory(),
            Action::RevokeSessions | Action::UnlockAccount => role.can_end_sessions(),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.id() == s)
            .ok_or_else(|| format!("unknown action `{s}`"))
    }
}

/// One role the actor holds, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

/// A location the target belongs to, as the rules need to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub unit_id: Uuid,
    pub display_name: String,
    pub restricted: bool,
}

/// The person acting.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: Uuid,
    pub grants: &'a [Grant],
}

/// The person acted upon.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub user_id: Uuid,
    /// Every role assigned to the target, at any scope.
    pub roles: &'a [Role],
    pub memberships: &'a [Membership],
}

/// Why a request was refused, from least to most specific: when several grants
/// each fail, the decision reports the one that came closest to succeeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Denial {
    /// The actor holds no admin role at all.
    NoAdminRole,
    /// None of the actor's roles can perform this kind of action.
    RoleNotPermitted,
    /// The actor's scope does not include the target.
    #[serde(rename = "target_out_of_scope")]
    OutOfScope,
    /// The target is in a restricted location this scope does not name.
    #[serde(rename = "target_in_restricted_unit")]
    RestrictedUnit,
    /// A location-scoped admin tried to act on another admin.
    TargetIsAdmin,
    /// The target holds a role above what the actor's role may act on.
    TargetPrivileged,
    /// The actor tried to act on themselves through an admin path.
    SelfAction,
}

impl Denial {
    /// Every denial.
    pub const ALL: [Denial; 7] = [
        Denial::NoAdminRole,
        Denial::RoleNotPermitted,
        Denial::OutOfScope,
        Denial::RestrictedUnit,
        Denial::TargetIsAdmin,
        Denial::TargetPrivileged,
        Denial::SelfAction,
    ];

    /// The denial whose [`Denial::code`] this is.
    pub fn from_code(code: ErrorCode) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == code)
    }

    /// The refusal in words a store manager understands.
    pub const fn message(self, action: Action) -> &'static str {
        match (self, action) {
            (Denial::NoAdminRole, _) => "You have no admin role, so you can't do this.",
            (Denial::RoleNotPermitted, Action::ManagePhoneMethods) => {
                "Your role doesn't let you change phone numbers."
            }
            (Denial::RoleNotPermitted, Action::ManageDirectory) => {
                "Your role doesn't let you edit people's details."
            }
            (Denial::RoleNotPermitted, Action::RevokeSessions) => {
                "Your role doesn't let you sign people out."
            }
            (Denial::RoleNotPermitted, Action::UnlockAccount) => {
                "Your role doesn't let you unlock accounts."
            }
            (Denial::RoleNotPermitted, Action::RequireReregistration) => {
                "Your role doesn't let you reset sign-in methods."
            }
            (Denial::RoleNotPermitted, Action::IssueTemporaryAccessPass) => {
                "Your role doesn't let you issue a Temporary Access Pass."
            }
            (Denial::RoleNotPermitted, Action::ManageBadges) => {
                "Your role doesn't let you issue or manage sign-in badges."
            }
            (Denial::RoleNotPermitted, _) => "Your role doesn't allow this.",
            (Denial::OutOfScope, Action::ResetPassword) => {
                "You can only reset passwords for people in your locations."
            }
            (Denial::OutOfScope, Action::ManagePhoneMethods) => {
                "You can only change phone numbers for people in your locations."
            }
            (Denial::OutOfScope, _) => "You can only help people in your locations.",
            (Denial::RestrictedUnit, _) => {
                "This person is in a restricted location that only its own admins can manage."
            }
            (Denial::TargetIsAdmin, _) => {
                "This person is an administrator. Location admins can only help people without admin roles."
            }
            (Denial::TargetPrivileged, _) => {
                "This person holds an admin role above yours. Ask a more senior administrator."
            }
            (Denial::SelfAction, Action::ResetPassword) => {
                "You can't reset your own password here. Change it from your account instead."
            }
            (Denial::SelfAction, _) => "You can't use admin actions on your own account.",
        }
    }

    /// The problem `code` of a 403 for this denial (also its own wire name).
    pub const fn code(self) -> ErrorCode {
        match self {
            Denial::NoAdminRole => ErrorCode::NoAdminRole,
            Denial::RoleNotPermitted => ErrorCode::RoleNotPermitted,
            Denial::OutOfScope => ErrorCode::TargetOutOfScope,
            Denial::RestrictedUnit => ErrorCode::TargetInRestrictedUnit,
            Denial::TargetIsAdmin => ErrorCode::TargetIsAdmin,
            Denial::TargetPrivileged => ErrorCode::TargetPrivileged,
            Denial::SelfAction => ErrorCode::SelfAction,
        }
    }
}

/// The outcome of a rule, with the reasons in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub allowed: bool,
    pub action: Action,
    /// Why: the grant that allows it, or each grant's reason for refusing.
    pub reasons: Vec<String>,
    /// The most specific reason for a refusal; absent when allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denial: Option<Denial>,
}

fn scope_words(scope: &Scope, target: &Target<'_>) -> String {
    match scope {
        Scope::Directory => "across the directory".to_owned(),
        Scope::AdministrativeUnit { id } => target
            .memberships
            .iter()
            .find(|m| m.unit_id == *id)
            .map(|m| format!("at location {}", m.display_name))
            .unwrap_or_else(|| format!("at location {id}")),
    }
}

/// Checks one grant against the five conditions; `Ok` holds the reason it allows.
fn check_grant(
    action: Action,
    grant: &Grant,
    target: &Target<'_>,
) -> Result<String, (Denial, String)> {
    let role = grant.role;
    let at = scope_words(&grant.scope, target);
    if !action.granted_by(role) {
        return Err((
            Denial::RoleNotPermitted,
            format!("{role} {at}: this role cannot {}", action_phrase(action)),
        ));
    }
    // Condition 1: the scope covers the target.
    if let Scope::AdministrativeUnit { id } = grant.scope {
        if !target.memberships.iter().any(|m| m.unit_id == id) {
            return Err((
                Denial::OutOfScope,
                format!("{role} {at}: the target is not a member of that location"),
            ));
        }
    }
    // Condition 4: a restricted location is closed to every scope but its own.
    let restricted: Vec<&Membership> = target.memberships.iter().filter(|m| m.restricted).collect();
    if !restricted.is_empty()
        && !restricted
            .iter()
            .any(|m| grant.scope == Scope::AdministrativeUnit { id: m.unit_id })
    {
        let names: Vec<&str> = restricted.iter().map(|m| m.display_name.as_str()).collect();
        return Err((
            Denial::RestrictedUnit,
            format!(
                "{role} {at}: the target is in restricted location {}, which only admins assigned to it can manage",
                names.join(", ")
            ),
        ));
    }
    // Directory edits of users are tenant-wide only, except inside a restricted
    // location, where only that location's own admins may act (condition 4).
    if action == Action::ManageDirectory && grant.scope != Scope::Directory && restricted.is_empty()
    {
        return Err((
            Denial::RoleNotPermitted,
            format!("{role} {at}: directory changes need a directory-wide role"),
        ));
    }
    // Condition 3: location-scoped admins act on non-admins only.
    if grant.scope != Scope::Directory && !target.roles.is_empty() {
        return Err((
            Denial::TargetIsAdmin,
            format!(
                "{role} {at}: the target holds an admin role, and location-scoped admins act on non-admins only"
            ),
        ));
    }
    // Condition 2: every role the target holds is within the role's set.
    if let Some(above) = target.roles.iter().find(|t| !role.may_act_on_role(**t)) {
        return Err((
            Denial::TargetPrivileged,
            format!(
                "target holds {above}, which {role} may not {}",
                action.verb()
            ),
        ));
    }
    Ok(format!("{role} {at} allows it"))
}

fn action_phrase(action: Action) -> &'static str {
    match action {
        Action::Read => "read profiles",
        Action::ResetPassword => "reset passwords",
        Action::ManagePhoneMethods => "manage phone methods",
        Action::ManageDirectory => "edit directory records",
        Action::RevokeSessions => "revoke sessions",
        Action::UnlockAccount => "unlock accounts",
        Action::RequireReregistration => "require re-registration of sign-in methods",
        Action::IssueTemporaryAccessPass => "issue Temporary Access Passes",
        Action::ManageBadges => "manage sign-in badges",
    }
}

/// Decides whether `actor` may take `action` on `target` (SPEC section 2).
pub fn decide(action: Action, actor: Actor<'_>, target: Target<'_>) -> Decision {
    let deny = |denial: Denial, reasons: Vec<String>| Decision {
        allowed: false,
        action,
        reasons,
        denial: Some(denial),
    };
    if actor.grants.is_empty() {
        return deny(
            Denial::NoAdminRole,
            vec!["you hold no admin role".to_owned()],
        );
    }
    if action == Action::Read {
        return Decision {
            allowed: true,
            action,
            reasons: vec!["every admin may read profiles".to_owned()],
            denial: None,
        };
    }
    // Condition 5: the admin path is never a way to act on yourself.
    if actor.user_id == target.user_id {
        let reason = match action {
            Action::ResetPassword => {
                "you cannot reset your own password here; change it from your account instead"
            }
            _ => "admins cannot use admin actions on their own account",
        };
        return deny(Denial::SelfAction, vec![reason.to_owned()]);
    }
    let mut reasons = Vec::new();
    let mut closest = Denial::NoAdminRole;
    for grant in actor.grants {
        match check_grant(action, grant, &target) {
            Ok(reason) => {
                return Decision {
                    allowed: true,
                    action,
                    reasons: vec![reason],
                    denial: None,
                }
            }
            Err((denial, reason)) => {
                closest = closest.max(denial);
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
    }
    deny(closest, reasons)
}

/// The actions `actor` may take on `target`, for `allowed_actions`.
pub fn allowed_actions(actor: Actor<'_>, target: Target<'_>) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| decide(*a, actor, target).allowed)
        .collect()
}

/// Tenant-wide directory management (create users and locations, import, settings).
pub fn may_manage_directory(grants: &[Grant]) -> bool {
    grants
        .iter()
        .any(|g| g.scope == Scope::Directory && g.role.can_manage_directory())
}

/// Role assignments are for tenant-wide global administrators only.
pub fn may_manage_role_assignments(grants: &[Grant]) -> bool {
    grants
        .iter()
        .any(|g| g.scope == Scope::Directory && g.role == Role::GlobalAdministrator)
}

/// The tenant's sign-in policy (who must use a second factor) is for tenant-wide
/// global administrators only: it decides how everyone signs in.
pub fn may_manage_sign_in_policy(grants: &[Grant]) -> bool {
    may_manage_role_assignments(grants)
}

/// Applications (the relying parties that sign in with OpenStaff) are for
/// tenant-wide global administrators only, as in Entra ID.
pub fn may_manage_applications(grants: &[Grant]) -> bool {
    may_manage_role_assignments(grants)
}

/// Adding or removing members of a location. A restricted location's membership
/// can only be changed by user or global administrators assigned at its scope;
/// an ordinary one by tenant-wide directory managers.
pub fn may_manage_membership(grants: &[Grant], unit_id: Uuid, restricted: bool) -> bool {
    if restricted {
        grants.iter().any(|g| {
            g.scope == Scope::AdministrativeUnit { id: unit_id } && g.role.can_manage_directory()
        })
    } else {
        may_manage_directory(grants)
    }
}

/// Whether a role may be assigned at a scope: some roles are tenant-wide only.
pub fn scope_allowed_for_role(role: Role, scope: &Scope) -> bool {
    !(role.directory_only() && *scope != Scope::Directory)
}

/// Who may use the manager surface (SPEC section 2, "My Staff access").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MyStaffAccess {
    /// Every admin.
    #[default]
    All,
    /// Only the admins listed in `selected_user_ids`.
    Selected,
    /// Nobody.
    None,
}

/// Why the manager surface is closed to a user, if it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MyStaffBlock {
    NoAdminRole,
    MyStaffNotEnabled,
}

impl MyStaffBlock {
    /// The problem `code` of a 403 for this block (also its own wire name).
    pub const fn code(self) -> ErrorCode {
        match self {
            MyStaffBlock::NoAdminRole => ErrorCode::NoAdminRole,
            MyStaffBlock::MyStaffNotEnabled => ErrorCode::MyStaffNotEnabled,
        }
    }
}

/// The My Staff gate: open iff the user holds a role and the setting admits them.
pub fn my_staff_gate(
    user_id: Uuid,
    holds_role: bool,
    access: MyStaffAccess,
    selected: &[Uuid],
) -> Result<(), MyStaffBlock> {
    if !holds_role {
        return Err(MyStaffBlock::NoAdminRole);
    }
    match access {
        MyStaffAccess::All => Ok(()),
        MyStaffAccess::Selected if selected.contains(&user_id) => Ok(()),
        MyStaffAccess::Selected | MyStaffAccess::None => Err(MyStaffBlock::MyStaffNotEnabled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_codes_are_the_wire_names() {
        for d in Denial::ALL {
            let wire = serde_json::to_value(d).unwrap();
            assert_eq!(
                wire,
                serde_json::Value::String(d.code().as_str().to_owned())
            );
            assert_eq!(Denial::from_code(d.code()), Some(d));
        }
        assert_eq!(Denial::from_code(ErrorCode::UpnTaken), None);
        for b in [MyStaffBlock::NoAdminRole, MyStaffBlock::MyStaffNotEnabled] {
            let wire = serde_json::to_value(b).unwrap();
            assert_eq!(
                wire,
                serde_json::Value::String(b.code().as_str().to_owned())
            );
        }
    }

    #[test]
    fn only_a_tenant_wide_global_administrator_sets_the_sign_in_policy() {
        let unit = Scope::AdministrativeUnit { id: Uuid::nil() };
        for role in Role::ALL {
            for scope in [Scope::Directory, unit] {
                let grants = [Grant { role, scope }];
                assert_eq!(
                    may_manage_sign_in_policy(&grants),
                    role == Role::GlobalAdministrator && scope == Scope::Directory,
                    "{role:?} at {scope:?}"
                );
            }
        }
        assert!(!may_manage_sign_in_policy(&[]));
    }
}
