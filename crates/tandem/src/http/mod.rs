//! HTTP building blocks shared by every side of the server: JSON error
//! responses, the security headers and the request log.

pub mod errors;
pub mod headers;
pub mod log;

pub use errors::ApiError;
