//! The REST layer's view of a request: content negotiation (406, format
//! suffixes), body parsing (JSON, urlencoded and multipart forms; 415 for
//! anything else) and absolute URLs for links.

use std::sync::Arc;

use crate::db::Db;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::context::AppContext;
use crate::http::ApiError;
use crate::urls::{Kwargs, ResolvedRoute};

/// The media types a client may post.
pub const PARSES: [&str; 3] = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];
/// The media types Tandem renders.
pub const RENDERS: [&str; 1] = ["application/json"];

/// How the body arrived.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Raw(Bytes),
    Multipart(Map<String, Value>),
}

/// One request to a viewset.
#[derive(Clone)]
pub struct RestRequest {
    /// The method.
    pub method: Method,
    /// The headers.
    pub headers: HeaderMap,
    /// The URI as received.
    pub uri: Uri,
    /// Parameters captured from the URL (`pk`, `format`).
    pub kwargs: Kwargs,
    /// The user, after the viewset's authentication ran.
    pub user: CurrentUser,
    /// The user of the session cookie, which session authentication accepts.
    pub session_user: CurrentUser,
    /// The application's database pool.
    pub db: Db,
    /// The settings.
    pub settings: Arc<Settings>,
    /// The application's change signals (viewsets send one per write).
    pub signals: crate::signals::Signals,
    body: Body,
}

impl RestRequest {
    /// Reads the request (its whole body, within the configured limit).
    pub async fn read(request: Request) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let is_multipart = content_type(&parts.headers).is_some_and(|t| t.starts_with("multipart/form-data"));
        let body = if is_multipart {
            Body::Multipart(read_multipart(Request::from_parts(parts.clone(), body)).await?)
        } else {
            let limit = parts.extensions.get::<AppContext>().map_or(0, |ctx| ctx.settings.backend.max_body_bytes);
            let bytes = axum::body::to_bytes(body, limit)
                .await
                .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body exceeded the size limit."))?;
            Body::Raw(bytes)
        };
        let ctx = parts
            .extensions
            .remove::<AppContext>()
            .ok_or_else(|| ApiError::internal("the application context is missing"))?;
        let kwargs = parts.extensions.remove::<ResolvedRoute>().map(|r| Kwargs(r.kwargs)).unwrap_or_default();
        let session_user = parts.extensions.remove::<CurrentUser>().unwrap_or_default();
        Ok(Self {
            method: parts.method,
            headers: parts.headers,
            uri: parts.uri,
            kwargs,
            user: CurrentUser::Anonymous,
            session_user,
            db: ctx.db,
            settings: ctx.settings,
            signals: ctx.signals,
            body,
        })
    }

    /// The same request with another method (OPTIONS asks what a PUT or
    /// POST would be allowed to do).
    pub fn clone_for(&self, method: Method) -> Self {
        Self { method, ..self.clone() }
    }

    /// DRF's content negotiation: a `format` suffix or `?format=` other than
    /// `json` is a 404; an `Accept` header that JSON cannot satisfy is a 406.
    pub fn negotiate(&self) -> Result<(), ApiError> {
        let format = self.kwargs.raw("format").map(str::to_string).or_else(|| self.query_param("format"));
        if let Some(format) = format {
            return if format == "json" { Ok(()) } else { Err(ApiError::not_found()) };
        }
        let Some(accept) = self.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return Ok(()) };
        let acceptable = accept.split(',').any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            !refused && matches!(media, "application/json" | "application/*" | "*/*" | "")
        });
        if acceptable {
            Ok(())
        } else {
            Err(ApiError::new(StatusCode::NOT_ACCEPTABLE, "Could not satisfy the request Accept header."))
        }
    }

    /// The parsed body and whether it came from a form. An empty body is an
    /// empty object, as in DRF.
    pub fn data(&self) -> Result<(Value, bool), ApiError> {
        let bytes = match &self.body {
            Body::Multipart(fields) => return Ok((Value::Object(fields.clone()), true)),
            Body::Raw(bytes) => bytes,
        };
        if bytes.is_empty() {
            return Ok((Value::Object(Map::new()), false));
        }
        let media = content_type(&self.headers).unwrap_or_default();
        if media.starts_with("application/json") || media.ends_with("+json") {
            return serde_json::from_slice(bytes)
                .map(|v| (v, false))
                .map_err(|e| ApiError::bad_request(format!("JSON parse error - {e}")));
        }
        if media.starts_with("application/x-www-form-urlencoded") {
            let fields: Map<String, Value> =
                form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
            return Ok((Value::Object(fields), true));
        }
        let shown = self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported media type \"{shown}\" in request."),
        ))
    }

    /// The form token of a urlencoded or multipart body, for CSRF checks.
    pub fn form_csrf_token(&self) -> Option<String> {
        match self.data() {
            Ok((Value::Object(fields), true)) => {
                fields.get(crate::csrf::CSRF_FORM_FIELD).and_then(Value::as_str).map(str::to_string)
            }
            _ => None,
        }
    }

    /// The last value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Every query parameter, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let query = self.uri.query().unwrap_or("");
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    /// `scheme://host` of this request.
    pub fn origin(&self) -> String {
        let (scheme, host) = crate::http::scheme_and_host(&self.headers, &self.settings);
        format!("{scheme}://{host}")
    }

    /// The absolute URL of `path` on this site.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// Whether the method only reads.
    pub fn is_safe(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_ascii_lowercase())
}

/// The text fields of a multipart body (files are not read into the data).
async fn read_multipart(request: Request) -> Result<Map<String, Value>, ApiError> {
    let bad = |e: &dyn std::fmt::Display| ApiError::bad_request(format!("Multipart form parse error - {e}"));
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| bad(&e))?;
    let mut fields = Map::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() {
            continue;
        }
        let text = field.text().await.map_err(|e| bad(&e))?;
        fields.insert(name, Value::String(text));
    }
    Ok(fields)
}
