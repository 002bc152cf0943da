//! Locations (administrative units).

use super::search::{sort_key, unit_terms};
use super::{Db, ResultExt, StoreResult, Tx};
use crate::store::search::sql::{push_after, push_search, After};
use crate::time::Micros;
use shared::{UnitId, UserId};
use sqlx::{AnyPool, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct UnitRow {
    pub id: UnitId,
    pub display_name: String,
    pub sort_key: String,
    pub description: Option<String>,
    #[sqlx(try_from = "super::DbFlag")]
    pub restricted: bool,
    pub member_count: i64,
}

const UNIT_COLS: &str =
    "a.id, a.display_name, a.sort_key, a.description, a.restricted, a.member_count";

pub async fn get_unit<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: UnitId,
) -> StoreResult<Option<UnitRow>> {
    sqlx::query_as::<Db, UnitRow>(&format!(
        "SELECT {UNIT_COLS} FROM administrative_units a WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await
    .db()
}

/// Locations in name order; `only_ids_of_principal` limits them to the locations
/// where that principal holds a location-scoped role.
pub async fn list_units(
    pool: &AnyPool,
    terms: &[String],
    only_ids_of_principal: Option<UserId>,
    after: &After,
    limit: i64,
) -> StoreResult<Vec<UnitRow>> {
    let mut sql = format!("SELECT {UNIT_COLS} FROM administrative_units a WHERE 1 = 1");
    let mut binds = Vec::new();
    if let Some(p) = only_ids_of_principal {
        binds.push(p.to_string());
        sql.push_str(&format!(
            " AND a.id IN (SELECT scope_unit_id FROM role_assignments WHERE principal_id = ${})",
            binds.len()
        ));
    }
    push_search(
        &mut sql,
        &mut binds,
        "a.id",
        "unit_search_terms",
        "unit_id",
        terms,
    );
    push_after(&mut sql, &mut binds, "a.sort_key", "a.id", after);
    sql.push_str(&format!(
        " ORDER BY a.sort_key, a.id LIMIT ${}",
        binds.len() + 1
    ));
    let mut q = sqlx::query_as::<Db, UnitRow>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.bind(limit).fetch_all(pool).await.db()
}

pub async fn insert_unit(
    tx: &mut Tx,
    id: UnitId,
    display_name: &str,
    description: Option<&str>,
    restricted: bool,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO administrative_units (id, display_name, sort_key, description, restricted, \
         member_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
    )
    .bind(id)
    .bind(display_name)
    .bind(sort_key(display_name))
    .bind(description)
    .bind(i64::from(restricted))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    insert_unit_terms(tx, id, display_name).await
}

pub async fn update_unit(
    tx: &mut Tx,
    id: UnitId,
    display_name: &str,
    description: Option<&str>,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE administrative_units SET display_name = $2, sort_key = $3, description = $4, \
         updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(display_name)
    .bind(sort_key(display_name))
    .bind(description)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query("DELETE FROM unit_search_terms WHERE unit_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    insert_unit_terms(tx, id, display_name).await
}

/// Deletes a location; membership and location-scoped role assignments go with it.
pub async fn delete_unit(tx: &mut Tx, id: UnitId) -> StoreResult<bool> {
    for sql in [
        "DELETE FROM unit_members WHERE unit_id = $1",
        "DELETE FROM role_assignments WHERE scope_unit_id = $1",
        "DELETE FROM unit_search_terms WHERE unit_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut **tx).await.db()?;
    }
    let r = sqlx::query("DELETE FROM administrative_units WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() > 0)
}

/// Locations whose name equals `name`, ignoring case.
pub async fn units_named(pool: &AnyPool, name: &str) -> StoreResult<Vec<UnitRow>> {
    sqlx::query_as::<Db, UnitRow>(&format!(
        "SELECT {UNIT_COLS} FROM administrative_units a WHERE a.sort_key = $1 LIMIT 2"
    ))
    .bind(sort_key(name))
    .fetch_all(pool)
    .await
    .db()
}

/// A location's rows in the search index, one per word of its name.
async fn insert_unit_terms(tx: &mut Tx, id: UnitId, display_name: &str) -> StoreResult<()> {
    for term in unit_terms(display_name) {
        sqlx::query("INSERT INTO unit_search_terms (term, unit_id) VALUES ($1, $2)")
            .bind(term)
            .bind(id)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}
