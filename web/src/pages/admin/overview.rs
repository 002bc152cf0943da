//! `/admin`: what can be managed here, one link per section.

use super::{AdminShell, Section};
use crate::components::{show, CurrentUser};
use leptos::prelude::*;

#[component]
pub fn AdminPage() -> impl IntoView {
    let current = CurrentUser::get();
    let can_manage_applications = move || current.me().is_some_and(|me| me.can_manage_applications);
    view! {
        <AdminShell section=Section::Overview>
            <section class="card" aria-labelledby="admin-heading">
                <h1 id="admin-heading">"Admin"</h1>
                <p class="muted">"Settings that apply to the whole organisation."</p>
                <ul class="list">
                    <li class="list-item">
                        <a class="strong" href="/admin/access">"My Staff access"</a>
                        <p class="muted small">"Choose which administrators can use My Staff."</p>
                    </li>
                    <li class="list-item">
                        <a class="strong" href="/admin/locations">"Locations"</a>
                        <p class="muted small">
                            "Create locations, rename them and choose who belongs to each."
                        </p>
                    </li>
                    <li class="list-item">
                        <a class="strong" href="/admin/roles">"Roles"</a>
                        <p class="muted small">
                            "Give people an administrator role for the whole organisation or one location."
                        </p>
                    </li>
                    <li class="list-item">
                        <a class="strong" href="/admin/users">"Users"</a>
                        <p class="muted small">"Add people one at a time or import a CSV file."</p>
                    </li>
                    {show(
                        can_manage_applications,
                        || {
                            view! {
                                <li class="list-item">
                                    <a class="strong" href="/admin/applications">"Applications"</a>
                                    <p class="muted small">
                                        "Register the applications staff sign in to with OpenStaff, and choose who may use each."
                                    </p>
                                </li>
                            }
                                .into_any()
                        },
                    )}
                    <li class="list-item">
                        <a class="strong" href="/audit">"Audit log"</a>
                        <p class="muted small">"See who changed what, and download it as CSV."</p>
                    </li>
                </ul>
            </section>
        </AdminShell>
    }
}
