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

use super::fields::python_int;
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

    /// This pagination with `max_limit` as its cap on `?limit=` when it has
    /// none of its own (`[rest]`'s `max_limit`; 0 leaves it uncapped).
    ///
    /// ```
    /// use tandem::rest::Pagination;
    /// let capped = Pagination::limit_offset(10).capped(100);
    /// assert_eq!(capped, Pagination::LimitOffset { default_limit: 10, max_limit: Some(100) });
    /// ```
    pub fn capped(self, max_limit: u64) -> Self {
        match self {
            Pagination::LimitOffset { default_limit, max_limit: None } if max_limit > 0 => {
                Pagination::LimitOffset { default_limit, max_limit: Some(max_limit) }
            }
            other => other,
        }
    }

    /// The query parameters this style reads, for the OpenAPI schema.
    pub fn parameters(&self) -> &'static [&'static str] {
        match self {
            Pagination::PageNumber { .. } => &["page"],
            Pagination::LimitOffset { .. } => &["limit", "offset"],
        }
    }

    /// The window of `count` rows that `query` asks for, read as DRF reads
    /// it: a page that does not exist (out of range, or not a number) is 404
    /// `Invalid page.`; a `limit` that is not a positive number is the
    /// default, a larger one than `max_limit` is `max_limit`; an `offset`
    /// that is not a number ≥ 0 is 0, and one past the end is an empty page.
    /// Numbers of any size are read (saturating), never refused.
    pub fn window(&self, query: &[(String, String)], count: u64) -> Result<Window, ApiError> {
        let param = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        match *self {
            Pagination::PageNumber { page_size } => page_window(param("page"), count, page_size)
                .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Invalid page.")),
            Pagination::LimitOffset { default_limit, max_limit } => {
                let limit = param("limit").and_then(python_int).filter(|l| *l > 0).map_or(default_limit, |l| {
                    let l = u64::try_from(l).unwrap_or(u64::MAX);
                    max_limit.map_or(l, |max| l.min(max))
                });
                let offset = param("offset").and_then(python_int).filter(|o| *o >= 0).unwrap_or(0);
                Ok(offset_window(offset, limit, count))
            }
        }
    }
}

/// The window of page `page` (DRF's `page` parameter, as given) of `count`
/// rows, `page_size` a page; `None` if there is no such page.
fn page_window(page: Option<&str>, count: u64, page_size: u64) -> Option<Window> {
    let pages = count.div_ceil(page_size).max(1);
    let page = match page {
        None | Some("") => 1,
        Some("last") => pages,
        Some(text) => u64::try_from(python_int(text)?).ok()?,
    };
    if page == 0 || page > pages {
        return None;
    }
    let link = |n: u64| match n {
        1 => vec![("page".to_string(), String::new())],
        n => vec![("page".to_string(), n.to_string())],
    };
    Some(Window {
        offset: (page - 1).saturating_mul(page_size),
        limit: page_size,
        next: (page < pages).then(|| link(page + 1)),
        previous: (page > 1).then(|| link(page - 1)),
    })
}

/// The window `limit` rows from `offset` (≥ 0, any size) of `count` rows,
/// with DRF's links; the arithmetic is on `i128`, so a huge offset shows in
/// the links as given.
fn offset_window(offset: i128, limit: u64, count: u64) -> Window {
    let (wide_limit, wide_count) = (i128::from(limit), i128::from(count));
    let next = (offset.saturating_add(wide_limit) < wide_count).then(|| {
        vec![("limit".to_string(), limit.to_string()), ("offset".to_string(), (offset + wide_limit).to_string())]
    });
    let previous = (offset > 0).then(|| {
        let back = offset - wide_limit;
        let offset = if back <= 0 { String::new() } else { back.to_string() };
        vec![("limit".to_string(), limit.to_string()), ("offset".to_string(), offset)]
    });
    Window { offset: u64::try_from(offset).unwrap_or(u64::MAX), limit, next, previous }
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

    #[test]
    fn numbers_of_any_size_read_as_drf_reads_them() {
        let p = Pagination::limit_offset(2).capped(3);
        let w = p.window(&q(&[("limit", "99999999999999999999")]), 5).unwrap();
        assert_eq!((w.offset, w.limit), (0, 3), "cut to max_limit");
        for junk in ["1e9", "0", "-4", "x", ""] {
            assert_eq!(p.window(&q(&[("limit", junk)]), 5).unwrap().limit, 2, "{junk}: the default");
        }
        let w = p.window(&q(&[("offset", "99999999999999999999")]), 5).unwrap();
        assert_eq!((w.offset, w.next), (u64::MAX, None), "past the end");
        assert_eq!(w.previous, Some(q(&[("limit", "2"), ("offset", "99999999999999999997")])));
        assert_eq!(p.window(&q(&[("offset", "-1")]), 5).unwrap().offset, 0);
        assert_eq!(p.window(&q(&[("offset", " +1 ")]), 5).unwrap().offset, 1);
        let pages = Pagination::page_number(2);
        assert_eq!(pages.window(&q(&[("page", "99999999999999999999")]), 5).unwrap_err().detail, "Invalid page.");
        assert_eq!(pages.window(&q(&[("page", " 2 ")]), 5).unwrap().offset, 2);
        assert_eq!(Pagination::page_number(2).capped(3), Pagination::page_number(2));
    }
}
