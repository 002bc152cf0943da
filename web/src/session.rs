//! Who is signed in, as far as this browser tab knows.
//!
//! The tab signs in through OpenStaff's provider (see [`crate::auth`]) and holds what
//! the token endpoint gave it: a short access token, the refresh token that renews it
//! and the ID token that names the session at sign-out. The access token lives in a
//! signal (so the UI reacts to sign-in and sign-out); all three are mirrored to
//! `sessionStorage`, so a reload keeps the tab signed in and closing the tab forgets
//! them. Nothing is ever written to `localStorage`: a shared till PC must not keep a
//! session for the next person.

use leptos::prelude::*;
use serde::Deserialize;
use std::cell::Cell;

thread_local! {
    /// The tab's session, reachable outside the reactive tree (the API client reads the
    /// token and renews it from async code that has no owner).
    static CURRENT: Cell<Option<Session>> = const { Cell::new(None) };
}

const TOKEN_KEY: &str = "openstaff.access_token";
const EXPIRES_KEY: &str = "openstaff.expires_at";
const REFRESH_KEY: &str = "openstaff.refresh_token";
const ID_TOKEN_KEY: &str = "openstaff.id_token";
const LAST_LOCATION_KEY: &str = "openstaff.last_location";

/// The token endpoint's answer (RFC 6749 section 5.1).
#[derive(Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: u64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The signed-in state, provided once at the root of the app.
#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
}

impl Session {
    /// Restores the session saved in this tab, if any, and provides it as context.
    pub fn provide() -> Self {
        let session = Session {
            token: RwSignal::new(load(TOKEN_KEY).filter(|t| !t.is_empty())),
        };
        provide_context(session);
        CURRENT.with(|c| c.set(Some(session)));
        session
    }

    /// The session of this tab, once [`Session::provide`] has run.
    pub fn current() -> Option<Self> {
        CURRENT.with(Cell::get)
    }

    /// The session provided by [`Session::provide`].
    pub fn get() -> Self {
        expect_context()
    }

    /// The current access token (tracked).
    pub fn token(&self) -> Option<String> {
        self.token.get()
    }

    /// The current access token, without subscribing to changes.
    pub fn token_untracked(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Keeps what a sign-in or a renewal gave. A renewal may come without an ID token
    /// (OpenID Connect Core 12.2): the one from the sign-in still names the session.
    pub fn keep(&self, tokens: Tokens) {
        let expires_at = js_sys::Date::now() + tokens.expires_in as f64 * 1000.0;
        store(TOKEN_KEY, Some(&tokens.access_token));
        store(EXPIRES_KEY, Some(&expires_at.to_string()));
        if let Some(refresh) = &tokens.refresh_token {
            store(REFRESH_KEY, Some(refresh));
        }
        if let Some(id) = &tokens.id_token {
            store(ID_TOKEN_KEY, Some(id));
        }
        self.token.set(Some(tokens.access_token));
    }

    /// The refresh token, if the tab holds one.
    pub fn refresh_token(&self) -> Option<String> {
        load(REFRESH_KEY).filter(|t| !t.is_empty())
    }

    /// The ID token of the sign-in, for `id_token_hint` at sign-out.
    pub fn id_token(&self) -> Option<String> {
        load(ID_TOKEN_KEY).filter(|t| !t.is_empty())
    }

    /// Milliseconds (since the epoch) at which the access token expires.
    pub fn expires_at(&self) -> Option<f64> {
        load(EXPIRES_KEY).and_then(|v| v.parse().ok())
    }

    /// The location last opened in this tab (My locations goes straight back to it).
    pub fn last_location(&self) -> Option<String> {
        load(LAST_LOCATION_KEY).filter(|u| !u.is_empty())
    }

    pub fn remember_location(&self, id: &str) {
        store(LAST_LOCATION_KEY, Some(id));
    }

    /// Forgets everything this tab holds (the provider session is ended by
    /// [`crate::auth::sign_out`]); the page guards then send the person to sign in.
    pub fn forget(&self) {
        self.forget_stored();
        self.token.set(None);
    }

    /// Forgets what is stored but leaves the page as it is, for a page that is about
    /// to be left (sign-out, which must not race the guards' way to sign-in).
    pub fn forget_stored(&self) {
        for key in [
            TOKEN_KEY,
            EXPIRES_KEY,
            REFRESH_KEY,
            ID_TOKEN_KEY,
            LAST_LOCATION_KEY,
        ] {
            store(key, None);
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

pub(crate) fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub(crate) fn store(key: &str, value: Option<&str>) {
    if let Some(storage) = storage() {
        // Storage can refuse (private mode, quota); the in-memory signal still works.
        let _ = match value {
            Some(v) => storage.set_item(key, v),
            None => storage.remove_item(key),
        };
    }
}
