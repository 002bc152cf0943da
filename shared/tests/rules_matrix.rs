//! Table-driven tests for the authorization rules of SPEC section 2.
//!
//! The expected outcomes are computed by an oracle written directly from the SPEC
//! text (the five conditions, the resettable-set table and the phone-method role
//! list); it deliberately does not call `Role::may_act_on_role`,
//! `Role::can_manage_phone_methods` or any other helper of the crate under test.

use openstaff_shared::rules::{
    allowed_actions, decide, may_manage_directory, may_manage_membership,
    may_manage_role_assignments, my_staff_gate, scope_allowed_for_role, Actor, Grant, Membership,
    MyStaffBlock, Target,
};
use openstaff_shared::{Action, Denial, MyStaffAccess, Role, Scope};
use uuid::Uuid;

use Role::{
    AuthenticationAdministrator as AA, GlobalAdministrator as GA, HelpdeskAdministrator as HA,
    PasswordAdministrator as PA, PrivilegedAuthenticationAdministrator as PAA,
    UserAdministrator as UA,
};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const ACTOR: Uuid = Uuid::from_u128(0xAC70);
const OTHER_USER: Uuid = Uuid::from_u128(0x7A26);

/// A plain AU the target may be a member of ("own AU").
const AU_A: Uuid = Uuid::from_u128(0xA);
/// A plain AU the target is never a member of ("other AU").
const AU_B: Uuid = Uuid::from_u128(0xB);
/// A restricted AU the target may be a member of.
const AU_R: Uuid = Uuid::from_u128(0x5A);
/// A restricted AU the target is never a member of.
const AU_R2: Uuid = Uuid::from_u128(0x5B);

fn au(id: Uuid) -> Scope {
    Scope::AdministrativeUnit { id }
}

fn grant(role: Role, scope: Scope) -> Grant {
    Grant { role, scope }
}

fn dir(role: Role) -> Grant {
    grant(role, Scope::Directory)
}

fn at(role: Role, id: Uuid) -> Grant {
    grant(role, au(id))
}

fn plain(id: Uuid, name: &str) -> Membership {
    Membership {
        unit_id: id,
        display_name: name.to_owned(),
        restricted: false,
    }
}

fn restricted(id: Uuid, name: &str) -> Membership {
    Membership {
        unit_id: id,
        display_name: name.to_owned(),
        restricted: true,
    }
}

fn m_a() -> Membership {
    plain(AU_A, "Alpha")
}

fn m_r() -> Membership {
    restricted(AU_R, "Vault")
}

// ---------------------------------------------------------------------------
// The oracle, from the SPEC text
// ---------------------------------------------------------------------------

/// "may reset targets whose roles are all within" — the table of SPEC section 2,
/// written as explicit sets.
fn resettable_set(actor_role: Role) -> &'static [Role] {
    match actor_role {
        Role::PasswordAdministrator => &[PA],
        Role::HelpdeskAdministrator => &[HA, PA],
        Role::AuthenticationAdministrator => &[AA, PA],
        Role::UserAdministrator => &[UA, HA, PA],
        Role::PrivilegedAuthenticationAdministrator | Role::GlobalAdministrator => {
            &[GA, PAA, UA, AA, HA, PA]
        }
    }
}

/// R ∈ {authentication_administrator, privileged_authentication_administrator,
/// global_administrator}.
const PHONE_ROLES: [Role; 3] = [AA, PAA, GA];

/// Roles that manage the directory when assigned tenant-wide.
const DIRECTORY_ROLES: [Role; 2] = [GA, UA];

/// Which of the SPEC conditions a single grant fails, as the `Denial` codes that
/// may legitimately report each failure.
#[derive(Debug, Default)]
struct GrantCheck {
    role_not_permitted: bool,
    cond1_out_of_scope: bool,
    cond2_privileged: bool,
    cond3_target_is_admin: bool,
    cond4_restricted: bool,
}

impl GrantCheck {
    fn ok(&self) -> bool {
        !(self.role_not_permitted
            || self.cond1_out_of_scope
            || self.cond2_privileged
            || self.cond3_target_is_admin
            || self.cond4_restricted)
    }

    fn admissible_denials(&self) -> Vec<Denial> {
        let mut v = Vec::new();
        if self.role_not_permitted {
            v.push(Denial::RoleNotPermitted);
        }
        if self.cond1_out_of_scope {
            v.push(Denial::OutOfScope);
        }
        if self.cond2_privileged {
            v.push(Denial::TargetPrivileged);
        }
        if self.cond3_target_is_admin {
            v.push(Denial::TargetIsAdmin);
        }
        if self.cond4_restricted {
            v.push(Denial::RestrictedUnit);
        }
        v
    }
}

