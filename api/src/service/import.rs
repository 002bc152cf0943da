//! Bulk import of users from CSV.

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::deny;
use crate::service::new_user::{insert_new_user, FirstPassword, NewUserDraft, RawUser};
use crate::state::AppState;
use crate::store::StoreError;
use shared::audit::Activity;
use shared::dto::{self, FieldError};
use shared::rules::{self};
use shared::{ErrorCode, FieldErrorCode};
use shared::{UnitId, UserId};
use uuid::Uuid;

/// Most rows one import takes.
pub const IMPORT_MAX_ROWS: usize = 1000;

/// `POST /users/import`: one transaction per row, so a failed row writes nothing
/// and the others still land. Created users get a temporary password (shown once in
/// the answer) that they must change at first sign-in.
pub async fn import_users(
    state: &AppState,
    ctx: &AuthContext,
    csv_text: &str,
) -> ApiResult<dto::ImportResult> {
    if !rules::may_manage_directory(&ctx.principal.grants) {
        return Err(deny(
            state,
            ctx,
            Activity::BulkImportUsers,
            None,
            ErrorCode::DirectoryAdminRequired,
            "Only tenant-wide global or user administrators can import users.",
        )
        .await);
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| {
            ApiError::field(
                "csv",
                FieldErrorCode::InvalidCsv,
                "The first line must be a header row.",
            )
        })?
        .iter()
        .map(|h| h.to_lowercase().replace([' ', '-'], "_"))
        .collect();
    const KNOWN: [&str; 7] = [
        "user_principal_name",
        "display_name",
        "mail",
        "job_title",
        "department",
        "source",
        "administrative_unit",
    ];
    let unknown: Vec<&String> = headers
        .iter()
        .filter(|h| !KNOWN.contains(&h.as_str()))
        .collect();
    if !unknown.is_empty()
        || !headers.iter().any(|h| h == "user_principal_name")
        || !headers.iter().any(|h| h == "display_name")
    {
        return Err(ApiError::field("csv", FieldErrorCode::InvalidHeader, format!(
            "The header must name user_principal_name and display_name, and may name {}; unknown: {}.",
            KNOWN[2..].join(", "),
            unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let col = |rec: &csv::StringRecord, name: &str| -> Option<String> {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| rec.get(i))
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    let records: Vec<Result<csv::StringRecord, csv::Error>> = reader.records().collect();
    if records.len() > IMPORT_MAX_ROWS {
        return Err(ApiError::field(
            "csv",
            FieldErrorCode::TooManyRows,
            format!("Import at most {IMPORT_MAX_ROWS} rows at a time."),
        ));
    }
    let mut rows = Vec::new();
    let (mut created, mut failed) = (0u32, 0u32);
    for (i, rec) in records.into_iter().enumerate() {
        let row_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let outcome = match rec {
            Err(_) => Err((
                String::new(),
                vec![FieldError {
                    field: "csv".into(),
                    code: FieldErrorCode::InvalidRow,
                    message: "This row does not have the same columns as the header.".into(),
                }],
            )),
            Ok(rec) => import_row(state, ctx, &rec, &col).await?,
        };
        rows.push(match outcome {
            Ok((upn, id, pw)) => {
                created += 1;
                dto::ImportRow {
                    row: row_no,
                    user_principal_name: upn,
                    status: "created".into(),
                    user_id: Some(id),
                    temporary_password: Some(pw),
                    errors: Vec::new(),
                }
            }
            Err((upn, errors)) => {
                failed += 1;
                dto::ImportRow {
                    row: row_no,
                    user_principal_name: upn,
                    status: "failed".into(),
                    user_id: None,
                    temporary_password: None,
                    errors,
                }
            }
        });
    }
    Ok(dto::ImportResult {
        created,
        failed,
        rows,
    })
}

type RowOutcome = Result<(String, Uuid, String), (String, Vec<FieldError>)>;

async fn import_row(
    state: &AppState,
    ctx: &AuthContext,
    rec: &csv::StringRecord,
    col: &impl Fn(&csv::StringRecord, &str) -> Option<String>,
) -> ApiResult<RowOutcome> {
    let raw_upn = col(rec, "user_principal_name").unwrap_or_default();
    let mut errors = Vec::new();
    let source = match col(rec, "source").as_deref() {
        None => Some(dto::UserSource::Cloud),
        Some(s) => dto::UserSource::from_id(s).or_else(|| {
            errors.push(FieldError {
                field: "source".into(),
                code: FieldErrorCode::InvalidValue,
                message: "source must be cloud or on_premises.".into(),
            });
            None
        }),
    };
    let (name, mail, job, dept) = (
        col(rec, "display_name").unwrap_or_default(),
        col(rec, "mail"),
        col(rec, "job_title"),
        col(rec, "department"),
    );
    let draft = NewUserDraft::parse(
        RawUser {
            user_principal_name: &raw_upn,
            display_name: &name,
            mail: mail.as_deref(),
            job_title: job.as_deref(),
            department: dept.as_deref(),
        },
        source.unwrap_or(dto::UserSource::Cloud),
        true,
    );
    let draft = match draft {
        Ok(d) => Some(d),
        Err(e) => {
            errors.splice(0..0, e);
            None
        }
    };
    let mut unit = None;
    if let Some(u) = col(rec, "administrative_unit") {
        let found = match Uuid::parse_str(&u) {
            Ok(id) => crate::store::units::get_unit(state.store.reader(), id.into())
                .await?
                .into_iter()
                .collect(),
            Err(_) => crate::store::units::units_named(state.store.reader(), &u).await?,
        };
        match found.as_slice() {
            [one]
                if rules::may_manage_membership(
                    &ctx.principal.grants,
                    one.id.uuid(),
                    one.restricted,
                ) =>
            {
                unit = Some(one.clone())
            }
            [one] => errors.push(FieldError {
                field: "administrative_unit".into(),
                code: FieldErrorCode::MembershipNotPermitted,
                message: format!(
                    "{} is restricted: only its own administrators can add members.",
                    one.display_name
                ),
            }),
            [] => errors.push(FieldError {
                field: "administrative_unit".into(),
                code: FieldErrorCode::NotFound,
                message: format!("No location is called {u}."),
            }),
            _ => errors.push(FieldError {
                field: "administrative_unit".into(),
                code: FieldErrorCode::Ambiguous,
                message: format!("Several locations are called {u}; use its id."),
            }),
        }
    }
    let (Some(draft), true) = (draft, errors.is_empty()) else {
        return Ok(Err((raw_upn, errors)));
    };
    let password = crate::auth::password::generate(18);
    let hash = state.hasher.hash(&password).await?;
    let id: UserId = state.ids.new_id().into();
    let now = state.now();
    let expires_at = state.policy.temp_password_expires_at(now);
    let mut tx = state.store.begin().await?;
    let units: Vec<UnitId> = unit.iter().map(|u| u.id).collect();
    let inserted = insert_new_user(
        &mut tx,
        &ctx.initiator,
        now,
        &*state.ids,
        id,
        &draft,
        FirstPassword::Temporary {
            hash: &hash,
            expires_at,
        },
        &units,
        &[("import", "csv")],
    )
    .await;
    match inserted {
        Err(StoreError::Conflict) => {
            return Ok(Err((
                raw_upn,
                vec![FieldError {
                    field: "user_principal_name".into(),
                    code: FieldErrorCode::UpnTaken,
                    message: format!("Another user already signs in as {}.", draft.upn.as_str()),
                }],
            )));
        }
        other => other?,
    }
    if let Some(unit) = &unit {
        crate::store::membership::add_member(&mut tx, unit.id, id, now).await?;
        let member = Event::success(Activity::AddMemberToAdministrativeUnit)
            .target(TargetResource::unit(unit.id, &unit.display_name))
            .target(TargetResource::user(id, draft.name.as_str()).with(
                "administrative_unit",
                None,
                Some(unit.display_name.clone()),
            ))
            .units([unit.id]);
        audit::record(&mut tx, &ctx.initiator, now, &*state.ids, member).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(Ok((
        draft.upn.as_str().to_owned(),
        id.uuid(),
        password.expose().to_owned(),
    )))
}
