//! Property tests for the authorization rules of SPEC section 2.

use openstaff_shared::rules::{
    allowed_actions, decide, scope_allowed_for_role, Actor, Decision, Grant, Membership, Target,
};
use openstaff_shared::{Action, Denial, Role, Scope};
use proptest::prelude::*;
use uuid::Uuid;

/// A small pool of AUs: indices 0..2 are plain, 2..4 are restricted.
const UNITS: usize = 4;

fn unit_id(i: usize) -> Uuid {
    Uuid::from_u128(0x1000 + i as u128)
}

fn unit_restricted(i: usize) -> bool {
    i >= 2
}

/// A small pool of users, so that actor and target coincide now and then.
fn user_id(i: usize) -> Uuid {
    Uuid::from_u128(0x2000 + i as u128)
}

const NON_READ: [Action; 8] = [
    Action::ResetPassword,
    Action::ManagePhoneMethods,
    Action::ManageDirectory,
    Action::RevokeSessions,
    Action::UnlockAccount,
    Action::RequireReregistration,
    Action::IssueTemporaryAccessPass,
    Action::ManageBadges,
];

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn au_scope() -> impl Strategy<Value = Scope> {
    (0..UNITS).prop_map(|i| Scope::AdministrativeUnit { id: unit_id(i) })
}

fn any_scope() -> impl Strategy<Value = Scope> {
    prop_oneof![Just(Scope::Directory), au_scope()]
}

/// A grant valid by construction: directory-only roles are moved to the directory.
fn grant() -> impl Strategy<Value = Grant> {
    (role(), any_scope()).prop_map(|(role, scope)| {
        let scope = if scope_allowed_for_role(role, &scope) {
            scope
        } else {
            Scope::Directory
        };
        Grant { role, scope }
    })
}

/// An AU-scoped grant of a role that may be AU-scoped.
fn au_grant() -> impl Strategy<Value = Grant> {
    (role(), au_scope())
        .prop_filter("directory-only role", |(r, s)| {
            scope_allowed_for_role(*r, s)
        })
        .prop_map(|(role, scope)| Grant { role, scope })
}

fn directory_grant() -> impl Strategy<Value = Grant> {
    role().prop_map(|role| Grant {
        role,
        scope: Scope::Directory,
    })
}

fn grants() -> impl Strategy<Value = Vec<Grant>> {
    prop::collection::vec(grant(), 0..=4)
}

fn memberships() -> impl Strategy<Value = Vec<Membership>> {
    prop::sample::subsequence((0..UNITS).collect::<Vec<_>>(), 0..=UNITS).prop_map(|idx| {
        idx.into_iter()
            .map(|i| Membership {
                unit_id: unit_id(i),
                display_name: format!("Unit {i}"),
                restricted: unit_restricted(i),
            })
            .collect()
    })
}

fn target_roles() -> impl Strategy<Value = Vec<Role>> {
    prop::collection::vec(role(), 0..=3)
}

/// Everything a `Target` borrows, owned.
#[derive(Debug, Clone)]
struct OwnedTarget {
    user: usize,
    roles: Vec<Role>,
    memberships: Vec<Membership>,
}

impl OwnedTarget {
    fn view(&self) -> Target<'_> {
        Target {
            user_id: user_id(self.user),
            roles: &self.roles,
            memberships: &self.memberships,
        }
    }

    fn in_restricted_unit(&self) -> bool {
        self.memberships.iter().any(|m| m.restricted)
    }
}

fn target() -> impl Strategy<Value = OwnedTarget> {
    (0..3usize, target_roles(), memberships()).prop_map(|(user, roles, memberships)| OwnedTarget {
        user,
        roles,
        memberships,
    })
}

fn actor(user: usize, grants: &[Grant]) -> Actor<'_> {
    Actor {
        user_id: user_id(user),
        grants,
    }
}

// --- a compact oracle from the SPEC text (independent of roles.rs helpers) ---

fn spec_may_act_on(actor: Role, target: Role) -> bool {
    use Role::*;
    let set: &[Role] = match actor {
        PasswordAdministrator => &[PasswordAdministrator],
        HelpdeskAdministrator => &[HelpdeskAdministrator, PasswordAdministrator],
        AuthenticationAdministrator => &[AuthenticationAdministrator, PasswordAdministrator],
        UserAdministrator => &[
            UserAdministrator,
            HelpdeskAdministrator,
            PasswordAdministrator,
        ],
        GlobalAdministrator | PrivilegedAuthenticationAdministrator => &Role::ALL,
    };
    set.contains(&target)
}

