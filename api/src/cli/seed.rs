//! Sample data and the first administrator, written through the store with audit
//! events (surface `cli`) like any other change.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::{Hasher, Secret};
use crate::domain::{check_cloud_password, DisplayName, UserPrincipalName};
use crate::service::new_user::{insert_new_user, FirstPassword, NewUserDraft, RawUser};
use crate::state::ClockAndIds;
use crate::store::{Store, StoreError, Tx};
use crate::time::Micros;
use anyhow::Context;
use shared::audit::Activity;
use shared::dto::UserSource;
use shared::{Role, Scope, UnitId, UserId};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "OpenStaff-Demo-2026!";

/// The command line as the author of a change: its audit initiator, and where "now"
/// and new ids come from.
struct Writer<'a> {
    who: Initiator,
    time: &'a ClockAndIds,
}

impl<'a> Writer<'a> {
    fn new(time: &'a ClockAndIds) -> Self {
        Writer {
            who: Initiator::cli(&*time.ids),
            time,
        }
    }

    async fn record(&self, tx: &mut Tx, now: Micros, event: Event) -> anyhow::Result<()> {
        audit::record(tx, &self.who, now, &*self.time.ids, event).await?;
        Ok(())
    }
}

struct Person<'a> {
    upn: &'a str,
    name: &'a str,
    job: &'a str,
    dept: &'a str,
    source: UserSource,
}

async fn add_user(
    tx: &mut Tx,
    who: &Writer<'_>,
    p: &Person<'_>,
    hash: &str,
) -> anyhow::Result<UserId> {
    let draft = NewUserDraft::parse(
        RawUser {
            user_principal_name: p.upn,
            display_name: p.name,
            mail: Some(p.upn),
            job_title: Some(p.job),
            department: Some(p.dept),
        },
        p.source,
        true,
    )
    .map_err(|errors| {
        let msgs: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        anyhow::anyhow!("{}: {}", p.upn, msgs.join(" "))
    })?;
    let id = UserId::from(who.time.ids.new_id());
    insert_new_user(
        tx,
        &who.who,
        who.time.now(),
        &*who.time.ids,
        id,
        &draft,
        FirstPassword::Chosen { hash },
        &[],
        &[],
    )
    .await?;
    Ok(id)
}

async fn add_unit(
    tx: &mut Tx,
    who: &Writer<'_>,
    name: &str,
    desc: &str,
    restricted: bool,
) -> anyhow::Result<UnitId> {
    let id = UnitId::from(who.time.ids.new_id());
    let now = who.time.now();
    crate::store::units::insert_unit(tx, id, name, Some(desc), restricted, now).await?;
    who.record(
        tx,
        now,
        Event::success(Activity::CreateAdministrativeUnit)
            .target(TargetResource::unit(id, name).with(
                "restricted",
                None,
                Some(restricted.to_string()),
            ))
            .units([id]),
    )
    .await?;
    Ok(id)
}

async fn add_member(
    tx: &mut Tx,
    who: &Writer<'_>,
    unit: UnitId,
    user: UserId,
) -> anyhow::Result<()> {
    let now = who.time.now();
    crate::store::membership::add_member(tx, unit, user, now).await?;
    who.record(
        tx,
        now,
        Event::success(Activity::AddMemberToAdministrativeUnit)
            .target(TargetResource::unit(unit, &unit.to_string()))
            .target(TargetResource::user(user, &user.to_string()))
            .units([unit]),
    )
    .await?;
    Ok(())
}

async fn assign(
    tx: &mut Tx,
    who: &Writer<'_>,
    user: UserId,
    role: Role,
    scope: Scope,
) -> anyhow::Result<()> {
    let now = who.time.now();
    crate::store::role_assignments::insert_assignment(
        tx,
        who.time.ids.new_id().into(),
        user,
        role,
        &scope,
        now,
    )
    .await?;
    who.record(
        tx,
        now,
        Event::success(Activity::AddScopedRoleMember)
            .target(
                TargetResource::user(user, &user.to_string())
                    .with("role", None, Some(role.id().to_owned()))
                    .with("scope", None, Some(scope.to_storage())),
            )
            .units(scope.unit_id().map(UnitId::from)),
    )
    .await?;
    Ok(())
}

