//! The command line: `serve`, `migrate`, `create-admin`, `seed demo`, `openapi`,
//! `audit verify`, `sms outbox`. Every flag also reads an `OPENSTAFF_*` variable.

pub mod bench;
pub mod scale;
pub mod seed;

use crate::audit::{self, Verification};
use crate::config::{ServerConfig, StoreConfig};
use crate::state::ClockAndIds;
use crate::store::Store;
use crate::time::{Micros, Span};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "openstaff",
    version,
    about = "Delegated user management: My Staff for everyone"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreConfig,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app at /, the API at /api and the explorer at /api/docs.
    Serve {
        #[command(flatten)]
        server: Box<ServerConfig>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create a Global Administrator. The password is read from stdin, or generated
    /// and printed once when stdin is empty.
    CreateAdmin {
        /// Sign-in name, e.g. admin@contoso.example.
        #[arg(long)]
        upn: String,
        /// Display name (default: the part of the UPN before @).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Load sample data.
    Seed {
        #[command(subcommand)]
        what: SeedCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Token signing keys.
    Keys {
        #[command(subcommand)]
        what: KeysCommand,
    },
    /// Applications that sign their users in with OpenStaff (OpenID Connect).
    Applications {
        #[command(subcommand)]
        what: ApplicationsCommand,
    },
    /// The on-premises directory (Active Directory): `check` the connection, `sync`
    /// its users in.
    Directory {
        #[command(flatten)]
        directory: crate::directory::DirectoryConfig,
        #[command(subcommand)]
        what: DirectoryCommand,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// Text messages: read the outbox, send a test message through the gateway.
    Sms {
        #[command(subcommand)]
        what: SmsCommand,
    },
    /// For `make bench` only: prints fresh authorization codes, then refresh tokens
    /// (one a line) of one provider session of `--upn` for `--client-id`.
    #[command(hide = true)]
    BenchMint {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        upn: String,
        #[arg(long)]
        redirect_uri: String,
        #[arg(long)]
        code_verifier: String,
        #[arg(long, default_value = "openid profile email offline_access")]
        scope: String,
        #[arg(long, default_value_t = 0)]
        codes: u64,
        #[arg(long, default_value_t = 0)]
        refresh_tokens: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// A retail chain: regions, stores as locations, managers with scoped roles,
    /// staff, on-premises users and one restricted location.
    Demo {
        /// Do nothing when the directory already has users.
        #[arg(long)]
        if_empty: bool,
    },
    /// A large synthetic directory for load tests, loaded in batches.
    Scale {
        /// Number of users (including one manager per location and an admin).
        #[arg(long, default_value_t = 10_000)]
        users: u64,
        /// Number of locations.
        #[arg(long, default_value_t = 100)]
        units: u64,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the signing keys and their state.
    List,
    /// Make a new signing key: published in the JWKS at once, signing after
    /// `--publish-for-seconds`; the old keys keep verifying for a token lifetime after.
    Rotate {
        #[arg(long, default_value_t = 600)]
        publish_for_seconds: u64,
        /// The servers' token lifetime (`OPENSTAFF_TOKEN_TTL_SECONDS`).
        #[arg(long, env = "OPENSTAFF_TOKEN_TTL_SECONDS", default_value_t = 900)]
        token_ttl_seconds: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApplicationsCommand {
    /// Register an application; prints `{"client_id": …, "client_secret": …}` (no
    /// secret for `--public`). The secret is shown this once.
    Create {
        /// Display name, shown on the sign-in page.
        #[arg(long)]
        name: String,
        /// An exact redirect URI (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// An exact URI to return to after signing out (repeat for several).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Where "My account" links to.
        #[arg(long)]
        start_url: Option<String>,
        /// A public client (a browser or phone app): no secret, PKCE only.
        #[arg(long)]
        public: bool,
        /// How its ID tokens are signed: RS256 (every relying party supports it) or
        /// EdDSA.
        #[arg(long = "id-token-alg", default_value = "RS256", value_parser = ["RS256", "EdDSA"])]
        id_token_alg: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Connect, bind as the service account, and print what the directory holds
    /// (server, naming context, users under the filter, password policy) as JSON.
    Check,
    /// Sync users in from the directory once (what changed since the last run, or
    /// everything with `--full`) and print the run's counts as JSON. Exits 3 when
    /// another sync holds the lease.
    Sync {
        /// Read every user, and disable the linked users the directory no longer
        /// has (deleted, moved out of the base DN or out of the filter).
        #[arg(long)]
        full: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// The newest messages (development outbox and webhook deliveries alike), newest
    /// first. Messages still to be read show their number and text; delivered and
    /// given-up webhook messages keep only the masked number.
    Outbox {
        /// How many messages.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        limit: i64,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Queue a message, as the server would (to test a gateway): with
    /// `OPENSTAFF_SMS=webhook` a running `serve` delivers it; with the outbox it
    /// stays there. Reads the same `OPENSTAFF_SMS*` settings as `serve`.
    Send {
        /// The recipient, with its country code (`+33 6 12 34 56 78`).
        #[arg(long)]
        to: String,
        /// The text.
        #[arg(long)]
        body: String,
        #[command(flatten)]
        sms: Box<crate::config::SmsConfig>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exits non-zero naming the first bad event.
    Verify,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

async fn open(store: &StoreConfig) -> anyhow::Result<Store> {
    let s = Store::connect(&store.database_url, store.read_connections).await?;
    s.migrate().await?;
    Ok(s)
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The real clock, and ids from it, for everything the command does.
    let time = ClockAndIds::system();
    match cli.command {
        Command::Openapi => {
            print!("{}", crate::app::document_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { server } => {
            crate::telemetry::init();
            runtime()?.block_on(async move {
                let state = crate::app::state(&cli.store, &server, time).await?;
                let listener = std::net::TcpListener::bind(&server.bind)
                    .with_context(|| format!("cannot listen on {}", server.bind))?;
                let addr = listener.local_addr()?;
                tracing::info!(%addr, "OpenStaff listening");
                eprintln!("OpenStaff is running at http://{addr}/ (API explorer: http://{addr}/api/docs/)");
                crate::app::server(state, &server, listener)?.await?;
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Migrate => runtime()?.block_on(async move {
            open(&cli.store).await?;
            eprintln!("Migrations applied.");
            Ok(ExitCode::SUCCESS)
        }),
        Command::CreateAdmin { upn, display_name } => {
            let stdin = std::io::stdin();
            let mut input = String::new();
            if stdin.is_terminal() {
                eprint!("Password for {upn} (empty to generate one): ");
                stdin.read_line(&mut input)?;
            } else {
                stdin.lock().read_to_string(&mut input)?;
            }
            let typed = input.trim_end_matches(['\r', '\n']).to_owned();
            runtime()?.block_on(async move {
                let store = open(&cli.store).await?;
                let generated = typed.is_empty();
                let password = if generated {
                    crate::auth::password::generate(18)
                } else {
                    crate::auth::password::Secret::new(typed)
                };
                crate::cli::seed::create_admin(
                    &store,
                    &time,
                    &upn,
                    display_name.as_deref(),
                    &password,
                    !generated,
                )
                .await?;
                if generated {
                    println!("Created Global Administrator {upn}.");
                    println!("Password (shown once): {}", password.expose());
                } else {
                    println!("Created Global Administrator {upn}.");
                }
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Seed {
            what: SeedCommand::Demo { if_empty },
        } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            crate::cli::seed::demo(&store, &time, if_empty).await?;
            Ok(ExitCode::SUCCESS)
        }),
        Command::Seed {
            what:
                SeedCommand::Scale {
                    users,
                    units,
                    quiet,
                },
        } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            let started = std::time::Instant::now();
            crate::cli::scale::scale(&store, &time, users, units, !quiet).await?;
            eprintln!("Took {:.1} s.", started.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }),
        Command::Keys { what } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            let now = time.now();
            let when = |t: Micros| t.to_datetime().to_rfc3339();
            match what {
                KeysCommand::List => {
                    for k in crate::store::keys::all_keys(store.reader()).await? {
                        let state = match k.retired_at {
                            Some(r) if r <= now => "retired".to_owned(),
                            Some(r) => format!("verifying until {}", when(r)),
                            None if k.activates_at > now => {
                                format!("published, signs from {}", when(k.activates_at))
                            }
                            None => "signing".to_owned(),
                        };
                        println!("{}  {}  created {}  {state}", k.kid, k.algorithm, when(k.created_at));
                    }
                }
                KeysCommand::Rotate {
                    publish_for_seconds,
                    token_ttl_seconds,
                } => {
                    let (kids, signs_from, old_until) = crate::auth::tokens::rotate(
                        &store,
                        now,
                        Span::seconds(publish_for_seconds),
                        token_ttl_seconds,
                    )
                    .await?;
                    // The access-token (EdDSA) key first: scripts read its kid
                    // as the third word.
                    for kid in kids {
                        println!(
                            "New key {kid}: published now, signs from {}; previous keys verify until {}.",
                            when(signs_from),
                            when(old_until)
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        Command::Applications {
            what:
                ApplicationsCommand::Create {
                    name,
                    redirect_uris,
                    post_logout_redirect_uris,
                    start_url,
                    public,
                    id_token_alg,
                },
        } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            let req = shared::dto::CreateApplication {
                display_name: name,
                start_url,
                redirect_uris,
                post_logout_redirect_uris,
                client_type: if public {
                    shared::dto::ClientType::Public
                } else {
                    shared::dto::ClientType::Confidential
                },
                sign_in_audience: shared::dto::SignInAudience::Everyone,
                allowed_unit_ids: Vec::new(),
                id_token_signed_response_alg: if id_token_alg == "EdDSA" {
                    shared::dto::IdTokenAlg::EdDsa
                } else {
                    shared::dto::IdTokenAlg::Rs256
                },
            };
            let created = match crate::service::applications::validate_new(&store, req).await {
                Ok(new) => {
                    let who = audit::Initiator::cli(&*time.ids);
                    crate::service::applications::insert(&store, &time, &who, new).await
                }
                Err(e) => Err(e),
            };
            match created {
                Ok(created) => {
                    let out = serde_json::json!({
                        "client_id": created.application.client_id,
                        "client_secret": created.client_secret,
                    });
                    println!("{out}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(crate::error::ApiError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("openstaff: {}: {}", e.field, e.message);
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }),
        Command::BenchMint {
            client_id,
            upn,
            redirect_uri,
            code_verifier,
            scope,
            codes,
            refresh_tokens,
        } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            let mint = bench::Mint {
                client_id: &client_id,
                upn: &upn,
                redirect_uri: &redirect_uri,
                code_verifier: &code_verifier,
                scope: &scope,
                codes,
                refresh_tokens,
            };
            bench::mint(&store, &time, mint).await?;
            Ok(ExitCode::SUCCESS)
        }),
        Command::Directory {
            directory,
            what: DirectoryCommand::Check,
        } => runtime()?.block_on(async move {
            let Some(dir) = crate::directory::Directory::from_config(&directory)? else {
                anyhow::bail!("no directory configured: set --ldap-url (OPENSTAFF_LDAP_URL)");
            };
            match dir.check().await {
                Ok(report) => {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("openstaff: directory check failed ({}): {e}", dir.url());
                    Ok(ExitCode::from(2))
                }
            }
        }),
        Command::Directory {
            directory,
            what: DirectoryCommand::Sync { full },
        } => runtime()?.block_on(async move {
            use crate::directory::sync::{self, SyncMode, SyncOutcome};
            let Some(dir) = crate::directory::Directory::from_config(&directory)? else {
                anyhow::bail!("no directory configured: set --ldap-url (OPENSTAFF_LDAP_URL)");
            };
            let store = open(&cli.store).await?;
            let mode = if full {
                SyncMode::Full
            } else {
                SyncMode::Incremental
            };
            match sync::sync(&dir, &store, &time, mode).await {
                Ok(SyncOutcome::Ran(report)) => {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                    Ok(ExitCode::SUCCESS)
                }
                Ok(SyncOutcome::LeaseHeld(held)) => {
                    eprintln!("openstaff: not synced: {}", sync::lease_message(&held));
                    Ok(ExitCode::from(3))
                }
                Err(e) => {
                    eprintln!("openstaff: directory sync failed ({}): {e}", dir.url());
                    Ok(ExitCode::from(2))
                }
            }
        }),
        Command::Sms {
            what: SmsCommand::Outbox { limit, json },
        } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            let state = crate::state::AppState::for_cli(&store, &time)?;
            let messages = crate::sms::outbox(&state, limit)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&messages)?);
            } else if messages.is_empty() {
                eprintln!("The SMS outbox is empty.");
            } else {
                for m in messages {
                    let attempts = match m.attempts {
                        1 => "1 attempt".to_owned(),
                        n => format!("{n} attempts"),
                    };
                    println!(
                        "{}  {}  {:<9}  {attempts}  {}  {}",
                        m.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        m.id,
                        m.status,
                        m.to,
                        m.body
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        Command::Sms {
            what: SmsCommand::Send { to, body, sms },
        } => runtime()?.block_on(async move {
            let number = match crate::domain::PhoneNumber::parse(&to, None) {
                Ok(n) => n,
                Err(e) => {
                    eprintln!("openstaff: --to: {}", e.message);
                    return Ok(ExitCode::from(2));
                }
            };
            let gateway = crate::sms::Gateway::from_config(&sms)?;
            let store = open(&cli.store).await?;
            let mut state = crate::state::AppState::for_cli(&store, &time)?;
            state.sms = std::sync::Arc::new(gateway);
            // Loaded before the transaction: loading takes the writer.
            state.secrets.key(time.now()).await?;
            let mut tx = store.begin().await?;
            let id = crate::sms::enqueue(&mut tx, &state, number.e164(), &body)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            if state.sms.delivers() {
                println!(
                    "Queued {id} to {} for the {} gateway; a running server delivers it.",
                    number.masked(),
                    state.sms.sender.name()
                );
            } else {
                println!(
                    "Put {id} to {} in the development outbox (openstaff sms outbox).",
                    number.masked()
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
        Command::Audit {
            what: AuditCommand::Verify,
        } => runtime()?.block_on(async move {
            let store = open(&cli.store).await?;
            match audit::verify(&store).await? {
                Verification::Valid { events } => {
                    println!("Audit chain verified: {events} events, no edits or deletions.");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, id, problem } => {
                    println!("Audit chain BROKEN at event #{seq} {id}: {problem}.");
                    Ok(ExitCode::from(2))
                }
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        // Clap checks ids, flags and env names are unique only when a command runs.
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
