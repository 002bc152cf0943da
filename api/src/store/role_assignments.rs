//! Role assignments of users and of applications.
//!
//! The two kinds sit in two tables (each with its foreign key) and are read as one
//! list: a principal's grants come from [`assignments_of`] whichever kind it is, so
//! authorization has a single path. Ids are UUIDs from one generator, so a user's and
//! an application's never meet.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::store::search::sql::After;
use crate::time::Micros;
use shared::dto::PrincipalType;
use shared::rules::Grant;
use shared::{Role, RoleAssignmentId, Scope, UnitId};
use sqlx::{AnyPool, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct AssignmentRow {
    pub id: RoleAssignmentId,
    /// `user` or `application`.
    pub principal_type: String,
    /// A user's or an application's id (text: the `Any` driver decodes no UUIDs).
    pub principal_id: String,
    pub principal_display_name: String,
    pub role: String,
    pub scope: String,
    pub scope_display_name: Option<String>,
    pub created_at: Micros,
}

impl AssignmentRow {
    pub fn principal_uuid(&self) -> Option<uuid::Uuid> {
        self.principal_id.parse().ok()
    }

    pub fn principal_type(&self) -> PrincipalType {
        if self.principal_type == "application" {
            PrincipalType::Application
        } else {
            PrincipalType::User
        }
    }

    pub fn grant(&self) -> Option<Grant> {
        Some(Grant {
            role: self.role.parse().ok()?,
            scope: Scope::from_storage(&self.scope)?,
        })
    }
}

const ASSIGNMENT_SELECT: &str =
    "SELECT r.id, r.principal_type, r.principal_id, r.principal_display_name, \
     r.role, r.scope, a.display_name AS scope_display_name, r.created_at \
     FROM (SELECT x.id, 'user' AS principal_type, x.principal_id, \
     u.display_name AS principal_display_name, x.role, x.scope, x.scope_unit_id, \
     x.created_at FROM role_assignments x JOIN users u ON u.id = x.principal_id \
     UNION ALL SELECT y.id, 'application' AS principal_type, \
     y.application_id AS principal_id, p.display_name AS principal_display_name, y.role, \
     y.scope, y.scope_unit_id, y.created_at FROM application_role_assignments y \
     JOIN applications p ON p.id = y.application_id) r \
     LEFT JOIN administrative_units a ON a.id = r.scope_unit_id";

/// Every role assignment of one principal (a user or an application).
pub async fn assignments_of<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    principal_id: impl Into<uuid::Uuid>,
) -> StoreResult<Vec<AssignmentRow>> {
    let principal_id: uuid::Uuid = principal_id.into();
    sqlx::query_as::<Db, AssignmentRow>(&format!(
        "{ASSIGNMENT_SELECT} WHERE r.principal_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(principal_id.to_string())
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
    principal_id: Option<uuid::Uuid>,
    principal_type: Option<PrincipalType>,
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
    if let Some(t) = principal_type {
        binds.push(type_text(t).to_owned());
        sql.push_str(&format!(" AND r.principal_type = ${}", binds.len()));
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

fn type_text(t: PrincipalType) -> &'static str {
    match t {
        PrincipalType::User => "user",
        PrincipalType::Application => "application",
    }
}

pub async fn insert_assignment(
    tx: &mut Tx,
    id: RoleAssignmentId,
    principal_type: PrincipalType,
    principal_id: uuid::Uuid,
    role: Role,
    scope: &Scope,
    now: Micros,
) -> StoreResult<()> {
    let sql = match principal_type {
        PrincipalType::User => {
            "INSERT INTO role_assignments (id, principal_id, role, scope, scope_unit_id, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        }
        PrincipalType::Application => {
            "INSERT INTO application_role_assignments (id, application_id, role, scope, \
             scope_unit_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        }
    };
    sqlx::query(sql)
        .bind(id)
        .bind(principal_id.to_string())
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
    let mut deleted = 0;
    for table in ["role_assignments", "application_role_assignments"] {
        let r = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
            .bind(id)
            .execute(&mut **tx)
            .await
            .db()?;
        deleted += r.rows_affected();
    }
    Ok(deleted > 0)
}
