//! The project package (Django's `backend/`): the root URL configuration.

pub mod urls;
