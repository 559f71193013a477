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
            return Err(RestError::Messages(messages));
        }
        let terms = self.search_terms(text);
        let max_terms = settings.max_search_terms;
        if terms.len() > max_terms {
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
}

impl Filters {
    /// Every term in some search column: one flat `all` of flat `any`s,
    /// built once (its depth does not grow with the number of terms, which
    /// [`Filters::checked_search_terms`] bounds anyway).
    fn search_condition<E: EntityTrait>(&self, terms: &[String]) -> Condition {
        let columns: Vec<E::Column> = self.search.iter().filter_map(|n| column_of::<E>(n)).map(|(c, _)| c).collect();
        let mut all = Condition::all();
        for term in terms {
            let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
            let mut any = Condition::any();
            for column in &columns {
                let lowered = Expr::expr(Func::lower(Expr::col((E::default(), *column))));
                any = any.add(lowered.like(LikeExpr::new(pattern.clone()).escape('\\')));
            }
            all = all.add(any);
        }
        all
    }
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