/// Checks conditions 1–4 (condition 5 is about the actor, not the grant) and the
/// per-action role restriction for one grant.
fn oracle_grant(
    action: Action,
    g: &Grant,
    t_roles: &[Role],
    t_members: &[Membership],
) -> GrantCheck {
    let member_of = |id: Uuid| t_members.iter().any(|m| m.unit_id == id);
    let restricted_ids: Vec<Uuid> = t_members
        .iter()
        .filter(|m| m.restricted)
        .map(|m| m.unit_id)
        .collect();
    let au_id = match g.scope {
        Scope::Directory => None,
        Scope::AdministrativeUnit { id } => Some(id),
    };

    let mut c = GrantCheck {
        // 1. S is `directory`, or T is a member of AU S.
        cond1_out_of_scope: au_id.is_some_and(|id| !member_of(id)),
        // 2. every role that T holds is in R's resettable set.
        cond2_privileged: !t_roles.iter().all(|r| resettable_set(g.role).contains(r)),
        // 3. if S is an AU scope, T holds no role at all.
        cond3_target_is_admin: au_id.is_some() && !t_roles.is_empty(),
        // 4. if T is in a restricted AU, S must be that restricted AU itself.
        cond4_restricted: !restricted_ids.is_empty()
            && !au_id.is_some_and(|id| restricted_ids.contains(&id)),
        ..GrantCheck::default()
    };
    match action {
        Action::Read | Action::ResetPassword => {}
        // Issue 13: the account-recovery actions. Revoking sessions and unlocking follow
        // the reset rules without password administrators; re-registration and
        // Temporary Access Passes follow the phone-method rules.
        Action::RevokeSessions | Action::UnlockAccount => c.role_not_permitted = g.role == PA,
        Action::ManagePhoneMethods
        | Action::RequireReregistration
        | Action::IssueTemporaryAccessPass
        | Action::ManageBadges => c.role_not_permitted = !PHONE_ROLES.contains(&g.role),
        Action::ManageDirectory => {
            // Directory-scoped GA/UA, or an admin assigned at a restricted AU the
            // target is in (conditions 1–4 still apply).
            let at_restricted_unit = au_id.is_some_and(|id| restricted_ids.contains(&id));
            c.role_not_permitted = !DIRECTORY_ROLES.contains(&g.role)
                || !(g.scope == Scope::Directory || at_restricted_unit);
        }
    }
    c
}

fn oracle_allowed(
    action: Action,
    actor_id: Uuid,
    grants: &[Grant],
    target_id: Uuid,
    t_roles: &[Role],
    t_members: &[Membership],
) -> bool {
    if grants.is_empty() {
        return false;
    }
    if action == Action::Read {
        return true;
    }
    // 5. T is not the actor.
    if actor_id == target_id {
        return false;
    }
    grants
        .iter()
        .any(|g| oracle_grant(action, g, t_roles, t_members).ok())
}

// ---------------------------------------------------------------------------
// Matrix dimensions
// ---------------------------------------------------------------------------

/// Every valid single grant: each role at directory scope, and each AU-capable
/// role at the four AU scopes (own, other, restricted-containing, other restricted).
fn all_single_grants() -> Vec<(String, Grant)> {
    let scopes = [
        ("directory", Scope::Directory),
        ("own AU", au(AU_A)),
        ("other AU", au(AU_B)),
        ("restricted AU R", au(AU_R)),
        ("other restricted AU R2", au(AU_R2)),
    ];
    let mut out = Vec::new();
    for role in Role::ALL {
        for (name, scope) in scopes {
            if !scope_allowed_for_role(role, &scope) {
                // Directory-only roles at AU scope: invalid by construction.
                continue;
            }
            out.push((format!("{role}@{name}"), grant(role, scope)));
        }
    }
    out
}

/// None, each role alone, and every two-role combination.
fn all_target_role_sets() -> Vec<Vec<Role>> {
    let mut out = vec![vec![]];
    for r in Role::ALL {
        out.push(vec![r]);
    }
    for (i, a) in Role::ALL.iter().enumerate() {
        for b in &Role::ALL[i + 1..] {
            out.push(vec![*a, *b]);
        }
    }
    out
}

fn all_target_memberships() -> Vec<(&'static str, Vec<Membership>)> {
    vec![
        ("plain AU A", vec![m_a()]),
        ("restricted AU R", vec![m_r()]),
        ("no AU", vec![]),
        ("A and R", vec![m_a(), m_r()]),
    ]
}

#[test]
fn matrix_dimensions_are_complete() {
    // 6 roles at directory + 4 AU-capable roles at 4 AU scopes.
    assert_eq!(all_single_grants().len(), 6 + 4 * 4);
    // none + 6 singles + C(6,2) pairs.
    assert_eq!(all_target_role_sets().len(), 1 + 6 + 15);
}

