//! Role assignments.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::store::search::sql::After;
use crate::time::Micros;
use shared::rules::Grant;
use shared::{Role, RoleAssignmentId, Scope, UnitId, UserId};
use sqlx::{AnyPool, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct AssignmentRow {
    pub id: RoleAssignmentId,
    pub principal_id: UserId,
    pub principal_display_name: String,
    pub role: String,
    pub scope: String,
    pub scope_display_name: Option<String>,
    pub created_at: Micros,
}

impl AssignmentRow {
    pub fn grant(&self) -> Option<Grant> {
        Some(Grant {
            role: self.role.parse().ok()?,
            scope: Scope::from_storage(&self.scope)?,
        })
    }
}

const ASSIGNMENT_SELECT: &str =
    "SELECT r.id, r.principal_id, u.display_name AS principal_display_name, \
     r.role, r.scope, a.display_name AS scope_display_name, r.created_at \
     FROM role_assignments r JOIN users u ON u.id = r.principal_id \
     LEFT JOIN administrative_units a ON a.id = r.scope_unit_id";

/// Every role assignment of one principal.
pub async fn assignments_of<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    principal_id: UserId,
) -> StoreResult<Vec<AssignmentRow>> {
    sqlx::query_as::<Db, AssignmentRow>(&format!(
        "{ASSIGNMENT_SELECT} WHERE r.principal_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(principal_id)
    .fetch_all(exec)
    .await
    .db()
}

pub async fn get_assignment<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: RoleAssignmentId,
) -> StoreResult<Option<AssignmentRow>> {
    sqlx::query_as::<Db, AssignmentRow>(&format!("{ASSIGNMENT_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
        .db()
}

/// Role assignments in creation order, optionally of one principal or location.
pub async fn list_assignments(
    pool: &AnyPool,
    principal_id: Option<UserId>,
    unit_id: Option<UnitId>,
    after: &After,
    limit: i64,
) -> StoreResult<Vec<AssignmentRow>> {
    let mut sql = format!("{ASSIGNMENT_SELECT} WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(p) = principal_id {
        binds.push(p.to_string());
        sql.push_str(&format!(" AND r.principal_id = ${}", binds.len()));
    }
    if let Some(u) = unit_id {
        binds.push(u.to_string());
        sql.push_str(&format!(" AND r.scope_unit_id = ${}", binds.len()));
    }
    // The cursor key is the creation time (zero-padded text); rows page by it.
    let after = after
        .as_ref()
        .and_then(|(key, id)| Some((Micros::from_micros(key.parse().ok()?), id.clone())));
    if after.is_some() {
        sql.push_str(&format!(
            " AND (r.created_at, r.id) > (${}, ${})",
            binds.len() + 1,
            binds.len() + 2
        ));
    }
    let limit_at = binds.len() + if after.is_some() { 3 } else { 1 };
    sql.push_str(&format!(" ORDER BY r.created_at, r.id LIMIT ${limit_at}"));
    let mut q = sqlx::query_as::<Db, AssignmentRow>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    if let Some((created, id)) = after {
        q = q.bind(created).bind(id);
    }
    q.bind(limit).fetch_all(pool).await.db()
}

pub async fn insert_assignment(
    tx: &mut Tx,
    id: RoleAssignmentId,
    principal_id: UserId,
    role: Role,
    scope: &Scope,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO role_assignments (id, principal_id, role, scope, scope_unit_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(principal_id)
    .bind(role.id())
    .bind(scope.to_storage())
    .bind(scope.unit_id().map(|u| u.to_string()))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn delete_assignment(tx: &mut Tx, id: RoleAssignmentId) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM role_assignments WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() > 0)
}
