//! Membership of users in locations.

use super::{Backend, ResultExt, StoreResult, Tx};
use crate::store::search::sql::{push_after, push_search, After};
use crate::store::users::{fetch_profiles, Confirm, Profile, USER_COLS};
use crate::time::Micros;
use shared::dto::UnitRef;
use shared::rules::Membership;
use shared::{UnitId, UserId};
use sqlx::AnyPool;

/// Members of a location in display-name order, walking `unit_members_by_sort_key`.
pub async fn list_members(
    pool: &AnyPool,
    backend: Backend,
    unit_id: UnitId,
    terms: &[String],
    after: &After,
    limit: i64,
    confirm: Option<&Confirm>,
) -> StoreResult<Vec<Profile>> {
    let mut sql = format!(
        "SELECT {USER_COLS} FROM unit_members m JOIN users u ON u.id = m.user_id \
         WHERE m.unit_id = $1"
    );
    let mut binds = vec![unit_id.to_string()];
    push_search(
        &mut sql,
        &mut binds,
        "m.user_id",
        "user_search_terms",
        "user_id",
        terms,
    );
    push_after(&mut sql, &mut binds, "m.sort_key", "m.user_id", after);
    sql.push_str(&format!(
        " ORDER BY m.sort_key, m.user_id LIMIT ${}",
        binds.len() + 1
    ));
    fetch_profiles(pool, backend, &sql, binds, limit, confirm).await
}

/// Converts profile locations into what the rules need.
pub fn rule_memberships(units: &[UnitRef]) -> Vec<Membership> {
    units
        .iter()
        .map(|u| Membership {
            unit_id: u.id,
            display_name: u.display_name.clone(),
            restricted: u.restricted,
        })
        .collect()
}

/// Keeps a location's member count in step with its membership rows.
async fn count_member(tx: &mut Tx, unit_id: UnitId, delta: i64) -> StoreResult<()> {
    sqlx::query("UPDATE administrative_units SET member_count = member_count + $2 WHERE id = $1")
        .bind(unit_id)
        .bind(delta)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// Adds a member; `false` when already a member.
pub async fn add_member(
    tx: &mut Tx,
    unit_id: UnitId,
    user_id: UserId,
    now: Micros,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "INSERT INTO unit_members (unit_id, user_id, sort_key, added_at) \
         SELECT $1, u.id, u.sort_key, $3 FROM users u WHERE u.id = $2 \
         AND NOT EXISTS (SELECT 1 FROM unit_members WHERE unit_id = $1 AND user_id = $2)",
    )
    .bind(unit_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    let added = r.rows_affected() > 0;
    if added {
        count_member(tx, unit_id, 1).await?;
    }
    Ok(added)
}

/// Removes a member; `false` when not a member.
pub async fn remove_member(tx: &mut Tx, unit_id: UnitId, user_id: UserId) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM unit_members WHERE unit_id = $1 AND user_id = $2")
        .bind(unit_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .db()?;
    let removed = r.rows_affected() > 0;
    if removed {
        count_member(tx, unit_id, -1).await?;
    }
    Ok(removed)
}