fn spec_grant_allows(action: Action, g: &Grant, t: &OwnedTarget) -> bool {
    use Role::*;
    let au = g.scope.unit_id();
    let restricted: Vec<Uuid> = t
        .memberships
        .iter()
        .filter(|m| m.restricted)
        .map(|m| m.unit_id)
        .collect();
    let role_ok = match action {
        Action::Read | Action::ResetPassword => true,
        Action::RevokeSessions | Action::UnlockAccount => g.role != PasswordAdministrator,
        Action::ManagePhoneMethods
        | Action::RequireReregistration
        | Action::IssueTemporaryAccessPass
        | Action::ManageBadges => matches!(
            g.role,
            AuthenticationAdministrator
                | PrivilegedAuthenticationAdministrator
                | GlobalAdministrator
        ),
        Action::ManageDirectory => {
            matches!(g.role, GlobalAdministrator | UserAdministrator)
                && au.is_none_or(|id| restricted.contains(&id))
        }
    };
    let c1 = au.is_none_or(|id| t.memberships.iter().any(|m| m.unit_id == id));
    let c2 = t.roles.iter().all(|r| spec_may_act_on(g.role, *r));
    let c3 = au.is_none() || t.roles.is_empty();
    let c4 = restricted.is_empty() || au.is_some_and(|id| restricted.contains(&id));
    role_ok && c1 && c2 && c3 && c4
}

