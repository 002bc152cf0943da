//! The tamper-evident audit trail (SPEC section 5).
//!
//! Events are written in the transaction of the change they record. Each event's
//! hash covers its stored content and its predecessor's hash, so editing or deleting
//! any row breaks the chain, which `openstaff audit verify` reports.

use crate::state::{AppState, IdGenerator};
use crate::store::audit::{self as rows, AuditRow};
use crate::store::{Store, StoreResult, Tx};
use crate::time::Micros;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::audit::{Activity, Outcome};
use shared::{UnitId, UserId};

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    MyStaff,
    Api,
    Cli,
    /// The provider's hosted sign-in page (`/oauth2/...`).
    SignInPage,
    /// The directory sync (`openstaff directory sync`, or the one inside `serve`).
    Sync,
    /// Self-service password reset on the hosted sign-in page (`/oauth2/reset`).
    Sspr,
}

/// Who did it, from where; taken from the request.
#[derive(Debug, Clone)]
pub struct Initiator {
    pub user_id: Option<String>,
    pub user_principal_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub correlation_id: String,
    pub surface: Surface,
    /// The application that acted as itself (client-credentials grant): its name; its
    /// id is `user_id`'s column (`actor_id`), so the actor filter finds it.
    pub app_name: Option<String>,
}

impl Initiator {
    /// A command-line action.
    pub fn cli(ids: &dyn IdGenerator) -> Self {
        Initiator {
            user_id: None,
            user_principal_name: Some("openstaff-cli".to_owned()),
            ip: None,
            user_agent: None,
            correlation_id: ids.new_id().to_string(),
            surface: Surface::Cli,
            app_name: None,
        }
    }
}