/// Creates a Global Administrator; `check_policy` applies the password policy to a
/// typed password (generated ones are strong by construction).
pub async fn create_admin(
    store: &Store,
    time: &ClockAndIds,
    upn: &str,
    display_name: Option<&str>,
    password: &Secret,
    check_policy: bool,
) -> anyhow::Result<()> {
    let upn = UserPrincipalName::parse(upn).map_err(|e| anyhow::anyhow!(e.message))?;
    let default_name = upn
        .as_str()
        .split('@')
        .next()
        .unwrap_or("Administrator")
        .to_owned();
    let name = DisplayName::parse(display_name.unwrap_or(&default_name))
        .map_err(|e| anyhow::anyhow!(e.message))?;
    if check_policy {
        let policy = crate::config::PolicyConfig::default().cloud();
        let errors = check_cloud_password(
            &policy,
            "password",
            password.expose(),
            upn.as_str(),
            name.as_str(),
        );
        if !errors.is_empty() {
            let msgs: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            anyhow::bail!("the password does not meet the policy: {}", msgs.join(" "));
        }
    }
    let hash = Hasher::new()?.hash(password).await?;
    let who = Writer::new(time);
    let mut tx = store.begin().await?;
    let person = Person {
        upn: upn.as_str(),
        name: name.as_str(),
        job: "Administrator",
        dept: "IT",
        source: UserSource::Cloud,
    };
    let id = match add_user(&mut tx, &who, &person, &hash).await {
        Err(e) if matches!(e.downcast_ref::<StoreError>(), Some(StoreError::Conflict)) => {
            anyhow::bail!("a user already signs in as {}", upn.as_str())
        }
        other => other?,
    };
    assign(
        &mut tx,
        &who,
        id,
        Role::GlobalAdministrator,
        Scope::Directory,
    )
    .await?;
    tx.commit().await.context("saving the administrator")?;
    Ok(())
}

const STORES: [(&str, &str); 4] = [
    ("Store 012 · Lyon Part-Dieu", "Flagship store, Lyon"),
    ("Store 027 · Paris Bastille", "City store, Paris 11e"),
    (
        "Store 031 · Marseille Vieux-Port",
        "Harbour store, Marseille",
    ),
    ("Store 044 · Lille Flandres", "Station store, Lille"),
];

const STAFF: [(&str, &str, &str); 24] = [
    ("Léa", "Martin", "Sales Associate"),
    ("Hugo", "Bernard", "Cashier"),
    ("Chloé", "Dubois", "Stock Clerk"),
    ("Lucas", "Thomas", "Sales Associate"),
    ("Emma", "Robert", "Visual Merchandiser"),
    ("Nathan", "Richard", "Cashier"),
    ("Manon", "Petit", "Sales Associate"),
    ("Louis", "Durand", "Stock Clerk"),
    ("Camille", "Leroy", "Cashier"),
    ("Jules", "Moreau", "Sales Associate"),
    ("Inès", "Simon", "Customer Service"),
    ("Gabriel", "Laurent", "Stock Clerk"),
    ("Sarah", "Lefebvre", "Cashier"),
    ("Adam", "Michel", "Sales Associate"),
    ("Jade", "Garcia", "Customer Service"),
    ("Raphaël", "David", "Stock Clerk"),
    ("Zoé", "Bertrand", "Cashier"),
    ("Arthur", "Roux", "Sales Associate"),
    ("Alice", "Vincent", "Customer Service"),
    ("Tom", "Fournier", "Stock Clerk"),
    ("Lina", "Morel", "Cashier"),
    ("Noah", "Girard", "Sales Associate"),
    ("Eva", "Andre", "Visual Merchandiser"),
    ("Paul", "Mercier", "Cashier"),
];

pub(crate) fn ascii_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'É' => 'e',
            'ë' => 'e',
            'ï' | 'î' => 'i',
            'ô' => 'o',
            'ç' => 'c',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// Loads the demo retail chain.
