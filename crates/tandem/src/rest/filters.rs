//! Narrowing and sorting a list from its query string: equality filters on
//! declared fields (django-filter's `filterset_fields`), `?search=` (DRF's
//! `SearchFilter`) and `?ordering=` with an allow-list (DRF's `OrderingFilter`).
//!
//! ```
//! use tandem::rest::Filters;
//! let filters = Filters::default().fields(&["is_active"]).search(&["name", "sku"]).ordering(&["price", "name"]);
//! assert_eq!(filters.search_terms("mug, red  cup"), ["mug", "red", "cup"]);
//! assert_eq!(filters.ordering_terms(Some("-price,colour,name")), ["-price", "name"]);
//! // A column is sorted on once, by its first term, as Django's compiler does.
//! assert_eq!(filters.ordering_terms(Some("name,-name,price,name")), ["name", "price"]);
//! ```
//!
//! Every parameter is bounded: `?search=` by `[rest]`'s `max_search_length`
//! and `max_search_terms` (400 beyond them, and for a NUL character, as DRF's
//! `SearchFilter` answers it); `?ordering=` by its allow-list, each column
//! counting once; filter values by their field's own validation.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, IdenStatic, Iterable, Order, QueryFilter, QueryOrder, Select,
};

use super::error::RestError;
use super::fields::{Field, FieldKind, NULL_CHARACTERS};
use super::serializer::ValidationErrors;
use super::settings::RestSettings;

/// The filters a list accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Columns filterable by equality: `?is_active=true`.
    pub fields: Vec<String>,
    /// Text columns `?search=` looks in.
    pub search: Vec<String>,
    /// Columns `?ordering=` may sort by.
    pub ordering: Vec<String>,
    /// The order without (valid) `?ordering=`, e.g. `["-id"]`; the primary key otherwise.
    pub default_ordering: Vec<String>,
}

