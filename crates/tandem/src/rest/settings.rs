//! `[rest]` in `Tandem.toml`: the REST layer's defaults, DRF's
//! `REST_FRAMEWORK` setting. Every viewset can override each of them.
//!
//! ```toml
//! [rest]
//! authentication = ["session", "basic"]   # the default; "token" too
//! permission = "allow_any"                # is_authenticated, is_admin_user,
//!                                         # is_authenticated_or_read_only, django_model_permissions
//! pagination = "page_number"              # or "limit_offset"; none by default
//! page_size = 20
//! throttle_anon = "100/day"
//! throttle_user = "1000/day"
//! max_limit = 1000          # the largest `?limit=` honoured (DRF's `max_limit`)
//! max_search_length = 500   # characters in `?search=`
//! max_search_terms = 20     # terms in `?search=`
//! ```
//!
//! ```
//! let rest: tandem::rest::RestSettings = toml::from_str("page_size = 2\npagination = \"page_number\"").unwrap();
//! assert_eq!(rest.page_size, Some(2));
//! ```

use crate::throttle::Rate;

use serde::Deserialize;

use super::auth::Authentication;
use super::pagination::PaginationStyle;
use super::permissions::Permission;

/// The REST layer's global defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RestSettings {
    /// Authentication schemes, tried in order (DRF's default: session, then basic).
    pub authentication: Vec<Authentication>,
    /// The permission every viewset requires unless it says otherwise.
    pub permission: Permission,
    /// Pagination style; lists are plain arrays without one.
    pub pagination: Option<PaginationStyle>,
    /// Page size (or default limit) when paginating.
    pub page_size: Option<u64>,
    /// Rate for anonymous clients, by IP address, e.g. `100/day`.
    pub throttle_anon: Option<Rate>,
    /// Rate for authenticated users, by user, e.g. `1000/day`.
    pub throttle_user: Option<Rate>,
    /// The largest `?limit=` limit/offset pagination honours when the
    /// viewset's pagination sets none (DRF's `max_limit`): larger ones are
    /// cut down to it, as DRF does.
    pub max_limit: u64,
    /// The longest `?search=` accepted, in characters; a longer one is 400
    /// `["Ensure this field has no more than N characters."]`.
    pub max_search_length: usize,
    /// The most terms `?search=` may hold; more is 400
    /// `["Ensure this field has no more than N search terms."]`.
    pub max_search_terms: usize,
}

impl Default for RestSettings {
    fn default() -> Self {
        Self {
            authentication: vec![Authentication::Session, Authentication::Basic],
            permission: Permission::AllowAny,
            pagination: None,
            page_size: None,
            throttle_anon: None,
            throttle_user: None,
            max_limit: 1000,
            max_search_length: 500,
            max_search_terms: 20,
        }
    }
}
