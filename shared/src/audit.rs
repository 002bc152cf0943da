//! What the audit trail records (SPEC section 5): each activity, its category and
//! the outcome, as the display strings Entra ID uses.
//!
//! These strings are stored in every audit event and covered by its hash, so they
//! must never change: `openstaff audit verify` recomputes the hash from them.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// An audited activity, as stored and shown ("Reset password (by admin)").
    pub enum Activity {
        ResetPasswordByAdmin = "Reset password (by admin)",
        ChangePasswordSelf = "Change password (self)",
        SignIn = "Sign-in",
        RegisterPhoneNumber = "Register phone number",
        ChangePhoneNumber = "Change phone number",
        RemovePhoneNumber = "Remove phone number",
        AddMemberToAdministrativeUnit = "Add member to administrative unit",
        RemoveMemberFromAdministrativeUnit = "Remove member from administrative unit",
        AddScopedRoleMember = "Add scoped role member",
        RemoveScopedRoleMember = "Remove scoped role member",
        CreateUser = "Create user",
        UpdateUser = "Update user",
        /// A refused import; an allowed one records a `Create user` per created row.
        BulkImportUsers = "Bulk import users",
        CreateAdministrativeUnit = "Create administrative unit",
        UpdateAdministrativeUnit = "Update administrative unit",
        DeleteAdministrativeUnit = "Delete administrative unit",
        UpdateMyStaffSettings = "Update My Staff settings",
        /// The tenant's sign-in policy (`mfa_for_everyone`), Entra's string.
        UpdateAuthenticationMethodsPolicy = "Update authentication methods policy",
        /// `openstaff seed scale`: one event for the whole generated directory.
        SeedScaleDirectory = "Seed scale directory",
        AddApplication = "Add application",
        UpdateApplication = "Update application",
        DeleteApplication = "Delete application",
        /// One run of the sync from the on-premises directory, with its counts; each
        /// user it creates or changes gets its own `Create user` / `Update user`.
        SynchronizeDirectory = "Synchronize directory",
        /// An authenticator app (TOTP) confirmed with its first code.
        RegisterAuthenticatorApp = "Register authenticator app",
        RemoveAuthenticatorApp = "Remove authenticator app",
        /// A manager ended every session of a user (Entra's string).
        RevokeSessions = "Invalidate all refresh tokens for user",
        UnlockAccount = "Unlock user account",
        /// A manager removed a user's passkeys and authenticator apps.
        RequireReregistration = "Require re-registration of authentication methods",
        /// A manager issued a Temporary Access Pass (Entra's string).
        IssueTemporaryAccessPass = "Admin registered temporary access pass method for user",
        /// A manager revoked a user's Temporary Access Pass (Entra's string).
        RevokeTemporaryAccessPass = "Admin deleted temporary access pass method for user",
        /// A passkey (WebAuthn credential) registered by its owner.
        RegisterPasskey = "Register passkey",
        RemovePasskey = "Remove passkey",
        /// An application signed in as itself (OAuth client-credentials grant), the
        /// entry of Entra's service principal sign-ins.
        ServicePrincipalSignIn = "Service principal sign-in",
        /// Someone reset their own forgotten password on the hosted sign-in page, with
        /// a code texted to their mobile (Entra's string).
        ResetPasswordSelfService = "Reset password (self-service)",
        /// A manager issued (or re-issued: the old one stops working) a sign-in
        /// badge, a QR code for shared devices.
        IssueBadge = "Issue badge",
        /// A manager revoked a sign-in badge.
        RevokeBadge = "Revoke badge",
        /// A manager unlocked a badge locked after too many wrong PINs.
        UnlockBadge = "Unlock badge",
        /// The badge's holder chose its PIN, at its first use.
        SetBadgePin = "Set badge PIN",
    }
}

