//! Route guards and the signed-in person, shared by every manager page.
//!
//! Guards are for the person's convenience only (no flash of a page they can't use);
//! the API enforces every rule again.

use crate::api::{self, ApiError};
use crate::components::load_view;
use crate::reactive::{resource, ApiResource, SendFuture};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use shared::dto::Me;
use shared::rules::MyStaffBlock;

/// `GET /me` for the current token, loaded once per sign-in and shared by the header
/// and the pages. `Ok(None)` while nobody is signed in.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub ApiResource<Option<Me>>);

impl CurrentUser {
    pub fn provide(session: Session) -> Self {
        // A memo, so a renewed token (or a step-up's new one) does not load `/me`
        // again and rebuild the page under a form being filled in.
        let signed_in = Memo::new(move |_| session.token().is_some());
        let resource = resource(move || {
            let signed_in = signed_in.get();
            Box::pin(async move {
                if signed_in {
                    api::current_user().await.map(Some)
                } else {
                    Ok(None)
                }
            })
        });
        let current = CurrentUser(resource);
        provide_context(current);
        current
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// The person, once loaded (tracked).
    pub fn me(&self) -> Option<Me> {
        self.0.get().and_then(Result::ok).flatten()
    }
}

/// Shows `children` only with a session; without one, on to sign in, and back to
/// this page afterwards.
#[component]
pub fn Protected(children: ChildrenFn) -> impl IntoView {
    let session = Session::get();
    // A memo, so a renewed token does not rebuild the page.
    let signed_in = Memo::new(move |_| session.token().is_some());
    let location = use_location();
    move || {
        if signed_in.get() {
            children().into_any()
        } else {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let next = if here.is_empty() || here == "/" {
                "/signin".to_owned()
            } else {
                format!("/signin?next={}", api::encode(&here))
            };
            view! { <Redirect path=next /> }.into_any()
        }
    }
}

/// [`Protected`], and the My Staff gate: someone the manager surface is closed to gets
/// a page that says why instead of a list of errors.
#[component]
pub fn StaffGate(children: ChildrenFn) -> impl IntoView {
    let current = CurrentUser::get();
    let children = StoredValue::new(children);
    let gated = move || -> SendFuture<Result<AnyView, ApiError>> {
        Box::pin(async move {
            match current.0.await {
                Ok(Some(me)) if !me.my_staff_access.enabled => {
                    Ok(view! { <NotAvailable reason=me.my_staff_access.reason /> }.into_any())
                }
                Ok(_) => Ok(children.with_value(|c| c()).into_any()),
                Err(e) => Err(e),
            }
        })
    };
    view! { <Protected>{load_view("Loading…", gated)}</Protected> }
}

/// Why My Staff is closed to this person, in words.
pub fn block_message(reason: Option<MyStaffBlock>) -> &'static str {
    match reason {
        Some(MyStaffBlock::NoAdminRole) => {
            "You don't hold an administrator role, so there's no one for you to look after yet. If you think you should, ask your IT administrator."
        }
        Some(MyStaffBlock::MyStaffNotEnabled) | None => {
            "My Staff isn't turned on for your account. Ask your administrator to turn it on for you."
        }
    }
}

/// The clear page for someone My Staff is closed to.
#[component]
pub fn NotAvailable(reason: Option<MyStaffBlock>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="unavailable-heading">
            <h1 id="unavailable-heading">"My Staff isn't available to you"</h1>
            <p>{block_message(reason)}</p>
            <p>
                <a href="/">"Go to your account summary"</a>
            </p>
        </section>
    }
}