/// Every single grant x target roles x membership x action x self/other, against
/// the oracle — including the denial code, which must name a condition that the
/// oracle also finds failing.
#[test]
fn single_grant_matrix_matches_oracle() {
    let mut checked = 0usize;
    for (gname, g) in all_single_grants() {
        let grants = [g];
        for t_roles in all_target_role_sets() {
            for (mname, members) in all_target_memberships() {
                for target_id in [OTHER_USER, ACTOR] {
                    let actor = Actor {
                        user_id: ACTOR,
                        grants: &grants,
                    };
                    let target = Target {
                        user_id: target_id,
                        roles: &t_roles,
                        memberships: &members,
                    };
                    let mut expected_actions = Vec::new();
                    for action in Action::ALL {
                        let ctx = format!(
                            "{gname} -> {action} on target roles {t_roles:?} in {mname} (self: {})",
                            target_id == ACTOR
                        );
                        let expected =
                            oracle_allowed(action, ACTOR, &grants, target_id, &t_roles, &members);
                        let d = decide(action, actor, target);
                        assert_eq!(d.allowed, expected, "{ctx}: {d:?}");
                        assert_eq!(d.action, action, "{ctx}");
                        assert!(!d.reasons.is_empty(), "{ctx}: no reasons");
                        if expected {
                            expected_actions.push(action);
                            assert_eq!(d.denial, None, "{ctx}");
                        } else if target_id == ACTOR {
                            assert_eq!(d.denial, Some(Denial::SelfAction), "{ctx}");
                        } else {
                            let check = oracle_grant(action, &g, &t_roles, &members);
                            let denial = d.denial.expect("denied without a denial code");
                            assert!(
                                check.admissible_denials().contains(&denial),
                                "{ctx}: reported {denial:?}, oracle found {check:?}"
                            );
                        }
                        checked += 1;
                    }
                    assert_eq!(allowed_actions(actor, target), expected_actions);
                }
            }
        }
    }
    assert_eq!(checked, 22 * 22 * 4 * 2 * Action::ALL.len());
}

/// Every pair of grants (order matters for the explanation, not the outcome):
/// the decision is allowed iff some grant alone satisfies the conditions.
#[test]
fn two_grant_matrix_matches_oracle() {
    let singles = all_single_grants();
    let role_sets = all_target_role_sets();
    let memberships = all_target_memberships();
    for (n1, g1) in &singles {
        for (n2, g2) in &singles {
            let grants = [*g1, *g2];
            let actor = Actor {
                user_id: ACTOR,
                grants: &grants,
            };
            for t_roles in &role_sets {
                for (mname, members) in &memberships {
                    let target = Target {
                        user_id: OTHER_USER,
                        roles: t_roles,
                        memberships: members,
                    };
                    let expected: Vec<Action> = Action::ALL
                        .into_iter()
                        .filter(|a| {
                            oracle_allowed(*a, ACTOR, &grants, OTHER_USER, t_roles, members)
                        })
                        .collect();
                    assert_eq!(
                        allowed_actions(actor, target),
                        expected,
                        "[{n1}, {n2}] on target roles {t_roles:?} in {mname}"
                    );
                    // The combined denial is the most specific of the two.
                    for action in Action::ALL {
                        let d = decide(action, actor, target);
                        if d.allowed {
                            continue;
                        }
                        let d1 = decide(
                            action,
                            Actor {
                                user_id: ACTOR,
                                grants: &grants[..1],
                            },
                            target,
                        );
                        let d2 = decide(
                            action,
                            Actor {
                                user_id: ACTOR,
                                grants: &grants[1..],
                            },
                            target,
                        );
                        assert_eq!(d.denial, d1.denial.max(d2.denial), "[{n1}, {n2}] {action}");
                    }
                }
            }
        }
    }
}

/// Spot-check the oracle itself against the literal SPEC table, so that a typo in
/// `resettable_set` cannot silently agree with a typo in the implementation.
#[test]
fn oracle_resettable_table_is_the_spec_table() {
    let spec: [(&str, &[&str]); 6] = [
        ("password_administrator", &["password_administrator"]),
        (
            "helpdesk_administrator",
            &["helpdesk_administrator", "password_administrator"],
        ),
        (
            "authentication_administrator",
            &["authentication_administrator", "password_administrator"],
        ),
        (
            "user_administrator",
            &[
                "user_administrator",
                "helpdesk_administrator",
                "password_administrator",
            ],
        ),
        (
            "privileged_authentication_administrator",
            &[
                "global_administrator",
                "privileged_authentication_administrator",
                "user_administrator",
                "authentication_administrator",
                "helpdesk_administrator",
                "password_administrator",
            ],
        ),
        (
            "global_administrator",
            &[
                "global_administrator",
                "privileged_authentication_administrator",
                "user_administrator",
                "authentication_administrator",
                "helpdesk_administrator",
                "password_administrator",
            ],
        ),
    ];
    for (actor, set) in spec {
        let actor: Role = actor.parse().unwrap();
        let mut want: Vec<Role> = set.iter().map(|s| s.parse().unwrap()).collect();
        let mut got = resettable_set(actor).to_vec();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{actor}");
    }
}