pub async fn demo(store: &Store, time: &ClockAndIds, if_empty: bool) -> anyhow::Result<()> {
    if crate::store::users::count_users(store.reader()).await? > 0 {
        if if_empty {
            eprintln!("The directory already has users; demo data not loaded.");
            return Ok(());
        }
        anyhow::bail!("the directory already has users; seed demo only loads into an empty one");
    }
    let hash = Hasher::new()?.hash(&Secret::new(DEMO_PASSWORD)).await?;
    let who = Writer::new(time);
    let mut tx = store.begin().await?;
    let mut stores = Vec::new();
    for (name, desc) in STORES {
        stores.push(add_unit(&mut tx, &who, name, desc, false).await?);
    }
    let region = add_unit(
        &mut tx,
        &who,
        "South-East Region",
        "Regional office, Lyon and Marseille",
        false,
    )
    .await?;
    let exec = add_unit(
        &mut tx,
        &who,
        "Executive Office",
        "Board and executive assistants (restricted)",
        true,
    )
    .await?;

    let p = |upn, name, job, dept| Person {
        upn,
        name,
        job,
        dept,
        source: UserSource::Cloud,
    };
    let admin = add_user(
        &mut tx,
        &who,
        &p(
            "admin@contoso.example",
            "Avery Admin",
            "IT Administrator",
            "IT",
        ),
        &hash,
    )
    .await?;
    assign(
        &mut tx,
        &who,
        admin,
        Role::GlobalAdministrator,
        Scope::Directory,
    )
    .await?;
    let ursula = add_user(
        &mut tx,
        &who,
        &p(
            "ursula.novak@contoso.example",
            "Ursula Novak",
            "HR Systems Lead",
            "HR",
        ),
        &hash,
    )
    .await?;
    assign(
        &mut tx,
        &who,
        ursula,
        Role::UserAdministrator,
        Scope::Directory,
    )
    .await?;
    let hannah = add_user(
        &mut tx,
        &who,
        &p(
            "hannah.lee@contoso.example",
            "Hannah Lee",
            "Service Desk Agent",
            "IT",
        ),
        &hash,
    )
    .await?;
    assign(
        &mut tx,
        &who,
        hannah,
        Role::HelpdeskAdministrator,
        Scope::Directory,
    )
    .await?;

    // Maria runs two stores: passwords and sign-in phone numbers.
    let maria = add_user(
        &mut tx,
        &who,
        &p(
            "maria.garcia@contoso.example",
            "Maria Garcia",
            "Store Manager",
            "Retail",
        ),
        &hash,
    )
    .await?;
    for unit in [&stores[0], &stores[1]] {
        assign(
            &mut tx,
            &who,
            maria,
            Role::AuthenticationAdministrator,
            Scope::AdministrativeUnit { id: unit.uuid() },
        )
        .await?;
        add_member(&mut tx, &who, *unit, maria).await?;
    }
    // Tom is a shift lead who may only reset passwords in one store.
    let tom = add_user(
        &mut tx,
        &who,
        &p(
            "tom.becker@contoso.example",
            "Tom Becker",
            "Shift Lead",
            "Retail",
        ),
        &hash,
    )
    .await?;
    assign(
        &mut tx,
        &who,
        tom,
        Role::PasswordAdministrator,
        Scope::AdministrativeUnit {
            id: stores[1].uuid(),
        },
    )
    .await?;
    add_member(&mut tx, &who, stores[1], tom).await?;
    // Omar manages the region with helpdesk rights.
    let omar = add_user(
        &mut tx,
        &who,
        &p(
            "omar.haddad@contoso.example",
            "Omar Haddad",
            "Regional Manager",
            "Retail",
        ),
        &hash,
    )
    .await?;
    assign(
        &mut tx,
        &who,
        omar,
        Role::HelpdeskAdministrator,
        Scope::AdministrativeUnit { id: region.uuid() },
    )
    .await?;
    add_member(&mut tx, &who, region, omar).await?;
    // Priya looks after the restricted executive office.
    let priya = add_user(
        &mut tx,
        &who,
        &p(
            "priya.shah@contoso.example",
            "Priya Shah",
            "Executive Assistant Lead",
            "Executive",
        ),
        &hash,
    )
    .await?;
    let exec_scope = Scope::AdministrativeUnit { id: exec.uuid() };
    assign(&mut tx, &who, priya, Role::UserAdministrator, exec_scope).await?;
    assign(
        &mut tx,
        &who,
        priya,
        Role::AuthenticationAdministrator,
        exec_scope,
    )
    .await?;

    for (i, (first, last, job)) in STAFF.iter().enumerate() {
        let upn = format!(
            "{}.{}@contoso.example",
            ascii_lower(first),
            ascii_lower(last)
        );
        let name = format!("{first} {last}");
        let source = if i % 5 == 4 {
            UserSource::OnPremises
        } else {
            UserSource::Cloud
        };
        let person = Person {
            upn: &upn,
            name: &name,
            job,
            dept: "Retail",
            source,
        };
        let id = add_user(&mut tx, &who, &person, &hash).await?;
        add_member(&mut tx, &who, stores[i % stores.len()], id).await?;
        if i % 4 == 0 {
            add_member(&mut tx, &who, region, id).await?;
        }
    }
    for (upn, name, job) in [
        (
            "victor.lambert@contoso.example",
            "Victor Lambert",
            "Chief Executive Officer",
        ),
        (
            "claire.fontaine@contoso.example",
            "Claire Fontaine",
            "Executive Assistant",
        ),
    ] {
        let id = add_user(&mut tx, &who, &p(upn, name, job, "Executive"), &hash).await?;
        add_member(&mut tx, &who, exec, id).await?;
    }
    // Someone with no admin role at all.
    add_user(
        &mut tx,
        &who,
        &p(
            "sam.taylor@contoso.example",
            "Sam Taylor",
            "Sales Associate",
            "Retail",
        ),
        &hash,
    )
    .await?;
    tx.commit().await.context("saving demo data")?;
    eprintln!("Demo organisation loaded. Sign in as admin@contoso.example (Global Administrator),");
    eprintln!(
        "maria.garcia@contoso.example (store manager) or tom.becker@contoso.example (shift lead),"
    );
    eprintln!("all with the password {DEMO_PASSWORD}");
    Ok(())
}
