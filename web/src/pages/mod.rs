//! One module per route.

pub mod admin;
pub mod audit;
mod badges;
mod change_password;
mod home;
pub mod locations;
mod my_methods;
mod not_found;
mod recovery;
mod search;
mod sign_in;
pub(crate) mod user;

pub use change_password::ChangePasswordPage;
pub use home::HomePage;
pub use locations::{LocationPage, LocationsPage};
pub use not_found::NotFoundPage;
pub use search::SearchPage;
pub use sign_in::{SignInCallbackPage, SignInPage, SignedOutPage};
pub use user::UserPage;
