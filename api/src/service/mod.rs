//! The service layer: every operation parses its input, asks the rules in `shared`
//! whether the caller may do it, runs it in one transaction with its audit event, and
//! returns wire types. Handlers stay thin and hold no SQL.
//!
//! One file per resource; `authz` holds loading the subject, deciding and refusing;
//! `views` maps rows to what the caller may see; `paging` reads list requests.

pub mod applications;
pub mod audit_log;
pub mod authz;
pub mod badges;
pub mod directory;
pub mod import;
pub mod me;
pub mod membership;
pub mod mfa;
pub mod new_user;
pub mod oidc;
pub mod paging;
pub mod passkeys;
pub mod passwords;
pub mod pending;
pub mod phones;
pub mod recovery;
pub mod role_assignments;
pub mod settings;
pub mod signin;
pub mod sspr;
pub mod text_codes;
pub mod units;
pub mod users;
pub mod views;

pub use paging::PageRequest;
