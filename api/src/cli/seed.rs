//! Sample data and the first administrator, made the way a request makes them: the
//! command line acts as a caller of its own ([`AuthContext::cli`]: no account, a
//! Global Administrator's powers, audited as `openstaff-cli` with surface `cli`) and
//! calls the service functions the HTTP routes call, so the same rules decide each
//! change and the same audit event records it.
//!
//! The demo organisation is data, in the tables below; [`demo`] walks them. Each change
//! commits on its own, as it would through the API: a seed that stops part-way keeps
//! what it wrote (audited), and says to start again on an empty database.

use crate::auth::password::Secret;
use crate::auth::AuthContext;
use crate::domain::{check_cloud_password, DisplayName, UserPrincipalName};
use crate::error::ApiError;
use crate::service::new_user::{NewUserDraft, RawUser};
use crate::service::{membership, role_assignments, units, users};
use crate::state::{AppState, ClockAndIds};
use crate::store::Store;
use anyhow::Context;
use shared::dto::{self, FieldError, UserSource};
use shared::rules::Grant;
use shared::{ErrorCode, Role, Scope, UnitId, UserId};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "OpenStaff-Demo-2026!";

// The demo organisation ---------------------------------------------------------------

/// A location of the demo chain.
struct Location {
    name: &'static str,
    description: &'static str,
    restricted: bool,
}

const fn location(name: &'static str, description: &'static str) -> Location {
    Location {
        name,
        description,
        restricted: false,
    }
}

/// Positions in [`LOCATIONS`].
const STORES: [usize; 4] = [0, 1, 2, 3];
const STORE_012: usize = 0;
const STORE_027: usize = 1;
const REGION: usize = 4;
const EXECUTIVE_OFFICE: usize = 5;

const LOCATIONS: [Location; 6] = [
    location("Store 012 · Lyon Part-Dieu", "Flagship store, Lyon"),
    location("Store 027 · Paris Bastille", "City store, Paris 11e"),
    location(
        "Store 031 · Marseille Vieux-Port",
        "Harbour store, Marseille",
    ),
    location("Store 044 · Lille Flandres", "Station store, Lille"),
    location("South-East Region", "Regional office, Lyon and Marseille"),
    Location {
        name: "Executive Office",
        description: "Board and executive assistants (restricted)",
        restricted: true,
    },
];

/// Where a role applies: the directory, or a position in [`LOCATIONS`].
#[derive(Clone, Copy)]
enum At {
    Directory,
    Location(usize),
}

struct Person<'a> {
    upn: &'a str,
    name: &'a str,
    job: &'a str,
    dept: &'a str,
    source: UserSource,
}

/// A named demo account: who, their roles, and the locations they belong to.
struct Account {
    person: Person<'static>,
    roles: &'static [(Role, At)],
    member_of: &'static [usize],
}

const fn account(
    upn: &'static str,
    name: &'static str,
    job: &'static str,
    dept: &'static str,
    roles: &'static [(Role, At)],
    member_of: &'static [usize],
) -> Account {
    Account {
        person: Person {
            upn,
            name,
            job,
            dept,
            source: UserSource::Cloud,
        },
        roles,
        member_of,
    }
}

/// The administrators and managers, made first.
const MANAGERS: [Account; 7] = [
    account(
        "admin@contoso.example",
        "Avery Admin",
        "IT Administrator",
        "IT",
        &[(Role::GlobalAdministrator, At::Directory)],
        &[],
    ),
    account(
        "ursula.novak@contoso.example",
        "Ursula Novak",
        "HR Systems Lead",
        "HR",
        &[(Role::UserAdministrator, At::Directory)],
        &[],
    ),
    account(
        "hannah.lee@contoso.example",
        "Hannah Lee",
        "Service Desk Agent",
        "IT",
        &[(Role::HelpdeskAdministrator, At::Directory)],
        &[],
    ),
    // Maria runs two stores: passwords and sign-in phone numbers.
    account(
        "maria.garcia@contoso.example",
        "Maria Garcia",
        "Store Manager",
        "Retail",
        &[
            (Role::AuthenticationAdministrator, At::Location(STORE_012)),
            (Role::AuthenticationAdministrator, At::Location(STORE_027)),
        ],
        &[STORE_012, STORE_027],
    ),
    // Tom is a shift lead who may only reset passwords in one store.
    account(
        "tom.becker@contoso.example",
        "Tom Becker",
        "Shift Lead",
        "Retail",
        &[(Role::PasswordAdministrator, At::Location(STORE_027))],
        &[STORE_027],
    ),
    // Omar manages the region with helpdesk rights.
    account(
        "omar.haddad@contoso.example",
        "Omar Haddad",
        "Regional Manager",
        "Retail",
        &[(Role::HelpdeskAdministrator, At::Location(REGION))],
        &[REGION],
    ),
    // Priya looks after the restricted executive office.
    account(
        "priya.shah@contoso.example",
        "Priya Shah",
        "Executive Assistant Lead",
        "Executive",
        &[
            (Role::UserAdministrator, At::Location(EXECUTIVE_OFFICE)),
            (
                Role::AuthenticationAdministrator,
                At::Location(EXECUTIVE_OFFICE),
            ),
        ],
        &[],
    ),
];

