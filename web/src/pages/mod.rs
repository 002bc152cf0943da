//! One module per route.

pub mod admin;
pub mod audit;
mod change_password;
mod home;
pub mod locations;
mod not_found;
mod search;
mod sign_in;
mod user;

pub use change_password::ChangePasswordPage;
pub use home::HomePage;
pub use locations::{LocationPage, LocationsPage};
pub use not_found::NotFoundPage;
pub use search::SearchPage;
pub use sign_in::SignInPage;
pub use user::UserPage;