wire_enum! {
    /// The category of an audited activity.
    pub enum Category {
        UserManagement = "UserManagement",
        AdministrativeUnit = "AdministrativeUnit",
        RoleManagement = "RoleManagement",
        Policy = "Policy",
        SignIn = "SignIn",
        ApplicationManagement = "ApplicationManagement",
    }
}

wire_enum! {
    /// The `result` of an audited activity.
    pub enum Outcome {
        Success = "success",
        /// Failed or refused; `result_reason` says why.
        Failure = "failure",
    }
}

impl Activity {
    /// Each activity belongs to one category.
    pub const fn category(self) -> Category {
        match self {
            Activity::ResetPasswordByAdmin
            | Activity::ChangePasswordSelf
            | Activity::RegisterPhoneNumber
            | Activity::ChangePhoneNumber
            | Activity::RemovePhoneNumber
            | Activity::CreateUser
            | Activity::UpdateUser
            | Activity::BulkImportUsers
            | Activity::SeedScaleDirectory
            | Activity::SynchronizeDirectory
            | Activity::RegisterAuthenticatorApp
            | Activity::RemoveAuthenticatorApp
            | Activity::RevokeSessions
            | Activity::UnlockAccount
            | Activity::RequireReregistration
            | Activity::IssueTemporaryAccessPass
            | Activity::RevokeTemporaryAccessPass
            | Activity::RegisterPasskey
            | Activity::RemovePasskey
            | Activity::ResetPasswordSelfService
            | Activity::IssueBadge
            | Activity::RevokeBadge
            | Activity::UnlockBadge
            | Activity::SetBadgePin => Category::UserManagement,
            Activity::SignIn | Activity::ServicePrincipalSignIn => Category::SignIn,
            Activity::AddMemberToAdministrativeUnit
            | Activity::RemoveMemberFromAdministrativeUnit
            | Activity::CreateAdministrativeUnit
            | Activity::UpdateAdministrativeUnit
            | Activity::DeleteAdministrativeUnit => Category::AdministrativeUnit,
            Activity::AddScopedRoleMember | Activity::RemoveScopedRoleMember => {
                Category::RoleManagement
            }
            Activity::UpdateMyStaffSettings | Activity::UpdateAuthenticationMethodsPolicy => {
                Category::Policy
            }
            Activity::AddApplication
            | Activity::UpdateApplication
            | Activity::DeleteApplication => Category::ApplicationManagement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_enum;

    #[test]
    fn activities_are_todays_strings() {
        // Written out again, by hand: these strings are hashed into stored events.
        assert_wire_enum(Activity::ALL, Activity::as_str, |a| match a {
            Activity::ResetPasswordByAdmin => "Reset password (by admin)",
            Activity::ChangePasswordSelf => "Change password (self)",
            Activity::SignIn => "Sign-in",
            Activity::RegisterPhoneNumber => "Register phone number",
            Activity::ChangePhoneNumber => "Change phone number",
            Activity::RemovePhoneNumber => "Remove phone number",
            Activity::AddMemberToAdministrativeUnit => "Add member to administrative unit",
            Activity::RemoveMemberFromAdministrativeUnit => {
                "Remove member from administrative unit"
            }
            Activity::AddScopedRoleMember => "Add scoped role member",
            Activity::RemoveScopedRoleMember => "Remove scoped role member",
            Activity::CreateUser => "Create user",
            Activity::UpdateUser => "Update user",
            Activity::BulkImportUsers => "Bulk import users",
            Activity::CreateAdministrativeUnit => "Create administrative unit",
            Activity::UpdateAdministrativeUnit => "Update administrative unit",
            Activity::DeleteAdministrativeUnit => "Delete administrative unit",
            Activity::UpdateMyStaffSettings => "Update My Staff settings",
            Activity::UpdateAuthenticationMethodsPolicy => "Update authentication methods policy",
            Activity::SeedScaleDirectory => "Seed scale directory",
            Activity::AddApplication => "Add application",
            Activity::UpdateApplication => "Update application",
            Activity::DeleteApplication => "Delete application",
            Activity::SynchronizeDirectory => "Synchronize directory",
            Activity::RegisterAuthenticatorApp => "Register authenticator app",
            Activity::RemoveAuthenticatorApp => "Remove authenticator app",
            Activity::RevokeSessions => "Invalidate all refresh tokens for user",
            Activity::UnlockAccount => "Unlock user account",
            Activity::RequireReregistration => "Require re-registration of authentication methods",
            Activity::IssueTemporaryAccessPass => {
                "Admin registered temporary access pass method for user"
            }
            Activity::RevokeTemporaryAccessPass => {
                "Admin deleted temporary access pass method for user"
            }
            Activity::RegisterPasskey => "Register passkey",
            Activity::RemovePasskey => "Remove passkey",
            Activity::ServicePrincipalSignIn => "Service principal sign-in",
            Activity::ResetPasswordSelfService => "Reset password (self-service)",
            Activity::IssueBadge => "Issue badge",
            Activity::RevokeBadge => "Revoke badge",
            Activity::UnlockBadge => "Unlock badge",
            Activity::SetBadgePin => "Set badge PIN",
        });
        assert_eq!(Activity::ALL.len(), 38);
    }

    #[test]
    fn categories_and_outcomes_are_todays_strings() {
        assert_wire_enum(Category::ALL, Category::as_str, |c| match c {
            Category::UserManagement => "UserManagement",
            Category::AdministrativeUnit => "AdministrativeUnit",
            Category::RoleManagement => "RoleManagement",
            Category::Policy => "Policy",
            Category::SignIn => "SignIn",
            Category::ApplicationManagement => "ApplicationManagement",
        });
        assert_wire_enum(Outcome::ALL, Outcome::as_str, |o| match o {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        });
    }

    #[test]
    fn each_activity_keeps_todays_category() {
        // The category is stored and hashed with the activity, so it is pinned too.
        for a in Activity::ALL {
            let today = match a {
                Activity::SignIn | Activity::ServicePrincipalSignIn => "SignIn",
                Activity::AddMemberToAdministrativeUnit
                | Activity::RemoveMemberFromAdministrativeUnit
                | Activity::CreateAdministrativeUnit
                | Activity::UpdateAdministrativeUnit
                | Activity::DeleteAdministrativeUnit => "AdministrativeUnit",
                Activity::AddScopedRoleMember | Activity::RemoveScopedRoleMember => {
                    "RoleManagement"
                }
                Activity::UpdateMyStaffSettings | Activity::UpdateAuthenticationMethodsPolicy => {
                    "Policy"
                }
                Activity::ResetPasswordByAdmin
                | Activity::ChangePasswordSelf
                | Activity::RegisterPhoneNumber
                | Activity::ChangePhoneNumber
                | Activity::RemovePhoneNumber
                | Activity::CreateUser
                | Activity::UpdateUser
                | Activity::BulkImportUsers
                | Activity::SeedScaleDirectory
                | Activity::SynchronizeDirectory
                | Activity::RegisterAuthenticatorApp
                | Activity::RemoveAuthenticatorApp
                | Activity::RevokeSessions
                | Activity::UnlockAccount
                | Activity::RequireReregistration
                | Activity::IssueTemporaryAccessPass
                | Activity::RevokeTemporaryAccessPass
                | Activity::RegisterPasskey
                | Activity::RemovePasskey
                | Activity::ResetPasswordSelfService
                | Activity::IssueBadge
                | Activity::RevokeBadge
                | Activity::UnlockBadge
                | Activity::SetBadgePin => "UserManagement",
                Activity::AddApplication
                | Activity::UpdateApplication
                | Activity::DeleteApplication => "ApplicationManagement",
            };
            assert_eq!(a.category().as_str(), today, "{a}");
        }
        for c in Category::ALL {
            assert!(Activity::ALL.iter().any(|a| a.category() == *c), "{c}");
        }
    }
}