/// The resettable set, read straight off `decide` with a directory-scoped grant
/// against a single-role target, for reset and (for phone roles) phone methods.
#[test]
fn resettable_table_via_decide() {
    // (actor role, target role) pairs that the SPEC table allows; all others deny.
    let allowed_pairs: &[(Role, Role)] = &[
        (PA, PA),
        (HA, HA),
        (HA, PA),
        (AA, AA),
        (AA, PA),
        (UA, UA),
        (UA, HA),
        (UA, PA),
    ];
    for actor_role in Role::ALL {
        let grants = [dir(actor_role)];
        let actor = Actor {
            user_id: ACTOR,
            grants: &grants,
        };
        for target_role in Role::ALL {
            let roles = [target_role];
            let target = Target {
                user_id: OTHER_USER,
                roles: &roles,
                memberships: &[],
            };
            let expected = matches!(actor_role, GA | PAA)
                || allowed_pairs.contains(&(actor_role, target_role));
            let reset = decide(Action::ResetPassword, actor, target);
            assert_eq!(reset.allowed, expected, "{actor_role} reset {target_role}");
            if !expected {
                assert_eq!(reset.denial, Some(Denial::TargetPrivileged));
                assert_eq!(
                    reset.reasons,
                    vec![format!(
                        "target holds {target_role}, which {actor_role} may not reset"
                    )]
                );
            }
            let phone = decide(Action::ManagePhoneMethods, actor, target);
            let phone_role = matches!(actor_role, AA | PAA | GA);
            assert_eq!(
                phone.allowed,
                phone_role && expected,
                "{actor_role} phone {target_role}"
            );
            if !phone_role {
                assert_eq!(phone.denial, Some(Denial::RoleNotPermitted));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Hand-written named cases with literal expectations
// ---------------------------------------------------------------------------

struct Case {
    name: &'static str,
    grants: Vec<Grant>,
    target_roles: Vec<Role>,
    memberships: Vec<Membership>,
    self_target: bool,
    action: Action,
    allowed: bool,
    denial: Option<Denial>,
    /// A substring that one of the reasons must contain.
    reason: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
fn case(
    name: &'static str,
    grants: Vec<Grant>,
    target_roles: Vec<Role>,
    memberships: Vec<Membership>,
    action: Action,
    allowed: bool,
    denial: Option<Denial>,
    reason: Option<&'static str>,
) -> Case {
    Case {
        name,
        grants,
        target_roles,
        memberships,
        self_target: false,
        action,
        allowed,
        denial,
        reason,
    }
}

fn named_cases() -> Vec<Case> {
    use Action::{
        ManageDirectory as Dir, ManagePhoneMethods as Phone, Read, ResetPassword as Reset,
    };
    let d = Some;
    vec![
        case(
            "helpdesk at directory vs target holding user_administrator",
            vec![dir(HA)], vec![UA], vec![], Reset,
            false, d(Denial::TargetPrivileged),
            Some("target holds user_administrator, which helpdesk_administrator may not reset"),
        ),
        case(
            "global admin at directory vs member of restricted AU",
            vec![dir(GA)], vec![], vec![m_r()], Reset,
            false, d(Denial::RestrictedUnit),
            Some("the target is in restricted location Vault, which only admins assigned to it can manage"),
        ),
        case(
            "global admin at directory vs member of restricted AU, phone",
            vec![dir(GA)], vec![], vec![m_r()], Phone,
            false, d(Denial::RestrictedUnit), None,
        ),
        case(
            "user admin scoped to restricted AU R vs non-admin member of R: reset",
            vec![at(UA, AU_R)], vec![], vec![m_r()], Reset,
            true, None, Some("user_administrator at location Vault allows it"),
        ),
        case(
            "user admin scoped to restricted AU R vs non-admin member of R: manage directory",
            vec![at(UA, AU_R)], vec![], vec![m_r()], Dir,
            true, None, None,
        ),
        case(
            "user admin scoped to restricted AU R vs admin member of R: manage directory",
            vec![at(UA, AU_R)], vec![PA], vec![m_r()], Dir,
            false, d(Denial::TargetIsAdmin), Some("location-scoped admins act on non-admins only"),
        ),
        case(
            "password admin scoped to AU A vs non-admin member of A: reset",
            vec![at(PA, AU_A)], vec![], vec![m_a()], Reset,
            true, None, Some("password_administrator at location Alpha allows it"),
        ),
        case(
            "password admin scoped to AU A vs non-admin member of A: phone",
            vec![at(PA, AU_A)], vec![], vec![m_a()], Phone,
            false, d(Denial::RoleNotPermitted), Some("this role cannot manage phone methods"),
        ),
        case(
            "password admin scoped to AU A vs non-admin member of A: revoke sessions",
            vec![at(PA, AU_A)], vec![], vec![m_a()], Action::RevokeSessions,
            false, d(Denial::RoleNotPermitted), Some("this role cannot revoke sessions"),
        ),
        case(
            "helpdesk admin scoped to AU A vs non-admin member of A: revoke sessions",
            vec![at(HA, AU_A)], vec![], vec![m_a()], Action::RevokeSessions,
            true, None, Some("helpdesk_administrator at location Alpha allows it"),
        ),
        case(
            "helpdesk admin scoped to AU A vs non-admin member of A: unlock",
            vec![at(HA, AU_A)], vec![], vec![m_a()], Action::UnlockAccount,
            true, None, None,
        ),
        case(
            "password admin at directory vs password admin: unlock",
            vec![dir(PA)], vec![PA], vec![], Action::UnlockAccount,
            false, d(Denial::RoleNotPermitted), Some("this role cannot unlock accounts"),
        ),
        case(
            "helpdesk admin scoped to AU A vs non-admin member of A: Temporary Access Pass",
            vec![at(HA, AU_A)], vec![], vec![m_a()], Action::IssueTemporaryAccessPass,
            false, d(Denial::RoleNotPermitted), Some("this role cannot issue Temporary Access Passes"),
        ),
        case(
            "authentication admin scoped to AU A vs non-admin member of A: Temporary Access Pass",
            vec![at(AA, AU_A)], vec![], vec![m_a()], Action::IssueTemporaryAccessPass,
            true, None, Some("authentication_administrator at location Alpha allows it"),
        ),
        case(
            "authentication admin at directory vs helpdesk admin: require re-registration",
            vec![dir(AA)], vec![HA], vec![], Action::RequireReregistration,
            false, d(Denial::TargetPrivileged),
            Some("target holds helpdesk_administrator, which authentication_administrator may not require re-registration for"),
        ),
        case(
            "helpdesk admin at AU A vs member of A who holds password_administrator: revoke sessions",
            vec![at(HA, AU_A)], vec![PA], vec![m_a()], Action::RevokeSessions,
            false, d(Denial::TargetIsAdmin), None,
        ),
        case(
            "global admin at directory vs member of restricted AU: Temporary Access Pass",
            vec![dir(GA)], vec![], vec![m_r()], Action::IssueTemporaryAccessPass,
            false, d(Denial::RestrictedUnit), None,
        ),
        case(
            "authentication admin at directory vs non-admin in no location: Temporary Access Pass",
            vec![dir(AA)], vec![], vec![], Action::IssueTemporaryAccessPass,
            true, None, None,
        ),
        case(
            "authentication admin scoped to AU A vs non-admin member of A: badge",
            vec![at(AA, AU_A)], vec![], vec![m_a()], Action::ManageBadges,
            true, None, Some("authentication_administrator at location Alpha allows it"),
        ),
        case(
            "helpdesk admin scoped to AU A vs non-admin member of A: badge",
            vec![at(HA, AU_A)], vec![], vec![m_a()], Action::ManageBadges,
            false, d(Denial::RoleNotPermitted), Some("this role cannot manage sign-in badges"),
        ),
        case(
            "authentication admin scoped to AU B vs non-admin member of A: badge",
            vec![at(AA, AU_B)], vec![], vec![m_a()], Action::ManageBadges,
            false, d(Denial::OutOfScope), None,
        ),
        case(
            "authentication admin at directory vs helpdesk admin: badge",
            vec![dir(AA)], vec![HA], vec![], Action::ManageBadges,
            false, d(Denial::TargetPrivileged),
            Some("target holds helpdesk_administrator, which authentication_administrator may not manage sign-in badges for"),
        ),
        case(
            "no grants: reset",
            vec![], vec![], vec![m_a()], Reset,
            false, d(Denial::NoAdminRole), Some("you hold no admin role"),
        ),
        case(
            "no grants: even read is refused",
            vec![], vec![], vec![], Read,
            false, d(Denial::NoAdminRole), None,
        ),
        case(
            "multiple grants, the second allows",
            vec![dir(HA), dir(GA)], vec![UA], vec![], Reset,
            true, None, Some("global_administrator across the directory allows it"),
        ),
        case(
            "multiple grants, all refuse: the most specific denial wins",
            vec![at(HA, AU_B), dir(PA)], vec![UA], vec![m_a()], Reset,
            false, d(Denial::TargetPrivileged), Some("the target is not a member of that location"),
        ),
        case(
            "helpdesk at other AU vs member of A",
            vec![at(HA, AU_B)], vec![], vec![m_a()], Reset,
            false, d(Denial::OutOfScope), Some("the target is not a member of that location"),
        ),
        case(
            "user admin at other restricted AU R2 vs member of R",
            vec![at(UA, AU_R2)], vec![], vec![m_r()], Reset,
            false, d(Denial::OutOfScope), None,
        ),
        case(
            "helpdesk at AU A vs member of A who holds password_administrator",
            vec![at(HA, AU_A)], vec![PA], vec![m_a()], Reset,
            false, d(Denial::TargetIsAdmin), None,
        ),
        case(
            "user admin at plain AU A vs member of A and restricted R",
            vec![at(UA, AU_A)], vec![], vec![m_a(), m_r()], Reset,
            false, d(Denial::RestrictedUnit), None,
        ),
        case(
            "user admin at restricted R vs member of A and R",
            vec![at(UA, AU_R)], vec![], vec![m_a(), m_r()], Reset,
            true, None, None,
        ),
        case(
            "authentication admin at directory vs password admin: phone",
            vec![dir(AA)], vec![PA], vec![], Phone,
            true, None, None,
        ),
        case(
            "authentication admin at directory vs helpdesk admin: phone",
            vec![dir(AA)], vec![HA], vec![], Phone,
            false, d(Denial::TargetPrivileged),
            Some("target holds helpdesk_administrator, which authentication_administrator may not manage phone methods for"),
        ),
        case(
            "authentication admin at restricted R vs non-admin member of R: phone",
            vec![at(AA, AU_R)], vec![], vec![m_r()], Phone,
            true, None, None,
        ),
        case(
            "helpdesk at directory vs non-admin: phone",
            vec![dir(HA)], vec![], vec![], Phone,
            false, d(Denial::RoleNotPermitted), None,
        ),
        case(
            "user admin at directory vs non-admin: phone",
            vec![dir(UA)], vec![], vec![m_a()], Phone,
            false, d(Denial::RoleNotPermitted), None,
        ),
        case(
            "privileged auth admin at directory vs global admin: reset",
            vec![dir(PAA)], vec![GA], vec![], Reset,
            true, None, None,
        ),
        case(
            "privileged auth admin at directory vs global admin: phone",
            vec![dir(PAA)], vec![GA, PAA], vec![m_a()], Phone,
            true, None, None,
        ),
        case(
            "privileged auth admin at directory vs non-admin: manage directory",
            vec![dir(PAA)], vec![], vec![], Dir,
            false, d(Denial::RoleNotPermitted), Some("this role cannot edit directory records"),
        ),
        case(
            "user admin at directory vs global admin: reset",
            vec![dir(UA)], vec![GA], vec![], Reset,
            false, d(Denial::TargetPrivileged),
            Some("target holds global_administrator, which user_administrator may not reset"),
        ),
        case(
            "user admin at directory vs helpdesk + password admin: reset",
            vec![dir(UA)], vec![HA, PA], vec![m_a()], Reset,
            true, None, None,
        ),
        case(
            "user admin at directory vs helpdesk + authentication admin: reset",
            vec![dir(UA)], vec![HA, AA], vec![], Reset,
            false, d(Denial::TargetPrivileged),
            Some("target holds authentication_administrator, which user_administrator may not reset"),
        ),
        case(
            "user admin at directory vs non-admin: manage directory",
            vec![dir(UA)], vec![], vec![m_a()], Dir,
            true, None, Some("user_administrator across the directory allows it"),
        ),
        case(
            "user admin at directory vs global admin: manage directory",
            vec![dir(UA)], vec![GA], vec![], Dir,
            false, d(Denial::TargetPrivileged),
            Some("target holds global_administrator, which user_administrator may not edit"),
        ),
        case(
            "global admin at directory vs user admin: manage directory",
            vec![dir(GA)], vec![UA], vec![], Dir,
            true, None, None,
        ),
        case(
            "user admin at plain AU A vs non-admin member of A: manage directory",
            vec![at(UA, AU_A)], vec![], vec![m_a()], Dir,
            false, d(Denial::RoleNotPermitted), Some("directory changes need a directory-wide role"),
        ),
        case(
            "user admin at directory vs member of restricted R: manage directory",
            vec![dir(UA)], vec![], vec![m_r()], Dir,
            false, d(Denial::RestrictedUnit), None,
        ),
        case(
            "helpdesk at restricted R vs member of R: manage directory",
            vec![at(HA, AU_R)], vec![], vec![m_r()], Dir,
            false, d(Denial::RoleNotPermitted), None,
        ),
        case(
            "password admin at other AU may still read anyone, even in a restricted AU",
            vec![at(PA, AU_B)], vec![GA], vec![m_r()], Read,
            true, None, Some("every admin may read profiles"),
        ),
        Case {
            self_target: true,
            ..case(
                "global admin resetting their own password",
                vec![dir(GA)], vec![GA], vec![], Reset,
                false, d(Denial::SelfAction), Some("you cannot reset your own password here"),
            )
        },
        Case {
            self_target: true,
            ..case(
                "global admin managing their own phone methods",
                vec![dir(GA)], vec![GA], vec![], Phone,
                false, d(Denial::SelfAction),
                Some("admins cannot use admin actions on their own account"),
            )
        },
        Case {
            self_target: true,
            ..case(
                "an admin may read their own profile",
                vec![at(HA, AU_A)], vec![HA], vec![m_a()], Read,
                true, None, None,
            )
        },
    ]
}

#[test]
fn named_cases_have_literal_outcomes() {
    let cases = named_cases();
    assert!(cases.len() >= 25);
    for c in cases {
        let actor = Actor {
            user_id: ACTOR,
            grants: &c.grants,
        };
        let target = Target {
            user_id: if c.self_target { ACTOR } else { OTHER_USER },
            roles: &c.target_roles,
            memberships: &c.memberships,
        };
        let d = decide(c.action, actor, target);
        assert_eq!(d.allowed, c.allowed, "{}: {d:?}", c.name);
        assert_eq!(d.action, c.action, "{}", c.name);
        assert_eq!(d.denial, c.denial, "{}: {d:?}", c.name);
        assert!(!d.reasons.is_empty(), "{}", c.name);
        if let Some(reason) = c.reason {
            assert!(
                d.reasons.iter().any(|r| r.contains(reason)),
                "{}: no reason contains {reason:?}: {:?}",
                c.name,
                d.reasons
            );
        }
        // The oracle agrees with every hand-written case too.
        assert_eq!(
            oracle_allowed(
                c.action,
                ACTOR,
                &c.grants,
                target.user_id,
                &c.target_roles,
                &c.memberships
            ),
            c.allowed,
            "oracle disagrees on {}",
            c.name
        );
    }
}

#[test]
fn denial_codes_are_stable() {
    let codes = [
        (Denial::NoAdminRole, "no_admin_role"),
        (Denial::RoleNotPermitted, "role_not_permitted"),
        (Denial::OutOfScope, "target_out_of_scope"),
        (Denial::RestrictedUnit, "target_in_restricted_unit"),
        (Denial::TargetIsAdmin, "target_is_admin"),
        (Denial::TargetPrivileged, "target_privileged"),
        (Denial::SelfAction, "self_action"),
    ];
    for (denial, code) in codes {
        assert_eq!(denial.code().as_str(), code);
    }
    assert_eq!(MyStaffBlock::NoAdminRole.code().as_str(), "no_admin_role");
    assert_eq!(
        MyStaffBlock::MyStaffNotEnabled.code().as_str(),
        "my_staff_not_enabled"
    );
}

#[test]
fn reasons_list_each_refusing_grant_once() {
    // Two identical refusing grants produce one reason; two different ones, two.
    let grants = [dir(HA), dir(HA), dir(PA)];
    let roles = [UA];
    let d = decide(
        Action::ResetPassword,
        Actor {
            user_id: ACTOR,
            grants: &grants,
        },
        Target {
            user_id: OTHER_USER,
            roles: &roles,
            memberships: &[],
        },
    );
    assert!(!d.allowed);
    assert_eq!(
        d.reasons,
        vec![
            "target holds user_administrator, which helpdesk_administrator may not reset"
                .to_owned(),
            "target holds user_administrator, which password_administrator may not reset"
                .to_owned(),
        ]
    );
}

// ---------------------------------------------------------------------------
// Directory, role-assignment and membership management
// ---------------------------------------------------------------------------

#[test]
fn may_manage_directory_table() {
    let cases: Vec<(&str, Vec<Grant>, bool)> = vec![
        ("no grants", vec![], false),
        ("GA@directory", vec![dir(GA)], true),
        ("UA@directory", vec![dir(UA)], true),
        ("PAA@directory", vec![dir(PAA)], false),
        ("AA@directory", vec![dir(AA)], false),
        ("HA@directory", vec![dir(HA)], false),
        ("PA@directory", vec![dir(PA)], false),
        ("UA@AU A", vec![at(UA, AU_A)], false),
        ("UA@restricted R", vec![at(UA, AU_R)], false),
        ("HA@directory + UA@AU A", vec![dir(HA), at(UA, AU_A)], false),
        ("HA@directory + UA@directory", vec![dir(HA), dir(UA)], true),
        (
            "every AU-scoped role at A",
            vec![at(UA, AU_A), at(AA, AU_A), at(HA, AU_A), at(PA, AU_A)],
            false,
        ),
    ];
    for (name, grants, expected) in cases {
        assert_eq!(may_manage_directory(&grants), expected, "{name}");
    }
}

#[test]
fn may_manage_role_assignments_table() {
    let cases: Vec<(&str, Vec<Grant>, bool)> = vec![
        ("no grants", vec![], false),
        ("GA@directory", vec![dir(GA)], true),
        ("UA@directory", vec![dir(UA)], false),
        ("PAA@directory", vec![dir(PAA)], false),
        ("AA@directory", vec![dir(AA)], false),
        ("HA@directory", vec![dir(HA)], false),
        ("PA@directory", vec![dir(PA)], false),
        ("UA@restricted R", vec![at(UA, AU_R)], false),
        ("PA@A + GA@directory", vec![at(PA, AU_A), dir(GA)], true),
        (
            "every non-GA role at directory",
            vec![dir(PAA), dir(UA), dir(AA), dir(HA), dir(PA)],
            false,
        ),
    ];
    for (name, grants, expected) in cases {
        assert_eq!(may_manage_role_assignments(&grants), expected, "{name}");
    }
}

#[test]
fn may_manage_membership_table() {
    // (name, grants, unit, restricted, expected)
    let cases: Vec<(&str, Vec<Grant>, Uuid, bool, bool)> = vec![
        // Non-restricted AU: directory-scoped GA/UA only.
        ("plain: no grants", vec![], AU_A, false, false),
        ("plain: GA@directory", vec![dir(GA)], AU_A, false, true),
        ("plain: UA@directory", vec![dir(UA)], AU_A, false, true),
        ("plain: PAA@directory", vec![dir(PAA)], AU_A, false, false),
        ("plain: HA@directory", vec![dir(HA)], AU_A, false, false),
        ("plain: UA@that AU", vec![at(UA, AU_A)], AU_A, false, false),
        ("plain: UA@other AU", vec![at(UA, AU_B)], AU_A, false, false),
        // Restricted AU: only user/global admins assigned at that AU.
        ("restricted: GA@directory", vec![dir(GA)], AU_R, true, false),
        ("restricted: UA@directory", vec![dir(UA)], AU_R, true, false),
        (
            "restricted: UA@that AU",
            vec![at(UA, AU_R)],
            AU_R,
            true,
            true,
        ),
        (
            "restricted: UA@other restricted AU",
            vec![at(UA, AU_R2)],
            AU_R,
            true,
            false,
        ),
        (
            "restricted: UA@plain AU",
            vec![at(UA, AU_A)],
            AU_R,
            true,
            false,
        ),
        (
            "restricted: HA@that AU",
            vec![at(HA, AU_R)],
            AU_R,
            true,
            false,
        ),
        (
            "restricted: AA@that AU",
            vec![at(AA, AU_R)],
            AU_R,
            true,
            false,
        ),
        (
            "restricted: PA@that AU",
            vec![at(PA, AU_R)],
            AU_R,
            true,
            false,
        ),
        (
            "restricted: GA@directory + UA@that AU",
            vec![dir(GA), at(UA, AU_R)],
            AU_R,
            true,
            true,
        ),
        ("restricted: no grants", vec![], AU_R, true, false),
    ];
    for (name, grants, unit, is_restricted, expected) in cases {
        assert_eq!(
            may_manage_membership(&grants, unit, is_restricted),
            expected,
            "{name}"
        );
    }
}

#[test]
fn scope_allowed_for_role_table() {
    let au_scope = au(AU_A);
    let cases = [
        (GA, Scope::Directory, true),
        (GA, au_scope, false),
        (PAA, Scope::Directory, true),
        (PAA, au_scope, false),
        (UA, Scope::Directory, true),
        (UA, au_scope, true),
        (AA, Scope::Directory, true),
        (AA, au_scope, true),
        (HA, Scope::Directory, true),
        (HA, au_scope, true),
        (PA, Scope::Directory, true),
        (PA, au_scope, true),
    ];
    for (role, scope, expected) in cases {
        assert_eq!(
            scope_allowed_for_role(role, &scope),
            expected,
            "{role} at {scope}"
        );
    }
    // A restricted AU is still an AU scope.
    assert!(!scope_allowed_for_role(GA, &au(AU_R)));
    assert!(scope_allowed_for_role(UA, &au(AU_R)));
}

#[test]
fn my_staff_gate_table() {
    let me = Uuid::from_u128(1);
    let someone_else = Uuid::from_u128(2);
    let listed = [someone_else, me];
    let not_listed = [someone_else];
    let empty: [Uuid; 0] = [];
    let not_enabled = Err(MyStaffBlock::MyStaffNotEnabled);
    let no_role = Err(MyStaffBlock::NoAdminRole);
    // (access, holds role, selected list, expected)
    type Row<'a> = (MyStaffAccess, bool, &'a [Uuid], Result<(), MyStaffBlock>);
    let cases: Vec<Row<'_>> = vec![
        (MyStaffAccess::All, true, &listed, Ok(())),
        (MyStaffAccess::All, true, &not_listed, Ok(())),
        (MyStaffAccess::All, true, &empty, Ok(())),
        (MyStaffAccess::All, false, &listed, no_role),
        (MyStaffAccess::All, false, &not_listed, no_role),
        (MyStaffAccess::Selected, true, &listed, Ok(())),
        (MyStaffAccess::Selected, true, &not_listed, not_enabled),
        (MyStaffAccess::Selected, true, &empty, not_enabled),
        (MyStaffAccess::Selected, false, &listed, no_role),
        (MyStaffAccess::Selected, false, &not_listed, no_role),
        (MyStaffAccess::None, true, &listed, not_enabled),
        (MyStaffAccess::None, true, &not_listed, not_enabled),
        (MyStaffAccess::None, false, &listed, no_role),
        (MyStaffAccess::None, false, &not_listed, no_role),
    ];
    for (access, holds_role, selected, expected) in cases {
        assert_eq!(
            my_staff_gate(me, holds_role, access, selected),
            expected,
            "{access:?}, holds role: {holds_role}, listed: {}",
            selected.contains(&me)
        );
    }
    assert_eq!(MyStaffAccess::default(), MyStaffAccess::All);
}

/// The step-up of issue 13: what hands someone's account over, or changes how they
/// prove who they are, needs a recent sign-in; reading, editing the record, ending
/// sessions and unlocking do not.
#[test]
fn sensitive_actions_need_a_recent_sign_in_and_the_others_do_not() {
    let sensitive: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| a.needs_recent_sign_in())
        .collect();
    assert_eq!(
        sensitive,
        [
            Action::ResetPassword,
            Action::ManagePhoneMethods,
            Action::RequireReregistration,
            Action::IssueTemporaryAccessPass,
            Action::ManageBadges,
        ]
    );
}
