//! Pieces shared by several pages.

mod checklist;
mod error_notice;
mod guard;
mod header;
mod people;

pub use checklist::{Checklist, RuleLine};
pub use error_notice::{ErrorNotice, Loading};
pub use guard::{block_message, CurrentUser, NotAvailable, Protected, StaffGate};
pub use header::AppHeader;
pub use people::{can_manage, ManageBadge, PersonRow};
