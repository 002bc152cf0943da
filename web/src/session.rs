//! Who is signed in, as far as this browser tab knows.
//!
//! The access token lives in a signal (so the UI reacts to sign-in and sign-out) and is
//! mirrored to `sessionStorage` so a reload keeps the tab signed in. It is never written
//! to `localStorage`: closing the tab must end the session on a shared till PC.

use leptos::prelude::*;

const TOKEN_KEY: &str = "openstaff.access_token";
const CHANGE_KEY: &str = "openstaff.password_change_required";

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
        session
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

    pub fn sign_in(&self, token: String, password_change_required: bool) {
        store(TOKEN_KEY, Some(&token));
        store(CHANGE_KEY, password_change_required.then_some("1"));
        self.password_change_required.set(password_change_required);
        self.token.set(Some(token));
    }

    pub fn sign_out(&self) {
        store(TOKEN_KEY, None);
        store(CHANGE_KEY, None);
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
