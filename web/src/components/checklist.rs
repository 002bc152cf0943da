//! A live password-rule checklist: each rule met or not, as the person types.

use leptos::prelude::*;
use shared::policy::RuleCheck;

/// One line of the checklist: a rule checked as the person types (from
/// `shared::policy`, or the page's own), or a rule only the server can check (shown
/// as such, never as met).
#[derive(Debug, Clone, PartialEq)]
pub enum RuleLine {
    Live { rule: String, met: bool },
    Server(&'static str),
}

impl From<RuleCheck> for RuleLine {
    fn from(check: RuleCheck) -> Self {
        RuleLine::Live {
            rule: check.rule,
            met: check.met,
        }
    }
}

#[component]
pub fn Checklist(
    #[prop(into)] label: String,
    #[prop(into)] rules: Signal<Vec<RuleLine>>,
) -> impl IntoView {
    view! {
        <ul class="checklist" aria-label=label.clone()>
            {move || {
                rules
                    .get()
                    .into_iter()
                    .map(|line| match line {
                        RuleLine::Live { rule, met } => {
                            let (state, mark) = if met { ("Met", "✓") } else { ("Not met", "✗") };
                            view! {
                                <li class="rule" class:rule-met=met data-met=met.to_string()>
                                    <span class="rule-mark" aria-hidden="true">{mark}</span>
                                    <span class="visually-hidden">{format!("{state}: ")}</span>
                                    {rule}
                                </li>
                            }
                                .into_any()
                        }
                        RuleLine::Server(text) => {
                            view! {
                                <li class="rule rule-server" data-met="server">
                                    <span class="rule-mark" aria-hidden="true">"•"</span>
                                    {text}
                                    <span class="muted">" (checked when you save)"</span>
                                </li>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
