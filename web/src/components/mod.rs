//! Pieces shared by several pages.

mod error_notice;
mod header;

pub use error_notice::{ErrorNotice, Loading};
pub use header::AppHeader;
