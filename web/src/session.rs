//! Who is signed in, as far as this browser tab knows.
//!
//! The access token lives in a signal (so the UI reacts to sign-in and sign-out) and is
//! mirrored to `sessionStorage` so a reload keeps the tab signed in. It is never written
//! to `localStorage`: closing the tab must end the session on a shared till PC.

use leptos::prelude::*;
use std::cell::Cell;

thread_local! {
    /// The tab's session, reachable outside the reactive tree (the API client reads the
    /// token and signs out on 401 from async code that has no owner).
    static CURRENT: Cell<Option<Session>> = const { Cell::new(None) };
}

const TOKEN_KEY: &str = "openstaff.access_token";
const CHANGE_KEY: &str = "openstaff.password_change_required";
const USERNAME_KEY: &str = "openstaff.username";
const LAST_LOCATION_KEY: &str = "openstaff.last_location";

/// The signed-in state, provided once at the root of the app.
#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
    password_change_required: RwSignal<bool>,
}

impl Session {
    /// Restores the session saved in this tab, if any, and provides it as context.
    pub fn provide() -> Self {
        let session = Session {
            token: RwSignal::new(load(TOKEN_KEY).filter(|t| !t.is_empty())),
            password_change_required: RwSignal::new(load(CHANGE_KEY).is_some()),
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

    /// Whether the token is good only for changing the password (tracked).
    pub fn password_change_required(&self) -> bool {
        self.password_change_required.get()
    }

    /// Whether the token is good only for changing the password, without subscribing.
    pub fn password_change_required_untracked(&self) -> bool {
        self.password_change_required.get_untracked()
    }

    pub fn sign_in(&self, token: String, password_change_required: bool) {
        store(TOKEN_KEY, Some(&token));
        store(CHANGE_KEY, password_change_required.then_some("1"));
        self.password_change_required.set(password_change_required);
        self.token.set(Some(token));
    }

    /// Remembers who signed in, so a forced password change can sign in again by itself.
    pub fn remember_username(&self, username: &str) {
        store(USERNAME_KEY, Some(username));
    }

    /// The username typed at sign-in in this tab, if remembered.
    pub fn username(&self) -> Option<String> {
        load(USERNAME_KEY).filter(|u| !u.is_empty())
    }

    /// The location last opened in this tab (My locations goes straight back to it).
    pub fn last_location(&self) -> Option<String> {
        load(LAST_LOCATION_KEY).filter(|u| !u.is_empty())
    }

    pub fn remember_location(&self, id: &str) {
        store(LAST_LOCATION_KEY, Some(id));
    }

    pub fn sign_out(&self) {
        store(TOKEN_KEY, None);
        store(CHANGE_KEY, None);
        store(USERNAME_KEY, None);
        store(LAST_LOCATION_KEY, None);
        self.password_change_required.set(false);
        self.token.set(None);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn store(key: &str, value: Option<&str>) {
    if let Some(storage) = storage() {
        // Storage can refuse (private mode, quota); the in-memory signal still works.
        let _ = match value {
            Some(v) => storage.set_item(key, v),
            None => storage.remove_item(key),
        };
    }
}
