//! Pieces shared by several pages.

mod checklist;
mod confirm;
mod copy;
mod error_notice;
mod guard;
mod header;
mod load_more;
mod people;
mod secret;
mod show;
mod step_up;

pub use checklist::{Checklist, RuleLine};
pub use confirm::{ConfirmDialog, Confirmation};
pub use copy::{copy_to_clipboard, CopyField};
pub use error_notice::{load_view, ErrorNotice, Loading};
pub use guard::{block_message, CurrentUser, NotAvailable, Protected, StaffGate};
pub use header::AppHeader;
pub use load_more::{load_more, NextPage};
pub use people::{can_manage, ManageBadge, PersonRow};
pub use secret::{groups, HandOver};
pub use show::{show, show_or};
pub use step_up::action_failure;
