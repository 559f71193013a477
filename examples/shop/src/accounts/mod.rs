//! Session login for the SPA and API clients: the oracle's `login_view`,
//! `logout_view`, `whoami` and `csrf_view`.

pub mod views;