impl Filters {
    /// Equality filters on `names`.
    pub fn fields(mut self, names: &[&str]) -> Self {
        self.fields = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// `?search=` over `names`.
    pub fn search(mut self, names: &[&str]) -> Self {
        self.search = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// `?ordering=` allowed over `names`.
    pub fn ordering(mut self, names: &[&str]) -> Self {
        self.ordering = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The order when the client asks for none, `-` for descending.
    pub fn default_ordering(mut self, terms: &[&str]) -> Self {
        self.default_ordering = terms.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The query parameters these filters read, for the OpenAPI schema.
    pub fn parameters(&self) -> Vec<String> {
        let mut names = self.fields.clone();
        if !self.search.is_empty() {
            names.push("search".into());
        }
        if !self.ordering.is_empty() {
            names.push("ordering".into());
        }
        names
    }

    /// Search terms: split on whitespace and commas.
    pub fn search_terms(&self, text: &str) -> Vec<String> {
        text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).map(str::to_string).collect()
    }

    /// The requested ordering terms that are allowed; unknown ones are
    /// dropped, and so is every term after the first on the same column (as
    /// Django's SQL compiler drops them), so there are never more terms than
    /// allowed columns.
    pub fn ordering_terms(&self, text: Option<&str>) -> Vec<String> {
        let Some(text) = text else { return Vec::new() };
        let mut terms: Vec<String> = Vec::new();
        for term in text.split(',').map(str::trim) {
            let name = term.strip_prefix('-').unwrap_or(term);
            let allowed = self.ordering.iter().any(|allowed| allowed == name);
            let seen = terms.iter().any(|t| t.strip_prefix('-').unwrap_or(t) == name);
            if allowed && !seen {
                terms.push(term.to_string());
            }
        }
        terms
    }

    /// The terms of `?search=`, checked as DRF's `SearchFilter` checks the
    /// parameter (a `CharField`: no NUL character) and within `[rest]`'s
    /// `max_search_length` and `max_search_terms`. A failure is 400 with the
    /// messages as a bare list, DRF's shape for a filter's `ValidationError`.
    ///
    /// ```
    /// use tandem::rest::{Filters, RestSettings};
    /// let settings = RestSettings { max_search_terms: 2, ..RestSettings::default() };
    /// let filters = Filters::default().search(&["name"]);
    /// assert_eq!(filters.checked_search_terms("red mug", &settings).unwrap(), ["red", "mug"]);
    /// assert!(filters.checked_search_terms("big red mug", &settings).is_err());
    /// assert!(filters.checked_search_terms("a\0b", &settings).is_err());
    /// ```
    pub fn checked_search_terms(&self, text: &str, settings: &RestSettings) -> Result<Vec<String>, RestError> {
        let mut messages = Vec::new();
        let max_length = settings.max_search_length;
        if text.len() > max_length && text.chars().count() > max_length {
            messages.push(format!("Ensure this field has no more than {max_length} characters."));
        }
        if text.contains('\0') {
            messages.push(NULL_CHARACTERS.to_string());
        }
        if !messages.is_empty() {
            tracing::debug!(bytes = text.len(), ?messages, "?search= refused");
            return Err(RestError::Messages(messages));
        }
        let terms = self.search_terms(text);
        let max_terms = settings.max_search_terms;
        if terms.len() > max_terms {
            tracing::debug!(terms = terms.len(), max_terms, "?search= refused: too many terms");
            return Err(RestError::Messages(vec![format!(
                "Ensure this field has no more than {max_terms} search terms."
            )]));
        }
        Ok(terms)
    }

    /// Applies the filters of `query` to `select`. A filter value of the
    /// wrong type is a 400 naming the field; a `?search=` out of `settings`'
    /// bounds is a 400 too (see [`Filters::checked_search_terms`]).
    pub fn apply<E: EntityTrait>(
        &self,
        mut select: Select<E>,
        query: &[(String, String)],
        backend: DbBackend,
        settings: &RestSettings,
    ) -> Result<Select<E>, RestError> {
        let last = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let mut errors = ValidationErrors::default();
        for name in &self.fields {
            let (Some(text), Some((column, field))) = (last(name), column_of::<E>(name)) else { continue };
            if text.is_empty() {
                continue;
            }
            match field.to_internal_value(&serde_json::Value::String(text.to_string())) {
                Ok(value) => {
                    select = select.filter(column.eq(field.to_db_value(&value, column.def().get_column_type())))
                }
                Err(message) => errors.add(name, message),
            }
        }
        if !errors.is_empty() {
            return Err(RestError::Invalid(errors));
        }
        if let Some(text) = last("search")
            && !self.search.is_empty()
        {
            let terms = self.checked_search_terms(text, settings)?;
            if !terms.is_empty() {
                select = select.filter(self.search_condition::<E>(&terms));
            }
        }
        let requested = self.ordering_terms(last("ordering"));
        let terms = if requested.is_empty() { &self.default_ordering } else { &requested };
        let mut ordered = false;
        for term in terms {
            let (name, order) = match term.strip_prefix('-') {
                Some(name) => (name, Order::Desc),
                None => (term.as_str(), Order::Asc),
            };
            let Some((column, field)) = column_of::<E>(name) else { continue };
            // SQLite keeps exact decimals as text: sort them as numbers.
            select = if backend == DbBackend::Sqlite && matches!(field.kind, FieldKind::Decimal { .. }) {
                select.order_by(Expr::col((E::default(), column)).cast_as(Alias::new("REAL")), order)
            } else {
                select.order_by(column, order)
            };
            ordered = true;
        }
        if !ordered {
            for pk in E::PrimaryKey::iter() {
                select = select.order_by(sea_orm::PrimaryKeyToColumn::into_column(pk), Order::Asc);
            }
        }
        Ok(select)
    }

    /// Every term in some search column: flat `any`s (one per term) joined
    /// by [`balanced_all`], so the expression's depth stays logarithmic in
    /// the number of terms, whatever `[rest]` allows.
    fn search_condition<E: EntityTrait>(&self, terms: &[String]) -> Condition {
        let columns: Vec<E::Column> = self.search.iter().filter_map(|n| column_of::<E>(n)).map(|(c, _)| c).collect();
        let per_term = terms.iter().map(|term| {
            let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
            columns.iter().fold(Condition::any(), |any, column| {
                let lowered = Expr::expr(Func::lower(Expr::col((E::default(), *column))));
                any.add(lowered.like(LikeExpr::new(pattern.clone()).escape('\\')))
            })
        });
        balanced_all(per_term.collect())
    }
}

/// How many conditions one level of [`balanced_all`] joins.
const FAN_OUT: usize = 8;

/// All of `conditions`, as a tree of `all`s at most [`FAN_OUT`] wide. SeaQuery
/// renders (and SQLite and PostgreSQL parse) one `all` of N conditions as a
/// left-deep chain N deep, which recurses once per condition (a stack
/// overflow at a few thousand, "Expression tree is too large" in SQLite at
/// 1,000); nested this way the depth is about `FAN_OUT × log₈ N`.
///
/// ```
/// use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, Query, SqliteQueryBuilder};
/// use tandem::rest::filters::balanced_all;
/// let terms = (0..3).map(|i| Expr::col("n").eq(i).into_condition()).collect();
/// let sql = Query::select().column("id").from("t").cond_where(balanced_all(terms)).to_string(SqliteQueryBuilder);
/// assert_eq!(sql, r#"SELECT "id" FROM "t" WHERE "n" = 0 AND "n" = 1 AND "n" = 2"#);
/// ```
pub fn balanced_all(mut conditions: Vec<Condition>) -> Condition {
    while conditions.len() > FAN_OUT {
        let mut level = Vec::with_capacity(conditions.len().div_ceil(FAN_OUT));
        let mut rest = conditions.into_iter().peekable();
        while rest.peek().is_some() {
            level.push(rest.by_ref().take(FAN_OUT).fold(Condition::all(), Condition::add));
        }
        conditions = level;
    }
    conditions.into_iter().fold(Condition::all(), Condition::add)
}

/// The column called `name` and its serializer field.
fn column_of<E: EntityTrait>(name: &str) -> Option<(E::Column, Field)> {
    E::Column::iter().find(|c| c.as_str() == name).map(|c| (c, Field::from_column(name, &c.def(), false)))
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, PostgresQueryBuilder, Query, SqliteQueryBuilder};

    use super::*;

    /// 20,000 conditions build, render and drop on a 256 KiB stack: the
    /// depth no longer grows with their number.
    #[test]
    fn many_conditions_need_little_stack() {
        let run = || {
            let terms = (0..20_000).map(|i| Expr::col("name").eq(i).into_condition()).collect();
            let query = Query::select().column("id").from("t").cond_where(balanced_all(terms)).to_owned();
            let sqlite = query.to_string(SqliteQueryBuilder);
            let postgres = query.to_string(PostgresQueryBuilder);
            assert!(sqlite.contains(r#""name" = 19999"#) && postgres.contains(r#""name" = 0 AND"#));
            let depth = sqlite.chars().try_fold((0usize, 0usize), |(open, deepest), c| match c {
                '(' => Some((open + 1, deepest.max(open + 1))),
                ')' => open.checked_sub(1).map(|open| (open, deepest)),
                _ => Some((open, deepest)),
            });
            assert_eq!(depth, Some((0, 4)), "log8(20,000) levels of parentheses");
        };
        std::thread::Builder::new().stack_size(256 * 1024).spawn(run).unwrap().join().unwrap();
    }

    #[test]
    fn ordering_terms_name_each_allowed_column_once() {
        let filters = Filters::default().ordering(&["name", "price"]);
        let hostile = vec!["name"; 5000].join(",");
        assert_eq!(filters.ordering_terms(Some(&hostile)), ["name"]);
        assert_eq!(filters.ordering_terms(Some("--price,-price,price,name")), ["-price", "name"]);
    }
}
