//! Client storage fields: state fields the browser keeps too, in
//! `localStorage` or a cookie, so a value survives a new tab (a theme, a
//! currency, the last search). The runtime sends the kept values in its
//! `hello`; cookies also reach the first paint. What comes back is the
//! person's to change: each value is type-checked against its field, and
//! bigger than [`MAX_STORED_VALUE`] is ignored.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::{State, events};
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Preferences {
//!     #[state(cookie)]
//!     pub theme: String,
//!     #[state(local_storage)]
//!     pub recent: Vec<String>,
//! }
//! # #[events] impl Preferences {}
//! assert_eq!(<Preferences as State>::client_storage().len(), 2);
//! ```

use axum::http::HeaderMap;
use serde::Serialize;
use serde_json::{Map, Value};

use super::state::{Events, State, full_json};

/// Where the browser keeps a client storage field. Either way the value is
/// the person's to read and change: never keep a secret there, and treat
/// what comes back as input (it is type-checked, not trusted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientStorage {
    /// `localStorage`: this origin's browser profile, never sent over HTTP;
    /// the server sees it once the page's socket says hello.
    Local,
    /// A cookie (`t_<state>_<field>`, one year, `SameSite=Lax`, readable by
    /// scripts): sent with every request, so even the first paint has it.
    Cookie,
}

/// The largest client storage value taken back, in bytes of JSON.
pub const MAX_STORED_VALUE: usize = 4096;

/// `full` with the client storage fields of `S` set from `stored` (field →
/// value), each only if it fits the field's type and [`MAX_STORED_VALUE`].
pub(crate) fn restore<S: State + Events>(full: Value, stored: &Map<String, Value>) -> Value {
    let mut restored = full.clone();
    let mut changed = false;
    for (field, _) in S::client_storage() {
        let Some(value) = stored.get(*field) else { continue };
        if value.to_string().len() > MAX_STORED_VALUE {
            continue;
        }
        let mut candidate = restored.clone();
        candidate[*field] = value.clone();
        if serde_json::from_value::<S>(candidate.clone()).is_ok() {
            restored = candidate;
            changed = true;
        }
    }
    if !changed {
        return full;
    }
    match serde_json::from_value::<S>(restored) {
        Ok(state) => full_json(&state, Some(&full)).unwrap_or(full),
        Err(_) => full,
    }
}

/// The values of state `state`'s cookie fields in the request's cookies
/// (`t_<state>_<field>`, URL-encoded JSON).
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header};
/// let mut headers = HeaderMap::new();
/// headers.insert(header::COOKIE, HeaderValue::from_static("t_prefs_theme=%22dark%22; sessionid=x"));
/// let found = tandem::ui::storage::cookies_of(&headers, "prefs");
/// assert_eq!(found["theme"], "dark");
/// ```
pub fn cookies_of(headers: &HeaderMap, state: &str) -> Map<String, Value> {
    let prefix = format!("t_{state}_");
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .filter_map(|c| {
            let field = c.name().strip_prefix(&prefix)?.to_string();
            let json = percent_encoding::percent_decode_str(c.value()).decode_utf8().ok()?;
            Some((field, serde_json::from_str(&json).ok()?))
        })
        .collect()
}
