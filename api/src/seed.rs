//! Sample data and the first administrator, written through the store with audit
//! events (surface `cli`) like any other change.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::{Hasher, Secret};
use crate::domain::{check_cloud_password, DisplayName, UserPrincipalName};
use crate::store::directory::{self as db, NewUser};
use crate::store::{Store, StoreError, Tx};
use anyhow::Context;
use shared::dto::UserSource;
use shared::{Role, Scope};
use uuid::Uuid;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "OpenStaff-Demo-2026!";

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
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
    who: &Initiator,
    p: &Person<'_>,
    hash: &str,
) -> anyhow::Result<String> {
    let id = Uuid::now_v7().to_string();
    let now = now_us();
    db::insert_user(
        tx,
        &NewUser {
            id: &id,
            user_principal_name: p.upn,
            display_name: p.name,
            mail: Some(p.upn),
            job_title: Some(p.job),
            department: Some(p.dept),
            account_enabled: true,
            source: p.source,
            password_hash: hash,
            force_password_change: false,
            now,
        },
    )
    .await?;
    audit::record(
        tx,
        who,
        now,
        Event::success("Create user", "UserManagement").target(
            TargetResource::user(&id, p.name).with(
                "user_principal_name",
                None,
                Some(p.upn.to_owned()),
            ),
        ),
    )
    .await?;
    Ok(id)
}

async fn add_unit(
    tx: &mut Tx,
    who: &Initiator,
    name: &str,
    desc: &str,
    restricted: bool,
) -> anyhow::Result<String> {
    let id = Uuid::now_v7().to_string();
    let now = now_us();
    db::insert_unit(tx, &id, name, Some(desc), restricted, now).await?;
    audit::record(
        tx,
        who,
        now,
        Event::success("Create administrative unit", "AdministrativeUnit")
            .target(TargetResource::unit(&id, name).with(
                "restricted",
                None,
                Some(restricted.to_string()),
            ))
            .units([id.clone()]),
    )
    .await?;
    Ok(id)
}

async fn add_member(tx: &mut Tx, who: &Initiator, unit: &str, user: &str) -> anyhow::Result<()> {
    let now = now_us();
    db::add_member(tx, unit, user, now).await?;
    audit::record(
        tx,
        who,
        now,
        Event::success("Add member to administrative unit", "AdministrativeUnit")
            .target(TargetResource::unit(unit, unit))
            .target(TargetResource::user(user, user))
            .units([unit.to_owned()]),
    )
    .await?;
    Ok(())
}

async fn assign(
    tx: &mut Tx,
    who: &Initiator,
    user: &str,
    role: Role,
    scope: Scope,
) -> anyhow::Result<()> {
    let now = now_us();
    db::insert_assignment(tx, &Uuid::now_v7().to_string(), user, role, &scope, now).await?;
    audit::record(
        tx,
        who,
        now,
        Event::success("Add scoped role member", "RoleManagement")
            .target(
                TargetResource::user(user, user)
                    .with("role", None, Some(role.id().to_owned()))
                    .with("scope", None, Some(scope.to_storage())),
            )
            .units(scope.unit_id().map(|u| u.to_string())),
    )
    .await?;
    Ok(())
}

