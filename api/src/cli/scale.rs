//! `seed scale`: a synthetic directory of any size, for benchmarks.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::{Hasher, Secret};
use crate::cli::seed::ascii_lower;
use crate::state::ClockAndIds;
use crate::store::Store;
use shared::audit::Activity;
use shared::{Role, Scope};
use uuid::Uuid;

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
pub async fn scale(
    store: &Store,
    time: &ClockAndIds,
    users: u64,
    units: u64,
    progress: bool,
) -> anyhow::Result<()> {
    use crate::store::search::{sort_key, unit_terms, user_terms};
    use crate::store::{bulk_insert, Cell};
    anyhow::ensure!(units >= 1, "--units must be at least 1");
    anyhow::ensure!(
        users >= units,
        "--users must be at least --units (one manager per location)"
    );
    if crate::store::users::count_users(store.reader()).await? > 0 {
        anyhow::bail!("the directory already has users; seed scale only loads into an empty one");
    }
    let hash = Hasher::new()?.hash(&Secret::new(SCALE_PASSWORD)).await?;
    let now = time.now();
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
    let unit_ids: Vec<String> = (0..units).map(|_| time.new_id()).collect();
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
                Cell::At(now),
                Cell::At(now),
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
            let id = time.new_id();
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
                Cell::At(now),
                Cell::At(now),
            ]);
            for t in user_terms(&name, &upn, Some(&upn)) {
                term_rows.push(vec![Cell::Text(t), Cell::Text(id.clone())]);
            }

            if i == 0 {
                role_rows.push(vec![
                    Cell::Text(time.new_id()),
                    Cell::Text(id.clone()),
                    Cell::Text(Role::GlobalAdministrator.id().to_owned()),
                    Cell::Text(Scope::Directory.to_storage()),
                    Cell::Null,
                    Cell::At(now),
                ]);
            } else {
                member_rows.push(vec![
                    Cell::Text(unit_ids[unit].clone()),
                    Cell::Text(id.clone()),
                    Cell::Text(key),
                    Cell::At(now),
                ]);
                counts[unit] += 1;
            }
            if is_manager && i != 0 {
                let scope = Scope::AdministrativeUnit {
                    id: Uuid::parse_str(&unit_ids[unit])?,
                };
                role_rows.push(vec![
                    Cell::Text(time.new_id()),
                    Cell::Text(id.clone()),
                    Cell::Text(Role::AuthenticationAdministrator.id().to_owned()),
                    Cell::Text(scope.to_storage()),
                    Cell::Text(unit_ids[unit].clone()),
                    Cell::At(now),
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
    crate::store::search::leapfrog::build_user_prefixes(&mut tx, store.backend).await?;
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
        &Initiator::cli(&*time.ids),
        time.now(),
        &*time.ids,
        Event::success(Activity::SeedScaleDirectory).target(
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
