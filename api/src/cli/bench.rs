//! `openstaff bench-mint` (hidden): authorization codes and refresh tokens for the
//! OpenID Connect rows of `make bench`. Both are single-use, so a load test needs a
//! supply of them; they are made here through the store's own functions, exactly as
//! the hosted page and the token endpoint make them (hashed, bound to a client, a
//! redirect URI, a PKCE challenge and a live provider session), and printed one a line.
//! Nothing here is reachable from the server.

use crate::auth::{random_secret, secret_hash};
use crate::state::ClockAndIds;
use crate::store::oidc::{self as rows, CodeRow, GrantRow, SessionRow};
use crate::store::Store;
use crate::time::Span;
use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use shared::ApplicationId;
use std::io::Write;

/// What to mint.
pub struct Mint<'a> {
    pub client_id: &'a str,
    pub upn: &'a str,
    pub redirect_uri: &'a str,
    pub code_verifier: &'a str,
    pub scope: &'a str,
    pub codes: u64,
    pub refresh_tokens: u64,
}

/// Makes one provider session for `upn`, then `codes` codes and `refresh_tokens`
/// grants with one refresh token each; prints the codes, then the refresh tokens.
pub async fn mint(store: &Store, time: &ClockAndIds, m: Mint<'_>) -> anyhow::Result<()> {
    let app: ApplicationId = m.client_id.parse().context("client id is not a uuid")?;
    let account = crate::store::accounts::by_upn(store.reader(), m.upn)
        .await?
        .with_context(|| format!("no user {}", m.upn))?;
    let now = time.now();
    let session = SessionRow {
        id_hash: secret_hash(&random_secret()),
        sid: time.new_id(),
        user_id: account.id,
        token_version: account.token_version,
        auth_time: now,
        created_at: now,
        last_seen_at: now,
        expires_at: now + Span::hours(12),
        ended_at: None,
        amr: "pwd".to_owned(),
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(m.code_verifier.as_bytes()));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut tx = store.begin().await?;
    rows::insert_session(&mut tx, &session).await?;
    for _ in 0..m.codes {
        let code = random_secret();
        let row = CodeRow {
            code_hash: secret_hash(&code),
            application_id: app,
            user_id: account.id,
            session_hash: session.id_hash.clone(),
            sid: session.sid.clone(),
            redirect_uri: m.redirect_uri.to_owned(),
            scope: m.scope.to_owned(),
            nonce: Some("bench".to_owned()),
            code_challenge: challenge.clone(),
            token_version: account.token_version,
            auth_time: now,
            created_at: now,
            // As the hosted page makes them: a minute to use them in.
            expires_at: now + Span::MINUTE,
            used_at: None,
            grant_id: None,
            amr: session.amr.clone(),
        };
        rows::insert_code(&mut tx, &row).await?;
        writeln!(out, "{code}")?;
    }
    for _ in 0..m.refresh_tokens {
        let grant = GrantRow {
            id: time.new_id(),
            application_id: app,
            user_id: account.id,
            session_hash: session.id_hash.clone(),
            sid: session.sid.clone(),
            scope: m.scope.to_owned(),
            token_version: account.token_version,
            auth_time: now,
            created_at: now,
            expires_at: session.expires_at,
            revoked_at: None,
            amr: session.amr.clone(),
        };
        rows::insert_grant(&mut tx, &grant).await?;
        let token = random_secret();
        rows::insert_refresh(&mut tx, &secret_hash(&token), &grant.id, now).await?;
        writeln!(out, "{token}")?;
    }
    tx.commit().await?;
    out.flush()?;
    Ok(())
}