/// Store staff (first name, last name, job), made after the managers: each is
/// `first.last@contoso.example` in the Retail department, in store `i % 4`, in the
/// region too when `i % 4 == 0`, and on-premises when `i % 5 == 4`.
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

/// Made last: the executives (in the restricted office) and someone with no role.
const OTHERS: [Account; 3] = [
    account(
        "victor.lambert@contoso.example",
        "Victor Lambert",
        "Chief Executive Officer",
        "Executive",
        &[],
        &[EXECUTIVE_OFFICE],
    ),
    account(
        "claire.fontaine@contoso.example",
        "Claire Fontaine",
        "Executive Assistant",
        "Executive",
        &[],
        &[EXECUTIVE_OFFICE],
    ),
    account(
        "sam.taylor@contoso.example",
        "Sam Taylor",
        "Sales Associate",
        "Retail",
        &[],
        &[],
    ),
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

// Acting through the services ---------------------------------------------------------

/// The command line acting: the state a request's services run with, and its caller.
struct Acting {
    state: AppState,
    ctx: AuthContext,
}

impl Acting {
    fn new(store: &Store, time: &ClockAndIds) -> anyhow::Result<Self> {
        Ok(Acting {
            state: AppState::for_cli(store, time)?,
            ctx: AuthContext::cli(&*time.ids),
        })
    }

    /// `POST /administrative-units`.
    async fn location(&mut self, l: &Location) -> anyhow::Result<UnitId> {
        let unit = units::create_unit(
            &self.state,
            &self.ctx,
            dto::CreateAdministrativeUnit {
                display_name: l.name.to_owned(),
                description: Some(l.description.to_owned()),
                restricted: l.restricted,
            },
        )
        .await
        .map_err(failed)?;
        if l.restricted {
            // A restricted location keeps even Global Administrators out: only a user
            // administrator assigned at it may fill it, so the command line takes that
            // role there for this run (nothing is stored; its changes are audited).
            self.ctx.add_grant(Grant {
                role: Role::UserAdministrator,
                scope: Scope::AdministrativeUnit { id: unit.id },
            });
        }
        Ok(UnitId::from(unit.id))
    }

    /// `POST /users`, with the password already hashed.
    async fn user(&self, p: &Person<'_>, hash: &str) -> anyhow::Result<UserId> {
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
        .map_err(|errors| anyhow::anyhow!("{}: {}", p.upn, messages(&errors)))?;
        let user = users::create_user_with_hash(&self.state, &self.ctx, &draft, hash)
            .await
            .map_err(failed)?;
        Ok(UserId::from(user.id))
    }

    /// `POST /role-assignments`.
    async fn assign(&self, user: UserId, role: Role, scope: Scope) -> anyhow::Result<()> {
        let req = dto::CreateRoleAssignment {
            principal_type: dto::PrincipalType::User,
            principal_id: user.uuid(),
            role,
            scope,
        };
        role_assignments::create_assignment(&self.state, &self.ctx, req)
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// `POST /administrative-units/{id}/members`.
    async fn add_member(&self, unit: UnitId, user: UserId) -> anyhow::Result<()> {
        membership::change_membership(&self.state, &self.ctx, &unit.to_string(), user, true)
            .await
            .map_err(failed)
    }

    /// One account with its roles and locations (`locations` are the made
    /// [`LOCATIONS`], in order).
    async fn account(
        &self,
        person: &Person<'_>,
        roles: &[(Role, At)],
        member_of: &[usize],
        locations: &[UnitId],
        hash: &str,
    ) -> anyhow::Result<()> {
        let unit = |i: usize| {
            locations
                .get(i)
                .copied()
                .with_context(|| format!("no demo location #{i}"))
        };
        let id = self.user(person, hash).await?;
        for &(role, at) in roles {
            let scope = match at {
                At::Directory => Scope::Directory,
                At::Location(i) => Scope::AdministrativeUnit {
                    id: unit(i)?.uuid(),
                },
            };
            self.assign(id, role, scope).await?;
        }
        for &i in member_of {
            self.add_member(unit(i)?, id).await?;
        }
        Ok(())
    }
}

fn messages(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A service's refusal or failure as the command line reports it: the words an API
/// caller would read (the error stays downcastable to [`ApiError`]).
fn failed(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Internal(e) => e,
        ApiError::Validation(errors) => anyhow::anyhow!(messages(&errors)),
        other => anyhow::Error::new(other),
    }
}

// The commands ------------------------------------------------------------------------

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
    let acting = Acting::new(store, time)?;
    if check_policy {
        let errors = check_cloud_password(
            &acting.state.policy.cloud(),
            "password",
            password.expose(),
            upn.as_str(),
            name.as_str(),
        );
        if !errors.is_empty() {
            anyhow::bail!(
                "the password does not meet the policy: {}",
                messages(&errors)
            );
        }
    }
    let hash = acting.state.hasher.hash(password).await?;
    let person = Person {
        upn: upn.as_str(),
        name: name.as_str(),
        job: "Administrator",
        dept: "IT",
        source: UserSource::Cloud,
    };
    let id = match acting.user(&person, &hash).await {
        Err(e)
            if matches!(
                e.downcast_ref::<ApiError>(),
                Some(ApiError::Conflict {
                    code: ErrorCode::UpnTaken,
                    ..
                })
            ) =>
        {
            anyhow::bail!("a user already signs in as {}", upn.as_str())
        }
        other => other?,
    };
    acting
        .assign(id, Role::GlobalAdministrator, Scope::Directory)
        .await
        .context("giving the new account the Global Administrator role")?;
    Ok(())
}

/// Loads the demo retail chain into an empty directory.
pub async fn demo(store: &Store, time: &ClockAndIds, if_empty: bool) -> anyhow::Result<()> {
    if crate::store::users::count_users(store.reader()).await? > 0 {
        if if_empty {
            eprintln!("The directory already has users; demo data not loaded.");
            return Ok(());
        }
        anyhow::bail!("the directory already has users; seed demo only loads into an empty one");
    }
    let mut acting = Acting::new(store, time)?;
    let hash = acting
        .state
        .hasher
        .hash(&Secret::new(DEMO_PASSWORD))
        .await?;
    load_demo(&mut acting, &hash).await.context(
        "the demo organisation was loaded only in part (what was written stays, and is \
         audited); start again on an empty database",
    )?;
    eprintln!("Demo organisation loaded. Sign in as admin@contoso.example (Global Administrator),");
    eprintln!(
        "maria.garcia@contoso.example (store manager) or tom.becker@contoso.example (shift lead),"
    );
    eprintln!("all with the password {DEMO_PASSWORD}");
    Ok(())
}

/// Walks the tables above, in order: locations, managers, staff, the others.
async fn load_demo(acting: &mut Acting, hash: &str) -> anyhow::Result<()> {
    let mut locations = Vec::new();
    for l in &LOCATIONS {
        locations.push(acting.location(l).await?);
    }
    for a in &MANAGERS {
        acting
            .account(&a.person, a.roles, a.member_of, &locations, hash)
            .await?;
    }
    for (i, &(first, last, job)) in STAFF.iter().enumerate() {
        let upn = format!(
            "{}.{}@contoso.example",
            ascii_lower(first),
            ascii_lower(last)
        );
        let name = format!("{first} {last}");
        let person = Person {
            upn: &upn,
            name: &name,
            job,
            dept: "Retail",
            source: if i % 5 == 4 {
                UserSource::OnPremises
            } else {
                UserSource::Cloud
            },
        };
        let mut member_of = vec![STORES[i % STORES.len()]];
        if i % 4 == 0 {
            member_of.push(REGION);
        }
        acting
            .account(&person, &[], &member_of, &locations, hash)
            .await?;
    }
    for a in &OTHERS {
        acting
            .account(&a.person, a.roles, a.member_of, &locations, hash)
            .await?;
    }
    Ok(())
}