impl Initiator {
    /// The directory sync: the application itself, not a person.
    pub fn directory_sync(ids: &dyn IdGenerator) -> Self {
        Initiator {
            user_id: None,
            user_principal_name: Some("openstaff-directory-sync".to_owned()),
            ip: None,
            user_agent: None,
            correlation_id: ids.new_id().to_string(),
            surface: Surface::Sync,
            app_name: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModifiedProperty {
    pub name: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResource {
    #[serde(rename = "type")]
    pub type_: String,
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub modified_properties: Vec<ModifiedProperty>,
    /// The location this target is, so a refusal about it is visible to its managers.
    #[serde(skip)]
    pub unit: Option<UnitId>,
}

impl TargetResource {
    pub fn user(id: UserId, display_name: &str) -> Self {
        TargetResource {
            type_: "user".to_owned(),
            id: id.to_string(),
            display_name: display_name.to_owned(),
            modified_properties: Vec::new(),
            unit: None,
        }
    }

    pub fn unit(id: UnitId, display_name: &str) -> Self {
        TargetResource {
            type_: "administrative_unit".to_owned(),
            id: id.to_string(),
            display_name: display_name.to_owned(),
            modified_properties: Vec::new(),
            unit: Some(id),
        }
    }

    pub fn application(id: shared::ApplicationId, display_name: &str) -> Self {
        TargetResource {
            type_: "application".to_owned(),
            id: id.to_string(),
            display_name: display_name.to_owned(),
            modified_properties: Vec::new(),
            unit: None,
        }
    }

    pub fn setting(name: &str) -> Self {
        TargetResource {
            type_: "setting".to_owned(),
            id: name.to_owned(),
            display_name: name.to_owned(),
            modified_properties: Vec::new(),
            unit: None,
        }
    }

    /// Records a changed property only when it really changed.
    pub fn with_if_changed(self, name: &str, old: Option<String>, new: Option<String>) -> Self {
        if old == new {
            self
        } else {
            self.with(name, old, new)
        }
    }

    pub fn with(mut self, name: &str, old: Option<String>, new: Option<String>) -> Self {
        self.modified_properties.push(ModifiedProperty {
            name: name.to_owned(),
            old_value: old,
            new_value: new,
        });
        self
    }
}

/// One event to record; its category is the activity's.
#[derive(Debug, Clone)]
pub struct Event {
    pub activity: Activity,
    pub outcome: Outcome,
    pub result_reason: Option<String>,
    pub targets: Vec<TargetResource>,
    /// Locations the targets belong to, so managers of those locations can see it.
    pub unit_ids: Vec<UnitId>,
}

impl Event {
    pub fn success(activity: Activity) -> Self {
        Event {
            activity,
            outcome: Outcome::Success,
            result_reason: None,
            targets: Vec::new(),
            unit_ids: Vec::new(),
        }
    }

    /// A failed or refused activity; `reason` is usually the answer's error code.
    pub fn failure(activity: Activity, reason: impl Into<String>) -> Self {
        Event {
            outcome: Outcome::Failure,
            result_reason: Some(reason.into()),
            ..Event::success(activity)
        }
    }

    pub fn target(mut self, t: TargetResource) -> Self {
        self.targets.push(t);
        self
    }

    pub fn units(mut self, ids: impl IntoIterator<Item = UnitId>) -> Self {
        for id in ids {
            if !self.unit_ids.contains(&id) {
                self.unit_ids.push(id);
            }
        }
        self
    }
}

#[derive(Serialize)]
struct Details {
    surface: Surface,
}

/// The SHA-256 over an event's stored fields and its predecessor's hash.
pub fn event_hash(row: &AuditRow) -> String {
    let mut canonical = serde_json::json!([
        row.id,
        // The stored number of microseconds: the hash covers the stored form.
        row.activity_date_time.as_micros(),
        row.activity,
        row.category,
        row.correlation_id,
        row.actor_id,
        row.actor_upn,
        row.actor_ip,
        row.actor_user_agent,
        row.target_resources,
        row.result,
        row.result_reason,
        row.additional_details,
        row.prev_hash,
    ]);
    // Added with applications as principals: covered when set, so the events written
    // before it keep their hashes.
    if let (Some(name), Some(list)) = (&row.actor_app_name, canonical.as_array_mut()) {
        list.push(serde_json::json!({ "actor_app_name": name }));
    }
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `event` inside `tx`, linking it to the chain; it happened at `now` and its
/// id comes from `ids`.
pub async fn record(
    tx: &mut Tx,
    who: &Initiator,
    now: Micros,
    ids: &dyn IdGenerator,
    event: Event,
) -> StoreResult<()> {
    let prev_hash = rows::lock_head(tx).await?;
    let mut row = AuditRow {
        seq: 0,
        id: ids.new_id().to_string(),
        activity_date_time: now,
        activity: event.activity.as_str().to_owned(),
        category: event.activity.category().as_str().to_owned(),
        correlation_id: who.correlation_id.clone(),
        actor_id: who.user_id.clone(),
        actor_upn: who.user_principal_name.clone(),
        actor_ip: who.ip.clone(),
        actor_user_agent: who.user_agent.clone(),
        actor_app_name: who.app_name.clone(),
        target_resources: serde_json::to_string(&event.targets).unwrap_or_else(|_| "[]".into()),
        result: event.outcome.as_str().to_owned(),
        result_reason: event.result_reason,
        additional_details: serde_json::to_string(&Details {
            surface: who.surface,
        })
        .unwrap_or_else(|_| "{}".into()),
        prev_hash,
        hash: String::new(),
    };
    row.hash = event_hash(&row);
    let target_ids: Vec<String> = event.targets.iter().map(|t| t.id.clone()).collect();
    rows::insert(tx, &row, &event.unit_ids, &target_ids).await?;
    Ok(())
}

/// Records `event` now, in a transaction of its own (denials, failed sign-ins).
pub async fn record_alone(state: &AppState, who: &Initiator, event: Event) -> StoreResult<()> {
    let mut tx = state.store.begin().await?;
    record(&mut tx, who, state.now(), &*state.ids, event).await?;
    tx.commit().await.map_err(crate::store::StoreError::Other)
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Valid {
        events: u64,
    },
    Broken {
        seq: i64,
        id: String,
        problem: String,
    },
}

/// Walks the whole chain in order and reports the first event that does not fit.
pub async fn verify(store: &Store) -> StoreResult<Verification> {
    let mut prev_hash = "genesis".to_owned();
    let mut last_seq = 0i64;
    let mut count = 0u64;
    loop {
        let page = rows::chain_page(store.reader(), last_seq, 1000).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    seq: row.seq,
                    id: row.id,
                    problem:
                        "does not link to the event before it (an event was removed or reordered)"
                            .to_owned(),
                });
            }
            if event_hash(&row) != row.hash {
                return Ok(Verification::Broken {
                    seq: row.seq,
                    id: row.id,
                    problem: "its content does not match its hash (it was edited)".to_owned(),
                });
            }
            prev_hash = row.hash;
            last_seq = row.seq;
            count += 1;
        }
    }
    let (head_seq, head_hash) = rows::head(store.reader()).await?;
    if head_seq != last_seq || head_hash != prev_hash {
        return Ok(Verification::Broken {
            seq: head_seq,
            id: String::new(),
            problem: "the chain ends before its recorded head (the latest events were removed)"
                .to_owned(),
        });
    }
    Ok(Verification::Valid { events: count })
}
