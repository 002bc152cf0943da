//! `GET /users/{id}/access` over the whole role matrix, against an oracle written
//! here straight from SPEC section 2 (not from `shared::rules`).
//!
//! One organisation: plain locations A and B, restricted location R. Actors: one
//! tenant-wide actor per role, and for each location-capable role one actor scoped
//! at A (a member of A) and one scoped at R (a member of R). Targets: non-admins in
//! A, B, R, A+R and nowhere; admins in A holding each role (and two role mixes);
//! the bootstrap Global Administrator; and every actor (self-actions included).

use crate::helpers::{assert_problem, json_with, TestApp, USER_PASSWORD};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Global,
    PrivAuth,
    User,
    Auth,
    Helpdesk,
    Password,
}

use Role::*;

impl Role {
    const ALL: [Role; 6] = [Global, PrivAuth, User, Auth, Helpdesk, Password];
    const LOCATION_CAPABLE: [Role; 4] = [User, Auth, Helpdesk, Password];

    fn id(self) -> &'static str {
        match self {
            Global => "global_administrator",
            PrivAuth => "privileged_authentication_administrator",
            User => "user_administrator",
            Auth => "authentication_administrator",
            Helpdesk => "helpdesk_administrator",
            Password => "password_administrator",
        }
    }

    /// SPEC section 2: "may reset targets whose roles are all within".
    fn resettable(self) -> &'static [Role] {
        match self {
            Password => &[Password],
            Helpdesk => &[Helpdesk, Password],
            Auth => &[Auth, Password],
            User => &[User, Helpdesk, Password],
            PrivAuth | Global => &Role::ALL,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Unit {
    A,
    B,
    R,
}

impl Unit {
    fn restricted(self) -> bool {
        self == Unit::R
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Directory,
    At(Unit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Action {
    Read,
    Reset,
    Phone,
    Directory,
    RevokeSessions,
    Unlock,
    Reregister,
    Pass,
    Badges,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::Read,
        Action::Reset,
        Action::Phone,
        Action::Directory,
        Action::RevokeSessions,
        Action::Unlock,
        Action::Reregister,
        Action::Pass,
        Action::Badges,
    ];

    fn id(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Reset => "reset_password",
            Action::Phone => "manage_phone_methods",
            Action::Directory => "manage_directory",
            Action::RevokeSessions => "revoke_sessions",
            Action::Unlock => "unlock_account",
            Action::Reregister => "require_reregistration",
            Action::Pass => "issue_temporary_access_pass",
            Action::Badges => "manage_badges",
        }
    }
}

#[derive(Debug, Clone)]
struct Person {
    name: String,
    id: String,
    grants: Vec<(Role, Scope)>,
    units: Vec<Unit>,
}

/// SPEC section 2, written out independently of the server's rules.
fn oracle(action: Action, actor: &Person, target: &Person) -> bool {
    if actor.grants.is_empty() {
        return false;
    }
    if action == Action::Read {
        // "any user who may use the manager surface can ... open any profile"
        return true;
    }
    // Condition 5.
    if actor.id == target.id {
        return false;
    }
    let target_roles: Vec<Role> = target.grants.iter().map(|g| g.0).collect();
    let restricted: Vec<Unit> = target
        .units
        .iter()
        .copied()
        .filter(|u| u.restricted())
        .collect();
    let at_targets_restricted_unit =
        |scope: Scope| matches!(scope, Scope::At(u) if restricted.contains(&u));
    actor.grants.iter().any(|&(role, scope)| {
        let role_can = match action {
            Action::Read => true,
            Action::Reset => true,
            // Issue 13: re-registration and passes follow the phone-method rules;
            // revoking sessions and unlocking the reset rules without password
            // administrators (as Entra's Helpdesk and Password Administrators).
            Action::Phone | Action::Reregister | Action::Pass | Action::Badges => {
                matches!(role, Auth | PrivAuth | Global)
            }
            Action::RevokeSessions | Action::Unlock => role != Password,
            Action::Directory => matches!(role, Global | User),
        };
        // 1. the scope covers the target.
        let covers = match scope {
            Scope::Directory => true,
            Scope::At(u) => target.units.contains(&u),
        };
        // 2. every role the target holds is in the resettable set.
        let within = target_roles.iter().all(|t| role.resettable().contains(t));
        // 3. location-scoped admins act on non-admins only.
        let non_admin = scope == Scope::Directory || target_roles.is_empty();
        // 4. a member of a restricted location: only that location's scope.
        let restricted_ok = restricted.is_empty() || at_targets_restricted_unit(scope);
        // Directory edits: tenant-wide, or at the target's own restricted location.
        let directory_ok = action != Action::Directory
            || scope == Scope::Directory
            || at_targets_restricted_unit(scope);
        role_can && covers && within && non_admin && restricted_ok && directory_ok
    })
}

struct Org {
    app: TestApp,
    actors: Vec<Person>,
    targets: Vec<Person>,
    tokens: HashMap<String, String>,
}

impl Org {
    fn actor(&self, name: &str) -> &Person {
        self.actors
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no actor {name}"))
    }

    fn target(&self, name: &str) -> &Person {
        self.targets
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no target {name}"))
    }

    async fn explain(&self, actor: &Person, target: &Person, action: &str) -> Value {
        let resp = self
            .app
            .get(
                &format!("/api/v1/users/{}/access?action={action}", target.id),
                &self.tokens[&actor.id],
            )
            .await;
        json_with(resp, 200).await
    }
}

fn dir_actor(role: Role) -> String {
    format!("dir-{}", role.id())
}

fn unit_actor(role: Role, unit: Unit) -> String {
    format!("{unit:?}-{}", role.id()).to_lowercase()
}

/// (name, grants, locations, is an actor)
type Planned = (String, Vec<(Role, Scope)>, Vec<Unit>, bool);

/// Builds the organisation through the API and signs every actor in once.
async fn build_org() -> Org {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut unit_ids = HashMap::new();
    unit_ids.insert(Unit::A, app.create_unit(&admin, "Unit A", false).await);
    unit_ids.insert(Unit::B, app.create_unit(&admin, "Unit B", false).await);
    unit_ids.insert(Unit::R, app.create_unit(&admin, "Unit R", true).await);

    // The first is the user administrator of R, whose token is needed to put
    // anyone into R.
    let mut plan: Vec<Planned> = vec![(
        unit_actor(User, Unit::R),
        vec![(User, Scope::At(Unit::R))],
        vec![Unit::R],
        true,
    )];
    for role in Role::ALL {
        plan.push((
            dir_actor(role),
            vec![(role, Scope::Directory)],
            vec![],
            true,
        ));
    }
    for role in Role::LOCATION_CAPABLE {
        for unit in [Unit::A, Unit::R] {
            if (role, unit) != (User, Unit::R) {
                plan.push((
                    unit_actor(role, unit),
                    vec![(role, Scope::At(unit))],
                    vec![unit],
                    true,
                ));
            }
        }
    }
    for (name, units) in [
        ("plain-a", vec![Unit::A]),
        ("plain-b", vec![Unit::B]),
        ("plain-r", vec![Unit::R]),
        ("plain-a-and-r", vec![Unit::A, Unit::R]),
        ("plain-nowhere", vec![]),
    ] {
        plan.push((name.to_owned(), vec![], units, false));
    }
    for role in Role::ALL {
        let scope = if role == Global || role == PrivAuth {
            Scope::Directory
        } else {
            Scope::At(Unit::B)
        };
        plan.push((
            format!("holder-{}", role.id()),
            vec![(role, scope)],
            vec![Unit::A],
            false,
        ));
    }
    plan.push((
        "holder-helpdesk-and-password".to_owned(),
        vec![
            (Helpdesk, Scope::At(Unit::B)),
            (Password, Scope::At(Unit::B)),
        ],
        vec![Unit::A],
        false,
    ));
    plan.push((
        "holder-user-and-auth".to_owned(),
        vec![(User, Scope::At(Unit::B)), (Auth, Scope::Directory)],
        vec![Unit::A],
        false,
    ));

    let mut tokens = HashMap::new();
    let mut actors = Vec::new();
    let mut targets = Vec::new();
    let mut r_admin: Option<String> = None;
    for (name, grants, units, is_actor) in plan {
        let upn = format!("{name}@contoso.example");
        let id = app.create_user(&admin, &upn, &name).await;
        for (role, scope) in &grants {
            let unit = match scope {
                Scope::Directory => None,
                Scope::At(u) => Some(unit_ids[u].as_str()),
            };
            app.assign(&admin, &id, role.id(), unit).await;
        }
        if r_admin.is_none() {
            r_admin = Some(app.token(&upn, USER_PASSWORD).await);
        }
        for unit in &units {
            let by = if unit.restricted() {
                r_admin.as_deref().unwrap()
            } else {
                admin.as_str()
            };
            app.add_member(by, &unit_ids[unit], &id).await;
        }
        let person = Person {
            name,
            id,
            grants,
            units,
        };
        if is_actor {
            let token = if actors.is_empty() {
                r_admin.clone().unwrap()
            } else {
                app.token(&upn, USER_PASSWORD).await
            };
            tokens.insert(person.id.clone(), token);
            actors.push(person.clone());
        }
        targets.push(person);
    }
    targets.push(Person {
        name: "bootstrap-admin".to_owned(),
        id: app.my_id(&admin).await,
        grants: vec![(Global, Scope::Directory)],
        units: vec![],
    });
    Org {
        app,
        actors,
        targets,
        tokens,
    }
}

#[test]
fn the_oracle_agrees_with_hand_worked_cases() {
    let p = |name: &str, grants: Vec<(Role, Scope)>, units: Vec<Unit>| Person {
        name: name.to_owned(),
        id: name.to_owned(),
        grants,
        units,
    };
    let plain_a = p("pa", vec![], vec![Unit::A]);
    let plain_r = p("pr", vec![], vec![Unit::R]);
    let plain_ar = p("par", vec![], vec![Unit::A, Unit::R]);
    let ua_holder = p("ua", vec![(User, Scope::At(Unit::B))], vec![Unit::A]);
    let auth_holder = p("au", vec![(Auth, Scope::Directory)], vec![]);
    let ga = p("ga", vec![(Global, Scope::Directory)], vec![]);
    let hd = p("hd", vec![(Helpdesk, Scope::Directory)], vec![]);
    let hd_a = p("hda", vec![(Helpdesk, Scope::At(Unit::A))], vec![Unit::A]);
    let ua_a = p("uaa", vec![(User, Scope::At(Unit::A))], vec![]);
    let ua_r = p("uar", vec![(User, Scope::At(Unit::R))], vec![]);
    let dir_ua = p("dua", vec![(User, Scope::Directory)], vec![]);
    let paa = p("paa", vec![(PrivAuth, Scope::Directory)], vec![]);
    use Action::*;
    let cases = [
        (Reset, &hd, &plain_a, true),
        (Reset, &hd, &ua_holder, false),
        (Reset, &dir_ua, &ua_holder, true),
        (Reset, &dir_ua, &auth_holder, false),
        (Reset, &ga, &plain_r, false),
        (Reset, &hd_a, &plain_a, true),
        (Reset, &hd_a, &plain_ar, false),
        (Reset, &hd_a, &ua_holder, false),
        (Reset, &ga, &ga, false),
        (Read, &ga, &ga, true),
        (Read, &hd_a, &plain_r, true),
        (Phone, &hd, &plain_a, false),
        (Phone, &paa, &ga, true),
        (Directory, &ua_a, &plain_a, false),
        (Directory, &ua_r, &plain_r, true),
        (Directory, &ua_r, &plain_ar, true),
        (Directory, &ga, &plain_ar, false),
        (Directory, &dir_ua, &ua_holder, true),
        (Directory, &paa, &plain_a, false),
    ];
    for (action, actor, target, want) in cases {
        assert_eq!(
            oracle(action, actor, target),
            want,
            "{action:?} {} -> {}",
            actor.name,
            target.name
        );
    }
}

#[tokio::test]
async fn explain_and_allowed_actions_follow_the_spec_over_the_whole_matrix() {
    let org = build_org().await;
    assert_eq!(org.actors.len(), 14);
    assert_eq!(org.targets.len(), 14 + 13 + 1);

    let jobs: Vec<(usize, usize, Action)> = (0..org.actors.len())
        .flat_map(|a| {
            (0..org.targets.len())
                .flat_map(move |t| Action::ALL.into_iter().map(move |x| (a, t, x)))
        })
        .collect();
    let total = jobs.len();
    let org_ref = &org;
    let decisions: Vec<(usize, usize, Action, Value)> = stream::iter(jobs)
        .map(|(a, t, action)| async move {
            let body = org_ref
                .explain(&org_ref.actors[a], &org_ref.targets[t], action.id())
                .await;
            (a, t, action, body)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert_eq!(decisions.len(), total);

    let mut failures = Vec::new();
    let mut allowed_by_server: HashMap<(usize, usize), Vec<Action>> = HashMap::new();
    let (mut allowed_count, mut denied_count) = (0, 0);
    for (a, t, action, body) in &decisions {
        let actor = &org.actors[*a];
        let target = &org.targets[*t];
        let want = oracle(*action, actor, target);
        let got = body["allowed"].as_bool().expect("allowed is a bool");
        let label = format!("{} -> {} [{}]", actor.name, target.name, action.id());
        if got != want {
            failures.push(format!("{label}: server {got}, spec {want}: {body}"));
        }
        if body["action"] != action.id() {
            failures.push(format!("{label}: action echoed as {}", body["action"]));
        }
        let reasons = body["reasons"].as_array().expect("reasons is a list");
        if reasons.is_empty()
            || reasons
                .iter()
                .any(|r| r.as_str().is_none_or(|s| s.trim().is_empty()))
        {
            failures.push(format!("{label}: empty reasons: {body}"));
        }
        if got {
            allowed_count += 1;
            allowed_by_server.entry((*a, *t)).or_default().push(*action);
            if body.get("denial").is_some_and(|d| !d.is_null()) {
                failures.push(format!("{label}: allowed but carries a denial: {body}"));
            }
        } else {
            denied_count += 1;
            if !body["denial"].is_string() {
                failures.push(format!("{label}: denied without a denial code: {body}"));
            }
        }
        if actor.id == target.id && *action != Action::Read && body["denial"] != "self_action" {
            failures.push(format!("{label}: self-action not flagged: {body}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} decisions disagree with SPEC section 2:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The matrix is not trivially all-allowed or all-denied.
    assert!(
        allowed_count > 200 && denied_count > 200,
        "{allowed_count} allowed, {denied_count} denied"
    );

    // allowed_actions on every profile equals the set of allowed decisions.
    let pairs: Vec<(usize, usize)> = (0..org.actors.len())
        .flat_map(|a| (0..org.targets.len()).map(move |t| (a, t)))
        .collect();
    let profiles: Vec<(usize, usize, Value)> = stream::iter(pairs)
        .map(|(a, t)| async move {
            let body = org_ref
                .app
                .get_ok(
                    &format!("/api/v1/users/{}", org_ref.targets[t].id),
                    &org_ref.tokens[&org_ref.actors[a].id],
                )
                .await;
            (a, t, body)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut failures = Vec::new();
    for (a, t, body) in &profiles {
        let actor = &org.actors[*a];
        let target = &org.targets[*t];
        let want: Vec<&str> = Action::ALL
            .into_iter()
            .filter(|x| oracle(*x, actor, target))
            .map(Action::id)
            .collect();
        let explained: Vec<&str> = Action::ALL
            .into_iter()
            .filter(|x| {
                allowed_by_server
                    .get(&(*a, *t))
                    .is_some_and(|v| v.contains(x))
            })
            .map(Action::id)
            .collect();
        let got: Vec<&str> = body["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if got != want || got != explained {
            failures.push(format!(
                "{} -> {}: allowed_actions {got:?}, spec {want:?}, explained {explained:?}",
                actor.name, target.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "access matrix: {total} decisions ({allowed_count} allowed, {denied_count} denied), {} profiles",
        profiles.len()
    );
}

#[tokio::test]
async fn explanations_name_the_reason_for_a_refusal() {
    let org = build_org().await;
    let app = &org.app;

    // The example of SPEC section 2.
    let body = org
        .explain(
            org.actor(&dir_actor(Helpdesk)),
            org.target("holder-user_administrator"),
            "reset_password",
        )
        .await;
    assert_eq!(body["allowed"], false);
    assert_eq!(body["action"], "reset_password");
    assert_eq!(body["denial"], "target_privileged");
    assert!(
        body["reasons"].as_array().unwrap().contains(&json!(
            "target holds user_administrator, which helpdesk_administrator may not reset"
        )),
        "{body}"
    );

    // Single-grant refusals, one per condition.
    let cases = [
        (
            unit_actor(Helpdesk, Unit::A),
            "plain-b",
            "reset_password",
            "target_out_of_scope",
        ),
        (
            unit_actor(Helpdesk, Unit::A),
            "plain-nowhere",
            "reset_password",
            "target_out_of_scope",
        ),
        (
            dir_actor(Global),
            "plain-r",
            "reset_password",
            "target_in_restricted_unit",
        ),
        (
            unit_actor(Helpdesk, Unit::A),
            "plain-a-and-r",
            "reset_password",
            "target_in_restricted_unit",
        ),
        (
            unit_actor(Helpdesk, Unit::A),
            "holder-password_administrator",
            "reset_password",
            "target_is_admin",
        ),
        (
            dir_actor(Password),
            "plain-a",
            "manage_phone_methods",
            "role_not_permitted",
        ),
        (
            dir_actor(Helpdesk),
            "plain-a",
            "manage_directory",
            "role_not_permitted",
        ),
        (
            unit_actor(User, Unit::A),
            "plain-a",
            "manage_directory",
            "role_not_permitted",
        ),
        (
            dir_actor(Auth),
            "holder-user_administrator",
            "manage_phone_methods",
            "target_privileged",
        ),
        (
            dir_actor(Global),
            &dir_actor(Global),
            "reset_password",
            "self_action",
        ),
        (
            unit_actor(Helpdesk, Unit::R),
            &unit_actor(Helpdesk, Unit::R),
            "reset_password",
            "self_action",
        ),
    ];
    for (actor, target, action, denial) in cases {
        let body = org
            .explain(org.actor(&actor), org.target(target), action)
            .await;
        assert_eq!(body["allowed"], false, "{actor} -> {target}: {body}");
        assert_eq!(body["denial"], denial, "{actor} -> {target}: {body}");
        assert!(!body["reasons"].as_array().unwrap().is_empty());
    }

    // An allowed decision names the grant that allows it.
    let body = org
        .explain(
            org.actor(&unit_actor(Helpdesk, Unit::R)),
            org.target("plain-r"),
            "reset_password",
        )
        .await;
    assert_eq!(body["allowed"], true, "{body}");
    assert_eq!(body.get("denial"), None, "{body}");
    let reasons = body["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0]
            .as_str()
            .unwrap()
            .contains("helpdesk_administrator"),
        "{body}"
    );

    // An unknown action is a validation error; unknown users are 404.
    let token = &org.tokens[&org.actor(&dir_actor(Global)).id];
    let target = &org.target("plain-a").id;
    let resp = app
        .get(
            &format!("/api/v1/users/{target}/access?action=delete_user"),
            token,
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "action", "{body}");
    let ghost = uuid::Uuid::now_v7();
    let resp = app
        .get(&format!("/api/v1/users/{ghost}/access?action=read"), token)
        .await;
    assert_problem(resp, 404, "not_found").await;
}
