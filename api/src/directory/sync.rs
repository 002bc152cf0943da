//! "Sync in": users under the base DN that match the filter become OpenStaff users
//! with `source = on_premises`, linked by `objectGUID` (stable across renames and
//! moves), so the directory stays the one place their names live.
//!
//! An incremental run reads only entries whose `uSNChanged` is past the stored
//! high-water mark of the same domain controller (USNs are per DC; another DC means
//! a full run). A full run reads everything and also disables the linked users the
//! directory no longer shows (deleted, moved out of the base, out of the filter);
//! nothing is ever deleted, so their audit history stays. Writes go in batches, each
//! one transaction with its audit events; the high-water mark moves only with the
//! run's last transaction, so a run cut short is read again by the next one.
//!
//! One replica at a time: a run holds the lease in `directory_state`, taken with a
//! conditional UPDATE and extended after each batch; a crashed holder's lease runs
//! out on its own.

use super::ops::{within, DirectoryUser, USER_ATTRS};
use super::{Directory, DirectoryError};
use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::DIRECTORY_PASSWORD;
use crate::domain::{optional_mail, optional_text, DisplayName, UserPrincipalName};
use crate::state::ClockAndIds;
use crate::store::directory::{self as rows, LeaseHeld, LinkedUser, SyncedFields};
use crate::store::{Store, StoreError};
use crate::time::{Micros, Span};
use ldap3::{Scope, SearchEntry};
use shared::audit::Activity;
use shared::patterns::USER_ATTRIBUTE_MAX;
use shared::policy::DomainPasswordPolicy;
use shared::UserId;
use std::collections::{HashMap, HashSet};

/// Users written per transaction.
const BATCH: usize = 500;
/// AD answers at most 1,000 entries a page (`MaxPageSize`).
const PAGE_SIZE: i32 = 1000;
/// How long a taken lease lasts without being extended.
const LEASE: Span = Span::minutes(10);
/// The periodic sync runs a full one when the last is older than this.
const FULL_EVERY: Span = Span::hours(24);
/// Conflicting sign-in names listed in a run's audit event (the count is complete).
const CONFLICTS_LISTED: usize = 20;

/// Which entries a run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Every entry; also disables the linked users the directory no longer has.
    Full,
    /// What changed since the last run (full when there was none on this DC).
    Incremental,
    /// Incremental, and full once a day: what `serve` runs.
    Periodic,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub full: bool,
    /// The domain controller that answered.
    pub server: String,
    /// Entries the search returned.
    pub read: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Linked users a full run no longer found, now disabled.
    pub disabled_missing: u64,
    /// Entries without a `userPrincipalName`.
    pub skipped_without_upn: u64,
    /// Entries whose UPN or name OpenStaff cannot take (too long, control characters).
    pub skipped_invalid: u64,
    /// Sign-in names already taken by a cloud user (or another account): not
    /// synced, the cloud account untouched.
    pub conflicts: Vec<String>,
    pub usn_high_water: i64,
}

/// A run, or why it did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Ran(SyncReport),
    /// Another replica (or command) is syncing.
    LeaseHeld(LeaseHeld),
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("the sync lease was lost to another replica")]
    LeaseLost,
}

impl SyncError {
    /// The stable reason recorded in the failure's audit event.
    fn reason(&self) -> &'static str {
        match self {
            SyncError::Directory(DirectoryError::Unavailable(_)) => "directory_unavailable",
            SyncError::Directory(_) => "directory_refused",
            SyncError::Store(_) => "internal_error",
            SyncError::LeaseLost => "lease_lost",
        }
    }
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::Store(StoreError::Other(e))
    }
}

