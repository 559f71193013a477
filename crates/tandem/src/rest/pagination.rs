//! Pagination, DRF's `PageNumberPagination` and `LimitOffsetPagination`: the
//! `{"count", "next", "previous", "results"}` envelope with absolute links.
//!
//! ```
//! use tandem::rest::Pagination;
//! let page = Pagination::page_number(10).window(&[("page".into(), "3".into())], 45).unwrap();
//! assert_eq!((page.offset, page.limit), (20, 10));
//! assert_eq!(page.next, Some(vec![("page".to_string(), "4".to_string())]));
//! assert_eq!(page.previous, Some(vec![("page".to_string(), "2".to_string())]));
//! ```

use serde::Deserialize;

use crate::http::ApiError;
use axum::http::StatusCode;

/// The style named in `Tandem.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaginationStyle {
    /// `?page=N` (and `?page=last`).
    PageNumber,
    /// `?limit=N&offset=M`.
    LimitOffset,
}

/// How a list is cut into pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// `?page=N`, `page_size` rows each.
    PageNumber {
        /// Rows per page.
        page_size: u64,
    },
    /// `?limit=N&offset=M`; without `limit`, `default_limit` rows.
    LimitOffset {
        /// Rows when the client gives no (valid) `limit`.
        default_limit: u64,
        /// The largest `limit` honoured.
        max_limit: Option<u64>,
    },
}

/// Query parameters to put in a link, replacing the request's own.
pub type LinkParams = Vec<(String, String)>;

/// The slice of rows to fetch and the links around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to take.
    pub limit: u64,
    /// Parameters of the `next` link (set ones replace, empty values remove).
    pub next: Option<LinkParams>,
    /// Parameters of the `previous` link.
    pub previous: Option<LinkParams>,
}

impl Pagination {
    /// Page-number pagination with `page_size` rows a page.
    pub fn page_number(page_size: u64) -> Self {
        Pagination::PageNumber { page_size: page_size.max(1) }
    }

    /// Limit/offset pagination, `default_limit` rows unless asked otherwise.
    pub fn limit_offset(default_limit: u64) -> Self {
        Pagination::LimitOffset { default_limit: default_limit.max(1), max_limit: None }
    }

    /// The style and size from `[rest]` settings, if pagination is on.
    pub fn from_settings(style: Option<PaginationStyle>, size: Option<u64>) -> Option<Self> {
        let size = size?;
        Some(match style.unwrap_or(PaginationStyle::PageNumber) {
            PaginationStyle::PageNumber => Pagination::page_number(size),
            PaginationStyle::LimitOffset => Pagination::limit_offset(size),
        })
    }

    /// The query parameters this style reads, for the OpenAPI schema.
    pub fn parameters(&self) -> &'static [&'static str] {
        match self {
            Pagination::PageNumber { .. } => &["page"],
            Pagination::LimitOffset { .. } => &["limit", "offset"],
        }
    }

    /// The window of `count` rows that `query` asks for; a page that does
    /// not exist is 404 `Invalid page.`.
    pub fn window(&self, query: &[(String, String)], count: u64) -> Result<Window, ApiError> {
        let param = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
        match *self {
            Pagination::PageNumber { page_size } => {
                let pages = count.div_ceil(page_size).max(1);
                let invalid = || ApiError::new(StatusCode::NOT_FOUND, "Invalid page.");
                let page = match param("page").as_deref() {
                    None | Some("") => 1,
                    Some("last") => pages,
                    Some(text) => text.parse::<u64>().map_err(|_| invalid())?,
                };
                if page == 0 || page > pages {
                    return Err(invalid());
                }
                let link = |n: u64| match n {
                    1 => vec![("page".to_string(), String::new())],
                    n => vec![("page".to_string(), n.to_string())],
                };
                Ok(Window {
                    offset: (page - 1) * page_size,
                    limit: page_size,
                    next: (page < pages).then(|| link(page + 1)),
                    previous: (page > 1).then(|| link(page - 1)),
                })
            }
            Pagination::LimitOffset { default_limit, max_limit } => {
                let limit = param("limit")
                    .and_then(|v| v.parse::<u64>().ok())
                    .filter(|l| *l > 0)
                    .map_or(default_limit, |l| max_limit.map_or(l, |max| l.min(max)));
                let offset = param("offset").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                let next = (offset + limit < count).then(|| {
                    vec![("limit".to_string(), limit.to_string()), ("offset".to_string(), (offset + limit).to_string())]
                });
                let previous = (offset > 0).then(|| {
                    let back = offset.saturating_sub(limit);
                    let offset = if back == 0 { String::new() } else { back.to_string() };
                    vec![("limit".to_string(), limit.to_string()), ("offset".to_string(), offset)]
                });
                Ok(Window { offset, limit, next, previous })
            }
        }
    }
}

/// `url` (absolute, no query) with `query` changed by `params`: each set
/// parameter replaces the request's, an empty value removes it; the result's
/// parameters are sorted by name, as DRF's `replace_query_param` does.
///
/// ```
/// use tandem::rest::pagination::link;
/// let query = vec![("search".to_string(), "mug cup".to_string()), ("page".to_string(), "2".to_string())];
/// assert_eq!(
///     link("http://x/api/p/", &query, &[("page".into(), "3".into())]),
///     "http://x/api/p/?page=3&search=mug+cup"
/// );
/// assert_eq!(link("http://x/api/p/", &query, &[("page".into(), "".into())]), "http://x/api/p/?search=mug+cup");
/// ```
pub fn link(url: &str, query: &[(String, String)], params: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, _)| !params.iter().any(|(p, _)| p == k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.extend(params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.as_str(), v.as_str())));
    pairs.sort_by_key(|(k, _)| *k);
    if pairs.is_empty() {
        return url.to_string();
    }
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{url}?{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn page_numbers() {
        let p = Pagination::page_number(2);
        assert_eq!(p.window(&q(&[]), 0).unwrap().next, None, "an empty first page exists");
        assert_eq!(p.window(&q(&[("page", "last")]), 5).unwrap().offset, 4);
        for junk in ["0", "4", "-1", "x", "1.5"] {
            assert_eq!(p.window(&q(&[("page", junk)]), 5).unwrap_err().detail, "Invalid page.", "{junk}");
        }
        let second = p.window(&q(&[("page", "2")]), 5).unwrap();
        assert_eq!(second.previous, Some(q(&[("page", "")])), "page 1 drops the parameter");
    }

    #[test]
    fn limits_and_offsets() {
        let p = Pagination::limit_offset(10);
        let w = p.window(&q(&[("limit", "2"), ("offset", "3")]), 6).unwrap();
        assert_eq!((w.offset, w.limit), (3, 2));
        assert_eq!(w.next, Some(q(&[("limit", "2"), ("offset", "5")])));
        assert_eq!(w.previous, Some(q(&[("limit", "2"), ("offset", "1")])));
        let w = p.window(&q(&[("limit", "x"), ("offset", "2")]), 6).unwrap();
        assert_eq!((w.limit, w.next), (10, None));
        assert_eq!(w.previous, Some(q(&[("limit", "10"), ("offset", "")])));
    }
}