fn spec_allows(action: Action, actor_user: usize, grants: &[Grant], t: &OwnedTarget) -> bool {
    !grants.is_empty()
        && (action == Action::Read
            || (actor_user != t.user && grants.iter().any(|g| spec_grant_allows(action, g, t))))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// (a) An AU-scoped grant alone never allows a non-read action on a target
    /// holding any role.
    #[test]
    fn au_scoped_grant_never_acts_on_admins(
        g in au_grant(),
        actor_user in 0..3usize,
        mut t in target(),
        extra_role in role(),
    ) {
        t.roles.push(extra_role);
        let grants = [g];
        for action in NON_READ {
            let d = decide(action, actor(actor_user, &grants), t.view());
            prop_assert!(!d.allowed, "{g:?} allowed {action} on {t:?}");
        }
    }

    /// (b) Acting on oneself is never allowed, except reading.
    #[test]
    fn self_action_is_never_allowed(gs in grants(), mut t in target()) {
        t.user = 0;
        let a = actor(0, &gs);
        for action in NON_READ {
            let d = decide(action, a, t.view());
            prop_assert!(!d.allowed);
            let expected = if gs.is_empty() { Denial::NoAdminRole } else { Denial::SelfAction };
            prop_assert_eq!(d.denial, Some(expected));
        }
        prop_assert_eq!(decide(Action::Read, a, t.view()).allowed, !gs.is_empty());
    }

    /// (c) A member of a restricted AU is out of reach of directory-scoped grants.
    #[test]
    fn restricted_member_unreachable_from_directory(
        gs in prop::collection::vec(directory_grant(), 0..=4),
        actor_user in 0..3usize,
        mut t in target(),
        r in 2..UNITS,
    ) {
        if !t.in_restricted_unit() {
            t.memberships.push(Membership {
                unit_id: unit_id(r),
                display_name: format!("Unit {r}"),
                restricted: true,
            });
        }
        for action in NON_READ {
            let d = decide(action, actor(actor_user, &gs), t.view());
            prop_assert!(!d.allowed, "{gs:?} allowed {action} on {t:?}");
        }
    }

    /// (d) `allowed_actions` is exactly the set of actions `decide` allows, in
    /// `Action::ALL` order.
    #[test]
    fn allowed_actions_agrees_with_decide(gs in grants(), actor_user in 0..3usize, t in target()) {
        let a = actor(actor_user, &gs);
        let expected: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|x| decide(*x, a, t.view()).allowed)
            .collect();
        prop_assert_eq!(allowed_actions(a, t.view()), expected);
    }

    /// (e) Denied decisions carry a denial and reasons; allowed ones no denial.
    #[test]
    fn decision_shape(gs in grants(), actor_user in 0..3usize, t in target()) {
        for action in Action::ALL {
            let d = decide(action, actor(actor_user, &gs), t.view());
            prop_assert_eq!(d.action, action);
            prop_assert!(!d.reasons.is_empty());
            prop_assert!(d.reasons.iter().all(|r| !r.is_empty()));
            if d.allowed {
                prop_assert_eq!(d.denial, None);
                prop_assert_eq!(d.reasons.len(), 1);
            } else {
                prop_assert!(d.denial.is_some());
                // One reason per distinct refusing grant at most.
                prop_assert!(d.reasons.len() <= gs.len().max(1));
            }
            prop_assert_eq!(d.denial == Some(Denial::NoAdminRole), gs.is_empty());
        }
    }

    /// (f) Monotonicity: adding a grant (anywhere in the list) never turns an
    /// allowed decision into a denied one; and the outcome ignores grant order.
    #[test]
    fn adding_a_grant_is_monotone(
        gs in grants(),
        extra in grant(),
        pos in any::<prop::sample::Index>(),
        actor_user in 0..3usize,
        t in target(),
    ) {
        let mut more = gs.clone();
        more.insert(pos.index(gs.len() + 1), extra);
        let mut reversed = gs.clone();
        reversed.reverse();
        for action in Action::ALL {
            let before = decide(action, actor(actor_user, &gs), t.view());
            let after = decide(action, actor(actor_user, &more), t.view());
            prop_assert!(!before.allowed || after.allowed, "{action}: {before:?} -> {after:?}");
            // A denial never gets less specific when a further grant also refuses.
            if !after.allowed && !gs.is_empty() {
                prop_assert!(after.denial >= before.denial);
            }
            let rev = decide(action, actor(actor_user, &reversed), t.view());
            prop_assert_eq!(rev.allowed, before.allowed);
            prop_assert_eq!(rev.denial, before.denial);
        }
    }

    /// (g) Decisions round-trip through JSON, and `denial` is omitted when allowed.
    #[test]
    fn decision_round_trips_through_json(gs in grants(), actor_user in 0..3usize, t in target()) {
        for action in Action::ALL {
            let d = decide(action, actor(actor_user, &gs), t.view());
            let json = serde_json::to_value(&d).unwrap();
            prop_assert_eq!(&json["allowed"], &serde_json::Value::Bool(d.allowed));
            prop_assert_eq!(&json["action"], &serde_json::Value::from(action.id()));
            prop_assert_eq!(json.get("denial").is_some(), !d.allowed);
            let back: Decision = serde_json::from_value(json).unwrap();
            prop_assert_eq!(&back, &d);
            let text = serde_json::to_string(&d).unwrap();
            let back: Decision = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, d);
        }
    }

    /// Random actors and targets agree with the oracle written from the SPEC,
    /// including targets in several AUs (plain and restricted at once).
    #[test]
    fn decide_agrees_with_spec_oracle(gs in grants(), actor_user in 0..3usize, t in target()) {
        for action in Action::ALL {
            let d = decide(action, actor(actor_user, &gs), t.view());
            prop_assert_eq!(
                d.allowed,
                spec_allows(action, actor_user, &gs, &t),
                "{} by {:?} on {:?}: {:?}", action, gs, t, d
            );
        }
    }

    /// Read is allowed for any actor with at least one grant, whoever the target.
    #[test]
    fn read_needs_only_a_grant(gs in grants(), actor_user in 0..3usize, t in target()) {
        let d = decide(Action::Read, actor(actor_user, &gs), t.view());
        prop_assert_eq!(d.allowed, !gs.is_empty());
    }

    /// The phone action is never allowed where the reset is not, and is never
    /// allowed by helpdesk, password or user administrators alone.
    #[test]
    fn phone_implies_reset(gs in grants(), actor_user in 0..3usize, t in target()) {
        let a = actor(actor_user, &gs);
        let phone = decide(Action::ManagePhoneMethods, a, t.view()).allowed;
        let reset = decide(Action::ResetPassword, a, t.view()).allowed;
        prop_assert!(!phone || reset);
        let only_non_phone_roles = gs.iter().all(|g| matches!(
            g.role,
            Role::HelpdeskAdministrator | Role::PasswordAdministrator | Role::UserAdministrator
        ));
        if only_non_phone_roles {
            prop_assert!(!phone);
        }
    }

    /// Manage-directory is never allowed where the reset is not.
    #[test]
    fn manage_directory_implies_reset(gs in grants(), actor_user in 0..3usize, t in target()) {
        let a = actor(actor_user, &gs);
        if decide(Action::ManageDirectory, a, t.view()).allowed {
            prop_assert!(decide(Action::ResetPassword, a, t.view()).allowed);
        }
    }
}