/// Runs one sync if the lease is free.
pub async fn sync(
    dir: &Directory,
    store: &Store,
    time: &ClockAndIds,
    mode: SyncMode,
) -> Result<SyncOutcome, SyncError> {
    let holder = time.new_id();
    let now = time.now();
    let mut tx = store.begin().await?;
    let taken = rows::take_lease(&mut tx, &holder, now, now + LEASE).await?;
    tx.commit().await?;
    if let Err(held) = taken {
        return Ok(SyncOutcome::LeaseHeld(held));
    }
    let who = Initiator::directory_sync(&*time.ids);
    let mut run = Run {
        dir,
        store,
        time,
        who: &who,
        holder: &holder,
        report: SyncReport::default(),
        lowest_conflict_usn: None,
    };
    let result = run.run(mode).await;
    let report = run.report;
    let released = async {
        let mut tx = store.begin().await?;
        rows::release_lease(&mut tx, &holder).await?;
        tx.commit().await.map_err(StoreError::Other)
    }
    .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "could not release the directory sync lease (it expires)");
    }
    match result {
        Ok(()) => Ok(SyncOutcome::Ran(report)),
        Err(e) => {
            tracing::warn!(error = %e, "directory sync failed");
            let event = Event::failure(Activity::SynchronizeDirectory, e.reason())
                .target(run_target(dir, &report, "failure"));
            let recorded = async {
                let mut tx = store.begin().await?;
                audit::record(&mut tx, &who, time.now(), &*time.ids, event).await?;
                tx.commit().await.map_err(StoreError::Other)
            }
            .await;
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "could not record the failed directory sync");
            }
            Err(e)
        }
    }
}

/// The run's audit target: the directory, with the counts as properties.
fn run_target(dir: &Directory, r: &SyncReport, outcome: &str) -> TargetResource {
    let n = |v: u64| Some(v.to_string());
    let mut listed: Vec<String> = r.conflicts.iter().take(CONFLICTS_LISTED).cloned().collect();
    if r.conflicts.len() > CONFLICTS_LISTED {
        listed.push(format!("and {} more", r.conflicts.len() - CONFLICTS_LISTED));
    }
    let t = TargetResource {
        type_: "directory".to_owned(),
        id: if r.server.is_empty() {
            dir.url().to_owned()
        } else {
            r.server.clone()
        },
        display_name: dir.base_dn.clone(),
        modified_properties: Vec::new(),
        unit: None,
    }
    .with(
        "mode",
        None,
        Some(if r.full { "full" } else { "incremental" }.to_owned()),
    )
    .with("outcome", None, Some(outcome.to_owned()))
    .with("read", None, n(r.read))
    .with("created", None, n(r.created))
    .with("updated", None, n(r.updated))
    .with("unchanged", None, n(r.unchanged))
    .with("disabled_missing", None, n(r.disabled_missing))
    .with("skipped_without_upn", None, n(r.skipped_without_upn))
    .with("skipped_invalid", None, n(r.skipped_invalid))
    .with("conflicts", None, n(r.conflicts.len() as u64));
    if listed.is_empty() {
        t
    } else {
        // Sign-in names only: which cloud accounts already hold them is for the
        // operator to look up.
        t.with(
            "conflicting_user_principal_names",
            None,
            Some(listed.join(", ")),
        )
    }
}

struct Run<'a> {
    dir: &'a Directory,
    store: &'a Store,
    time: &'a ClockAndIds,
    who: &'a Initiator,
    holder: &'a str,
    report: SyncReport,
    lowest_conflict_usn: Option<i64>,
}

/// Why an entry is not synced.
enum Skip {
    NoUpn,
    Invalid,
}

/// The entry's attributes as OpenStaff takes them.
fn fields(u: &DirectoryUser) -> Result<SyncedFields, Skip> {
    let raw_upn = u.user_principal_name.as_deref().ok_or(Skip::NoUpn)?;
    let upn = UserPrincipalName::parse(raw_upn).map_err(|_| Skip::Invalid)?;
    let local = upn.as_str().split('@').next().unwrap_or(upn.as_str());
    let raw_name = u
        .display_name
        .as_deref()
        .or(u.sam_account_name.as_deref())
        .unwrap_or(local);
    let name = DisplayName::parse(raw_name).map_err(|_| Skip::Invalid)?;
    // Attributes OpenStaff cannot hold are left out rather than the person.
    let text = |field: &str, v: &Option<String>| {
        optional_text(field, v.as_deref(), USER_ATTRIBUTE_MAX).unwrap_or(None)
    };
    Ok(SyncedFields {
        external_id: u.guid.to_string(),
        user_principal_name: upn.as_str().to_owned(),
        display_name: name.as_str().to_owned(),
        mail: optional_mail(u.mail.as_deref()).unwrap_or(None),
        job_title: text("job_title", &u.job_title),
        department: text("department", &u.department),
        account_enabled: u.enabled,
    })
}