/// Creates a Global Administrator; `check_policy` applies the password policy to a
/// typed password (generated ones are strong by construction).
pub async fn create_admin(
    store: &Store,
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
    let who = Initiator::cli();
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
        &id,
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

fn ascii_lower(s: &str) -> String {
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
pub async fn demo(store: &Store, if_empty: bool) -> anyhow::Result<()> {
    if db::count_users(store.reader()).await? > 0 {
        if if_empty {
            eprintln!("The directory already has users; demo data not loaded.");
            return Ok(());
        }
        anyhow::bail!("the directory already has users; seed demo only loads into an empty one");
    }
    let hash = Hasher::new()?.hash(&Secret::new(DEMO_PASSWORD)).await?;
    let who = Initiator::cli();
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
        &admin,
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
        &ursula,
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
        &hannah,
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
            &maria,
            Role::AuthenticationAdministrator,
            Scope::AdministrativeUnit {
                id: Uuid::parse_str(unit)?,
            },
        )
        .await?;
        add_member(&mut tx, &who, unit, &maria).await?;
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
        &tom,
        Role::PasswordAdministrator,
        Scope::AdministrativeUnit {
            id: Uuid::parse_str(&stores[1])?,
        },
    )
    .await?;
    add_member(&mut tx, &who, &stores[1], &tom).await?;
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
        &omar,
        Role::HelpdeskAdministrator,
        Scope::AdministrativeUnit {
            id: Uuid::parse_str(&region)?,
        },
    )
    .await?;
    add_member(&mut tx, &who, &region, &omar).await?;
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
    let exec_scope = Scope::AdministrativeUnit {
        id: Uuid::parse_str(&exec)?,
    };
    assign(&mut tx, &who, &priya, Role::UserAdministrator, exec_scope).await?;
    assign(
        &mut tx,
        &who,
        &priya,
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
        add_member(&mut tx, &who, &stores[i % stores.len()], &id).await?;
        if i % 4 == 0 {
            add_member(&mut tx, &who, &region, &id).await?;
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
        add_member(&mut tx, &who, &exec, &id).await?;
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

/// The password of every account `seed scale` creates.
pub const SCALE_PASSWORD: &str = "OpenStaff-Scale-2026!";

const FIRST: [&str; 40] = [
    "Ana", "Ben", "Chloé", "David", "Emma", "Farid", "Grace", "Hugo", "Inès", "Jonas", "Kenji",
    "Léa", "Mateo", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Samir", "Tara", "Umar", "Vera",
    "Wei", "Xavier", "Yara", "Zoé", "Amir", "Bianca", "Carlos", "Dina", "Elias", "Fatima",
    "Gustav", "Hana", "Ivan", "Julia", "Karim", "Lina", "Marek", "Noor",
];
const LAST: [&str; 40] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet",
    "Francois", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guerin", "Muller",
    "Henry", "Roussel", "Nicolas", "Perrin",
];
const CITIES: [&str; 12] = [
    "Lyon",
    "Paris",
    "Marseille",
    "Lille",
    "Nantes",
    "Bordeaux",
    "Toulouse",
    "Nice",
    "Strasbourg",
    "Rennes",
    "Grenoble",
    "Dijon",
];

/// Loads `users` users spread over `units` locations, with one manager
/// (authentication administrator) per location and a global administrator, in large
/// batched transactions. One audit event records the load.
pub async fn scale(store: &Store, users: u64, units: u64, progress: bool) -> anyhow::Result<()> {
    use crate::store::search::{sort_key, unit_terms, user_terms};
    use crate::store::{bulk_insert, Cell};
    anyhow::ensure!(units >= 1, "--units must be at least 1");
    anyhow::ensure!(
        users >= units,
        "--users must be at least --units (one manager per location)"
    );
    if db::count_users(store.reader()).await? > 0 {
        anyhow::bail!("the directory already has users; seed scale only loads into an empty one");
    }
    let hash = Hasher::new()?.hash(&Secret::new(SCALE_PASSWORD)).await?;
    let now = now_us();
    let bar = indicatif::ProgressBar::new(users + units);
    if progress {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_message("locations");
    let unit_ids: Vec<String> = (0..units).map(|_| Uuid::now_v7().to_string()).collect();
    let unit_names: Vec<String> = (0..units)
        .map(|i| {
            format!(
                "Store {:05} · {}",
                i + 1,
                CITIES[(i as usize) % CITIES.len()]
            )
        })
        .collect();
    for (ids, names) in unit_ids.chunks(2000).zip(unit_names.chunks(2000)) {
        let mut tx = store.begin().await?;
        let mut rows = Vec::new();
        let mut terms = Vec::new();
        for (id, name) in ids.iter().zip(names) {
            rows.push(vec![
                Cell::Text(id.clone()),
                Cell::Text(name.clone()),
                Cell::Text(sort_key(name)),
                Cell::Text(format!("{name} store")),
                Cell::Int(0),
                Cell::Int(0),
                Cell::Int(now),
                Cell::Int(now),
            ]);
            for t in unit_terms(name) {
                terms.push(vec![Cell::Text(t), Cell::Text(id.clone())]);
            }
        }
        bulk_insert(
            &mut tx,
            "administrative_units",
            &[
                "id",
                "display_name",
                "sort_key",
                "description",
                "restricted",
                "member_count",
                "created_at",
                "updated_at",
            ],
            &rows,
        )
        .await?;
        bulk_insert(&mut tx, "unit_search_terms", &["term", "unit_id"], &terms).await?;
        tx.commit().await?;
        bar.inc(ids.len() as u64);
    }

    bar.set_message("users");
    let mut counts = vec![0i64; unit_ids.len()];
    let batch = 5000u64;
    let mut start = 0u64;
    while start < users {
        let end = (start + batch).min(users);
        let mut user_rows = Vec::new();
        let mut term_rows = Vec::new();
        let mut member_rows = Vec::new();
        let mut role_rows = Vec::new();
        for i in start..end {
            let id = Uuid::now_v7().to_string();
            let first = FIRST[(i as usize) % FIRST.len()];
            let last = LAST[(i as usize / FIRST.len()) % LAST.len()];
            let is_manager = i < units;
            let (upn, name, job) = if i == 0 {
                (
                    "admin@scale.example".to_owned(),
                    "Scale Admin".to_owned(),
                    "IT Administrator",
                )
            } else if is_manager {
                (
                    format!("manager.{i}@scale.example"),
                    format!("{first} {last}"),
                    "Store Manager",
                )
            } else {
                (
                    format!(
                        "{}.{}.{i}@scale.example",
                        ascii_lower(first),
                        ascii_lower(last)
                    ),
                    format!("{first} {last}"),
                    "Sales Associate",
                )
            };
            let unit = (i % units) as usize;
            let source = if i % 7 == 6 { "on_premises" } else { "cloud" };
            let key = sort_key(&name);
            user_rows.push(vec![
                Cell::Text(id.clone()),
                Cell::Text(upn.clone()),
                Cell::Text(upn.to_lowercase()),
                Cell::Text(name.clone()),
                Cell::Text(key.clone()),
                Cell::Text(upn.clone()),
                Cell::Text(job.to_owned()),
                Cell::Text("Retail".to_owned()),
                Cell::Int(1),
                Cell::Text(source.to_owned()),
                Cell::Text(hash.clone()),
                Cell::Int(0),
                Cell::Int(0),
                Cell::Int(now),
                Cell::Int(now),
            ]);
            for t in user_terms(&name, &upn, Some(&upn)) {
                term_rows.push(vec![Cell::Text(t), Cell::Text(id.clone())]);
            }

            if i == 0 {
                role_rows.push(vec![
                    Cell::Text(Uuid::now_v7().to_string()),
                    Cell::Text(id.clone()),
                    Cell::Text(Role::GlobalAdministrator.id().to_owned()),
                    Cell::Text(Scope::Directory.to_storage()),
                    Cell::Null,
                    Cell::Int(now),
                ]);
            } else {
                member_rows.push(vec![
                    Cell::Text(unit_ids[unit].clone()),
                    Cell::Text(id.clone()),
                    Cell::Text(key),
                    Cell::Int(now),
                ]);
                counts[unit] += 1;
            }
            if is_manager && i != 0 {
                let scope = Scope::AdministrativeUnit {
                    id: Uuid::parse_str(&unit_ids[unit])?,
                };
                role_rows.push(vec![
                    Cell::Text(Uuid::now_v7().to_string()),
                    Cell::Text(id.clone()),
                    Cell::Text(Role::AuthenticationAdministrator.id().to_owned()),
                    Cell::Text(scope.to_storage()),
                    Cell::Text(unit_ids[unit].clone()),
                    Cell::Int(now),
                ]);
            }
        }
        let mut tx = store.begin().await?;
        bulk_insert(
            &mut tx,
            "users",
            &[
                "id",
                "user_principal_name",
                "upn_lower",
                "display_name",
                "sort_key",
                "mail",
                "job_title",
                "department",
                "account_enabled",
                "source",
                "password_hash",
                "force_password_change",
                "token_version",
                "created_at",
                "updated_at",
            ],
            &user_rows,
        )
        .await?;
        bulk_insert(
            &mut tx,
            "user_search_terms",
            &["term", "user_id"],
            &term_rows,
        )
        .await?;

        bulk_insert(
            &mut tx,
            "unit_members",
            &["unit_id", "user_id", "sort_key", "added_at"],
            &member_rows,
        )
        .await?;
        bulk_insert(
            &mut tx,
            "role_assignments",
            &[
                "id",
                "principal_id",
                "role",
                "scope",
                "scope_unit_id",
                "created_at",
            ],
            &role_rows,
        )
        .await?;
        tx.commit().await?;
        bar.inc(end - start);
        start = end;
    }
    bar.set_message("index");
    let mut tx = store.begin().await?;
    db::build_user_prefixes(&mut tx, store.backend).await?;
    tx.commit().await?;
    bar.set_message("counts");
    let mut tx = store.begin().await?;
    for (id, n) in unit_ids.iter().zip(&counts) {
        sqlx::query("UPDATE administrative_units SET member_count = $2 WHERE id = $1")
            .bind(id)
            .bind(*n)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &Initiator::cli(),
        now_us(),
        Event::success("Seed scale directory", "UserManagement").target(
            TargetResource::setting("directory")
                .with("users", None, Some(users.to_string()))
                .with("administrative_units", None, Some(units.to_string())),
        ),
    )
    .await?;
    tx.commit().await?;
    if store.backend == crate::store::Backend::Postgres {
        // Fresh statistics, rather than waiting for autovacuum to notice the load.
        bar.set_message("analyze");
        let mut tx = store.begin().await?;
        sqlx::query("ANALYZE").execute(&mut *tx).await?;
        tx.commit().await?;
    }
    bar.finish_with_message("done");
    eprintln!(
        "Loaded {users} users in {units} locations. Sign in as admin@scale.example or manager.N@scale.example (N = 1..{}) with {SCALE_PASSWORD}",
        units.saturating_sub(1)
    );
    Ok(())
}
