//! What a REST handler can fail with, rendered as DRF renders it.
//!
//! ```
//! use axum::response::IntoResponse;
//! use tandem::rest::{RestError, ValidationErrors};
//!
//! let mut errors = ValidationErrors::default();
//! errors.add("sku", "This field is required.");
//! let response = RestError::Invalid(errors).into_response();
//! assert_eq!(response.status(), 400);
//! ```

use std::time::Duration;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::serializer::ValidationErrors;
use crate::http::ApiError;
use crate::throttle;

/// A failed REST request.
#[derive(Debug, Clone)]
pub enum RestError {
    /// `{"detail": …}` with a status.
    Api(ApiError),
    /// 400 with per-field messages.
    Invalid(ValidationErrors),
    /// 400 with a bare list of messages, `["…"]`: DRF's answer to a
    /// `ValidationError` raised outside a serializer, e.g. by `SearchFilter`.
    Messages(Vec<String>),
    /// 429 with `Retry-After`.
    Throttled(Duration),
}

impl RestError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            RestError::Api(error) => error.status,
            RestError::Invalid(_) | RestError::Messages(_) => StatusCode::BAD_REQUEST,
            RestError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

impl From<ApiError> for RestError {
    fn from(error: ApiError) -> Self {
        RestError::Api(error)
    }
}

impl From<ValidationErrors> for RestError {
    fn from(errors: ValidationErrors) -> Self {
        RestError::Invalid(errors)
    }
}

impl From<sea_orm::DbErr> for RestError {
    fn from(error: sea_orm::DbErr) -> Self {
        RestError::Api(ApiError::internal(error))
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        match self {
            RestError::Api(error) => error.into_response(),
            RestError::Invalid(errors) => (StatusCode::BAD_REQUEST, Json(errors.to_json())).into_response(),
            RestError::Messages(messages) => (StatusCode::BAD_REQUEST, Json(messages)).into_response(),
            RestError::Throttled(wait) => {
                let seconds = throttle::retry_after_seconds(wait).to_string();
                let mut response = throttle::throttled(wait).into_response();
                if let Ok(value) = seconds.parse() {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
        }
    }
}