/// The changed properties, old → new, of a user the sync updates.
fn changes(old: &LinkedUser, new: &SyncedFields) -> TargetResource {
    TargetResource::user(old.id, &new.display_name)
        .with_if_changed(
            "external_id",
            old.external_id.clone(),
            Some(new.external_id.clone()),
        )
        .with_if_changed(
            "source",
            Some(old.source.clone()),
            Some("on_premises".to_owned()),
        )
        .with_if_changed(
            "user_principal_name",
            Some(old.user_principal_name.clone()),
            Some(new.user_principal_name.clone()),
        )
        .with_if_changed(
            "display_name",
            Some(old.display_name.clone()),
            Some(new.display_name.clone()),
        )
        .with_if_changed("mail", old.mail.clone(), new.mail.clone())
        .with_if_changed("job_title", old.job_title.clone(), new.job_title.clone())
        .with_if_changed("department", old.department.clone(), new.department.clone())
        .with_if_changed(
            "account_enabled",
            Some(old.account_enabled.to_string()),
            Some(new.account_enabled.to_string()),
        )
}

/// What the root DSE says about the DC.
struct DcInfo {
    server: String,
    highest_usn: Option<i64>,
}

impl Run<'_> {
    async fn run(&mut self, mode: SyncMode) -> Result<(), SyncError> {
        let state = rows::state(self.store.reader()).await?;
        let mut ldap = self.dir.service().await?;
        let dc = self.dc_info(&mut ldap).await?;
        let policy = self.dir.password_policy(&mut ldap).await?;
        let now = self.time.now();
        let same_dc = state.server.as_deref() == Some(dc.server.as_str());
        let full = match (mode, state.usn_high_water) {
            (SyncMode::Full, _) | (_, None) => true,
            _ if !same_dc => true,
            (SyncMode::Periodic, Some(_)) => state
                .last_full_sync_at
                .is_none_or(|at| at + FULL_EVERY <= now),
            (SyncMode::Incremental, Some(_)) => false,
        };
        self.report.full = full;
        self.report.server = dc.server.clone();
        let base_filter = if self.dir.user_filter.trim_start().starts_with('(') {
            self.dir.user_filter.trim().to_owned()
        } else {
            format!("({})", self.dir.user_filter.trim())
        };
        let filter = match state.usn_high_water {
            Some(hw) if !full => format!("(&{base_filter}(uSNChanged>={}))", hw + 1),
            _ => base_filter,
        };
        let users = self.read_users(&mut ldap, &filter).await?;
        let _ = ldap.unbind().await;
        self.report.read = users.len() as u64;
        let max_seen = users.iter().map(|u| u.usn_changed).max();
        let mut seen: HashSet<String> = HashSet::with_capacity(if full { users.len() } else { 0 });
        for chunk in users.chunks(BATCH) {
            if full {
                seen.extend(chunk.iter().map(|u| u.guid.to_string()));
            }
            self.write_batch(chunk).await?;
            self.extend_lease().await?;
        }
        // The highest USN the DC had committed when the run began (changes after it
        // are read next time); a conflicting entry keeps the mark below it, so it is
        // read (and reported) again until someone resolves it.
        let mut high_water = dc
            .highest_usn
            .or(max_seen)
            .or(state.usn_high_water)
            .unwrap_or(0);
        if let Some(low) = self.lowest_conflict_usn {
            high_water = high_water.min(low - 1);
        }
        self.report.usn_high_water = high_water;
        self.finish(full, &seen, &dc.server, high_water, &policy)
            .await
    }

    async fn dc_info(&self, ldap: &mut ldap3::Ldap) -> Result<DcInfo, DirectoryError> {
        let (entries, _) = within(
            self.dir.timeout,
            ldap.search(
                "",
                Scope::Base,
                "(objectClass=*)",
                vec!["dnsHostName", "dsServiceName", "highestCommittedUSN"],
            ),
        )
        .await?
        .map_err(DirectoryError::from_ldap)?
        .success()
        .map_err(DirectoryError::from_ldap)?;
        let dse = entries
            .into_iter()
            .next()
            .map(SearchEntry::construct)
            .ok_or_else(|| DirectoryError::Refused("the root DSE is not readable".to_owned()))?;
        let one = |n: &str| dse.attrs.get(n).and_then(|v| v.first()).cloned();
        Ok(DcInfo {
            server: one("dnsHostName")
                .or_else(|| one("dsServiceName"))
                .unwrap_or_else(|| self.dir.url().to_owned()),
            highest_usn: one("highestCommittedUSN").and_then(|s| s.parse().ok()),
        })
    }

    /// Every matching entry, a page of [`PAGE_SIZE`] at a time.
    async fn read_users(
        &self,
        ldap: &mut ldap3::Ldap,
        filter: &str,
    ) -> Result<Vec<DirectoryUser>, DirectoryError> {
        ldap.with_timeout(self.dir.timeout);
        let mut stream = ldap
            .streaming_search_with(
                ldap3::adapters::PagedResults::new(PAGE_SIZE),
                &self.dir.base_dn,
                Scope::Subtree,
                filter,
                USER_ATTRS.to_vec(),
            )
            .await
            .map_err(DirectoryError::from_ldap)?;
        let mut out = Vec::new();
        while let Some(entry) = stream.next().await.map_err(DirectoryError::from_ldap)? {
            if entry.is_ref() || entry.is_intermediate() {
                continue;
            }
            if let Some(u) = DirectoryUser::from_entry(SearchEntry::construct(entry)) {
                out.push(u);
            }
        }
        stream
            .finish()
            .await
            .success()
            .map_err(DirectoryError::from_ldap)?;
        Ok(out)
    }

    async fn extend_lease(&self) -> Result<(), SyncError> {
        let now = self.time.now();
        let mut tx = self.store.begin().await?;
        let kept = rows::take_lease(&mut tx, self.holder, now, now + LEASE).await?;
        tx.commit().await?;
        kept.map_err(|_| SyncError::LeaseLost)
    }

    fn conflict(&mut self, upn: &str, usn: i64) {
        self.report.conflicts.push(upn.to_owned());
        self.lowest_conflict_usn = Some(self.lowest_conflict_usn.map_or(usn, |l| l.min(usn)));
    }

    /// One transaction: the batch's creations and updates with their audit events.
    async fn write_batch(&mut self, chunk: &[DirectoryUser]) -> Result<(), SyncError> {
        let now = self.time.now();
        let mut tx = self.store.begin().await?;
        let ext_ids: Vec<String> = chunk.iter().map(|u| u.guid.to_string()).collect();
        let linked = rows::linked_by_external_ids(&mut tx, &ext_ids).await?;
        let mut checked = Vec::with_capacity(chunk.len());
        for u in chunk {
            match fields(u) {
                Ok(f) => checked.push((u.usn_changed, f)),
                Err(Skip::NoUpn) => self.report.skipped_without_upn += 1,
                Err(Skip::Invalid) => self.report.skipped_invalid += 1,
            }
        }
        // Who signs in with each of these names today?
        let wanted: Vec<String> = checked
            .iter()
            .map(|(_, f)| f.user_principal_name.to_lowercase())
            .collect();
        let holders = rows::by_upns(&mut tx, &wanted).await?;
        let mut claimed: HashSet<String> = HashSet::new();
        let mut creates: Vec<(UserId, SyncedFields)> = Vec::new();
        let mut updates: Vec<(LinkedUser, SyncedFields)> = Vec::new();
        for (usn, mut f) in checked {
            let key = f.user_principal_name.to_lowercase();
            if let Some(old) = linked.get(&f.external_id) {
                if old.user_principal_name.to_lowercase() != key {
                    let taken =
                        holders.get(&key).is_some_and(|h| h.id != old.id) || claimed.contains(&key);
                    if taken {
                        // The rest of the change still applies; the name waits.
                        self.conflict(&f.user_principal_name, usn);
                        f.user_principal_name = old.user_principal_name.clone();
                    } else {
                        claimed.insert(key);
                    }
                }
                if changes(old, &f).modified_properties.is_empty() {
                    self.report.unchanged += 1;
                } else {
                    updates.push((old.clone(), f));
                }
                continue;
            }
            if claimed.contains(&key) {
                self.conflict(&f.user_principal_name, usn);
                continue;
            }
            match holders.get(&key) {
                // An on-premises user entered before the directory was connected:
                // this entry is them.
                Some(h) if h.source == "on_premises" && h.external_id.is_none() => {
                    claimed.insert(key);
                    updates.push((h.clone(), f));
                }
                // Never overwrite a cloud account (or another linked one).
                Some(_) => self.conflict(&f.user_principal_name, usn),
                None => {
                    claimed.insert(key);
                    creates.push((self.time.ids.new_id().into(), f));
                }
            }
        }
        let ids: Vec<UserId> = updates.iter().map(|(old, _)| old.id).collect();
        let units = rows::units_of(&mut tx, &ids).await?;
        for (old, new) in &updates {
            let end_sessions = old.account_enabled && !new.account_enabled;
            rows::update_synced(&mut tx, old, new, end_sessions, now).await?;
            if old.external_id.is_none() {
                // Linked now: the domain has the password, OpenStaff no copy.
                sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                    .bind(old.id)
                    .bind(DIRECTORY_PASSWORD)
                    .execute(&mut *tx)
                    .await?;
            }
            let event = Event::success(Activity::UpdateUser)
                .target(changes(old, new))
                .units(units.get(&old.id).cloned().unwrap_or_default());
            audit::record(&mut tx, self.who, now, &*self.time.ids, event).await?;
            self.report.updated += 1;
        }
        rows::insert_synced(&mut tx, &creates, DIRECTORY_PASSWORD, now).await?;
        for (id, f) in &creates {
            let mut target = TargetResource::user(*id, &f.display_name)
                .with("external_id", None, Some(f.external_id.clone()))
                .with(
                    "user_principal_name",
                    None,
                    Some(f.user_principal_name.clone()),
                )
                .with("display_name", None, Some(f.display_name.clone()))
                .with("source", None, Some("on_premises".to_owned()))
                .with("account_enabled", None, Some(f.account_enabled.to_string()));
            for (name, value) in [
                ("mail", &f.mail),
                ("job_title", &f.job_title),
                ("department", &f.department),
            ] {
                if let Some(v) = value {
                    target = target.with(name, None, Some(v.clone()));
                }
            }
            let event = Event::success(Activity::CreateUser).target(target);
            audit::record(&mut tx, self.who, now, &*self.time.ids, event).await?;
            self.report.created += 1;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The run's last transaction: a full run's disabling of the users the directory
    /// no longer has, the new high-water mark and policy, and the run's event.
    async fn finish(
        &mut self,
        full: bool,
        seen: &HashSet<String>,
        server: &str,
        high_water: i64,
        policy: &DomainPasswordPolicy,
    ) -> Result<(), SyncError> {
        let now = self.time.now();
        let mut tx = self.store.begin().await?;
        if full {
            let gone: Vec<LinkedUser> = rows::all_linked(&mut tx)
                .await?
                .into_iter()
                .filter(|u| {
                    u.account_enabled && u.external_id.as_ref().is_some_and(|e| !seen.contains(e))
                })
                .collect();
            let ids: Vec<UserId> = gone.iter().map(|u| u.id).collect();
            let units: HashMap<_, _> = rows::units_of(&mut tx, &ids).await?;
            for u in &gone {
                rows::disable(&mut tx, u.id, now).await?;
                let target = TargetResource::user(u.id, &u.display_name).with(
                    "account_enabled",
                    Some("true".to_owned()),
                    Some("false".to_owned()),
                );
                let event = Event::success(Activity::UpdateUser)
                    .target(target)
                    .units(units.get(&u.id).cloned().unwrap_or_default());
                audit::record(&mut tx, self.who, now, &*self.time.ids, event).await?;
                self.report.disabled_missing += 1;
            }
        }
        rows::save_run(
            &mut tx,
            &rows::RunEnd {
                server,
                usn_high_water: high_water,
                policy,
                full,
                now,
            },
        )
        .await?;
        let event = Event::success(Activity::SynchronizeDirectory).target(run_target(
            self.dir,
            &self.report,
            if self.report.conflicts.is_empty() {
                "success"
            } else {
                "success with conflicts"
            },
        ));
        audit::record(&mut tx, self.who, now, &*self.time.ids, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The lease's end as the command line tells it.
pub fn lease_message(held: &LeaseHeld) -> String {
    format!(
        "another sync holds the lease ({}) until {}",
        held.holder.as_deref().unwrap_or("unknown holder"),
        Micros::to_datetime(held.until).to_rfc3339()
    )
}
