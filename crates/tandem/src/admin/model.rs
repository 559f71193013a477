//! One registered model: [`ModelAdmin`], Django's `ModelAdmin` options as a
//! builder over the entity's typed columns, and the type-erased operations
//! the admin pages run on it (list a page of rows, count the filters'
//! choices, build and save the form, find what a deletion takes along).

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::DbErr;
use sea_orm::sea_query::ForeignKeyAction;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, IntoActiveModel,
    Iterable, ModelTrait, Order, PaginatorTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use serde_json::{Map, Value};

use super::form::FormField;
use crate::db::Db;
use crate::rest::fields::{Field, FieldKind};
use crate::rest::{Filters, ModelSerializer, RestError, RestSettings};
use crate::ui::EventError;

/// A sort term of [`ModelAdmin::ordering`]: a column, ascending or descending.
///
/// ```
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "shop_product")]
/// #     pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use tandem::admin::{asc, desc};
/// assert_eq!(desc(product::Column::Id).term(), "-id");
/// assert_eq!(asc(product::Column::Name).term(), "name");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordering(String);

impl Ordering {
    /// The term as Django writes it: `name`, `-id`.
    ///
    /// ```ignore
    /// assert_eq!(desc(Column::Id).term(), "-id");
    /// ```
    pub fn term(&self) -> &str {
        &self.0
    }
}

/// Column `column`, ascending.
///
/// ```ignore
/// admin.register::<product::Entity>().ordering([asc(product::Column::Name)]);
/// ```
pub fn asc<C: ColumnTrait>(column: C) -> Ordering {
    Ordering(column.as_str().to_string())
}

/// Column `column`, descending.
///
/// ```ignore
/// admin.register::<product::Entity>().ordering([desc(product::Column::Id)]);
/// ```
pub fn desc<C: ColumnTrait>(column: C) -> Ordering {
    Ordering(format!("-{}", column.as_str()))
}

/// A bulk action of the change list, run on the selected rows' primary keys
/// (Django's admin actions). It answers the message shown afterwards.
///
/// ```ignore
/// admin.register::<product::Entity>().action("deactivate", "Deactivate selected products", |db, pks| {
///     Box::pin(async move {
///         product::Entity::update_many()
///             .col_expr(product::Column::IsActive, Expr::value(false))
///             .filter(product::Column::Id.is_in(pks.iter().filter_map(|pk| pk.parse::<i64>().ok())))
///             .exec(&db).await?;
///         Ok(format!("Deactivated {} products.", pks.len()))
///     })
/// });
/// ```
pub type ActionFn = Arc<dyn Fn(Db, Vec<String>) -> BoxFuture<'static, Result<String, EventError>> + Send + Sync>;

/// A registered bulk action.
#[derive(Clone)]
pub(crate) struct AdminAction {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) run: ActionFn,
}

/// A foreign key of a model: its column and the table it points to.
#[derive(Debug, Clone)]
pub(crate) struct ForeignKey {
    pub(crate) column: String,
    pub(crate) table: String,
    /// Whether deleting the target deletes the rows (`CASCADE`); otherwise
    /// the rows block the deletion (`PROTECT`/`RESTRICT`) or are set null.
    pub(crate) on_delete: Option<ForeignKeyAction>,
}

/// A column of the change list.
#[derive(Debug, Clone)]
pub(crate) struct ListColumn {
    pub(crate) key: String,
    pub(crate) label: String,
}

/// What the change list asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    pub(crate) search: String,
    pub(crate) ordering: String,
    pub(crate) filters: BTreeMap<String, String>,
    pub(crate) page: u64,
    pub(crate) per_page: u64,
}

/// One page of rows: each row's primary key, its text and its cells.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListPage {
    pub(crate) rows: Vec<(String, Vec<String>)>,
    pub(crate) count: u64,
    pub(crate) page: u64,
    pub(crate) pages: u64,
}

/// A filter of the change list with its choices: (value, label, count).
#[derive(Debug, Clone)]
pub(crate) struct FilterChoices {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) choices: Vec<(String, String, u64)>,
}

/// What saving a form did.
#[derive(Debug, Clone)]
pub(crate) struct Saved {
    pub(crate) pk: String,
    pub(crate) repr: String,
    /// The labels of the fields that changed (empty for an addition).
    pub(crate) changed: Vec<String>,
}

/// Each field's messages, as the REST serializer gives them.
pub(crate) type FieldMessages = Vec<(String, Vec<String>)>;

/// Rows as (primary key, text).
pub(crate) type Named = Vec<(String, String)>;

/// The most rows of another model offered in a foreign key's select or
/// counted as a filter's choices.
pub(crate) const MAX_CHOICES: u64 = 200;

type Display<M> = Arc<dyn Fn(&M) -> String + Send + Sync>;
type M2mChoices = Arc<dyn Fn(Db) -> BoxFuture<'static, Result<Vec<(String, String)>, DbErr>> + Send + Sync>;
type M2mCurrent = Arc<dyn Fn(Db, String) -> BoxFuture<'static, Result<Vec<String>, DbErr>> + Send + Sync>;
type M2mSet = Arc<dyn Fn(Db, String, Vec<String>) -> BoxFuture<'static, Result<(), DbErr>> + Send + Sync>;

/// A many-to-many field of the form (a user's groups, a group's
/// permissions): a multiple select of `choices`, the row's `current`
/// values, and `set` to replace them once the row is saved.
#[derive(Clone)]
pub(crate) struct ManyToMany {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) choices: M2mChoices,
    pub(crate) current: M2mCurrent,
    pub(crate) set: M2mSet,
}
type Prepare<A> = Arc<dyn Fn(&mut A) + Send + Sync>;

/// How the admin shows and edits entity `E` (Django's `ModelAdmin`):
/// returned by [`Admin::register`](super::Admin::register), configured with
/// the entity's typed columns.
///
/// ```ignore
/// admin.register::<product::Entity>()
///     .serializer(drf_product_serializer())
///     .list_display([Column::Name, Column::Price, Column::IsActive])
///     .search_fields([Column::Name, Column::Sku])
///     .list_filter([Column::IsActive])
///     .ordering([desc(Column::Id)]);
/// ```
pub struct ModelAdmin<E: EntityTrait> {
    app: String,
    model: String,
    serializer: ModelSerializer<E>,
    list_display: Vec<String>,
    search: Vec<String>,
    list_filter: Vec<String>,
    ordering: Vec<String>,
    choices: Vec<(String, Vec<(String, String)>)>,
    display: Option<Display<E::Model>>,
    prepare: Option<Prepare<E::ActiveModel>>,
    actions: Vec<AdminAction>,
    per_page: u64,
    plural: Option<String>,
    foreign_keys: Vec<ForeignKey>,
    many: Vec<ManyToMany>,
    blank: Vec<String>,
}

/// Django's `list_per_page`.
pub const PER_PAGE: u64 = 100;

impl<E: EntityTrait> ModelAdmin<E>
where
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelBehavior + Send,
{
    /// The options of model `app.model` with Django's defaults: every column
    /// in the form (the primary key read-only), the row's text as the only
    /// column of the list, nothing searched or filtered, 100 rows a page.
    pub(crate) fn new(app: &str, model: &str) -> Self {
        let foreign_keys = E::Relation::iter()
            .filter_map(|relation| {
                let def = relation.def();
                if def.is_owner {
                    return None;
                }
                let sea_orm::Identity::Unary(column) = &def.from_col else { return None };
                let sea_orm::sea_query::TableRef::Table(name, _) = &def.to_tbl else { return None };
                Some(ForeignKey { column: column.to_string(), table: name.1.to_string(), on_delete: def.on_delete })
            })
            .collect();
        Self {
            app: app.to_string(),
            model: model.to_string(),
            serializer: ModelSerializer::new(),
            list_display: Vec::new(),
            search: Vec::new(),
            list_filter: Vec::new(),
            ordering: Vec::new(),
            choices: Vec::new(),
            display: None,
            prepare: None,
            actions: Vec::new(),
            per_page: PER_PAGE,
            plural: None,
            foreign_keys,
            many: Vec::new(),
            blank: Vec::new(),
        }
    }

    /// Edits through `serializer` (its fields, rules and messages, as the
    /// REST API validates them) instead of every column.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().serializer(drf_product_serializer());
    /// ```
    pub fn serializer(&mut self, serializer: ModelSerializer<E>) -> &mut Self {
        self.serializer = serializer;
        self
    }

    /// The change list's columns (`list_display`); each one sorts the list.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().list_display([Column::Name, Column::Price]);
    /// ```
    pub fn list_display(&mut self, columns: impl IntoIterator<Item = E::Column>) -> &mut Self {
        self.list_display = columns.into_iter().map(|c| c.as_str().to_string()).collect();
        self
    }

    /// Text columns the search box looks in (`search_fields`): every word
    /// in some column, case-insensitively.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().search_fields([Column::Name, Column::Sku]);
    /// ```
    pub fn search_fields(&mut self, columns: impl IntoIterator<Item = E::Column>) -> &mut Self {
        self.search = columns.into_iter().map(|c| c.as_str().to_string()).collect();
        self
    }

    /// Columns offered as filters with their counts (`list_filter`):
    /// booleans (Yes/No), columns with [`ModelAdmin::choices`], foreign
    /// keys (the related rows).
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().list_filter([Column::IsActive]);
    /// ```
    pub fn list_filter(&mut self, columns: impl IntoIterator<Item = E::Column>) -> &mut Self {
        self.list_filter = columns.into_iter().map(|c| c.as_str().to_string()).collect();
        self
    }

    /// The order of the list before a header is clicked (`ordering`); the
    /// primary key otherwise.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().ordering([desc(Column::Id)]);
    /// ```
    pub fn ordering(&mut self, terms: impl IntoIterator<Item = Ordering>) -> &mut Self {
        self.ordering = terms.into_iter().map(|t| t.0).collect();
        self
    }

    /// The values column `column` may hold, with their labels (a model
    /// field's `choices`): a select in the form, a filter's choices, the
    /// label in the list.
    ///
    /// ```ignore
    /// admin.register::<order::Entity>().choices(Column::Status, [("new", "New"), ("paid", "Paid")]);
    /// ```
    pub fn choices<'a>(
        &mut self,
        column: E::Column,
        choices: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> &mut Self {
        let choices = choices.into_iter().map(|(v, l)| (v.to_string(), l.to_string())).collect();
        self.choices.retain(|(name, _)| name != column.as_str());
        self.choices.push((column.as_str().to_string(), choices));
        self
    }

    /// How a row is named in lists, messages and the history (Django's
    /// `__str__`); the first text field otherwise.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().display(|product| format!("{} ({})", product.name, product.sku));
    /// ```
    pub fn display(&mut self, name: impl Fn(&E::Model) -> String + Send + Sync + 'static) -> &mut Self {
        self.display = Some(Arc::new(name));
        self
    }

    /// Sets what the form does not before a new row is inserted (Django's
    /// `save_model` for additions), e.g. a user's unusable password.
    ///
    /// ```ignore
    /// admin.register::<user::Entity>().prepare(|user| user.password = Set(make_unusable_password()));
    /// ```
    pub fn prepare(&mut self, prepare: impl Fn(&mut E::ActiveModel) + Send + Sync + 'static) -> &mut Self {
        self.prepare = Some(Arc::new(prepare));
        self
    }

    /// A bulk action of the change list beside "Delete selected" (see
    /// [`ActionFn`]); it needs the `change` permission.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().action("deactivate", "Deactivate selected products", deactivate);
    /// ```
    pub fn action(
        &mut self,
        name: &str,
        label: &str,
        run: impl Fn(Db, Vec<String>) -> BoxFuture<'static, Result<String, EventError>> + Send + Sync + 'static,
    ) -> &mut Self {
        self.actions.push(AdminAction { name: name.to_string(), label: label.to_string(), run: Arc::new(run) });
        self
    }

    /// Rows per page (1 to 500; Django's `list_per_page`, 100 by default).
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().per_page(50);
    /// ```
    pub fn per_page(&mut self, rows: u64) -> &mut Self {
        self.per_page = rows.clamp(1, crate::ui::model_state::MAX_PER_PAGE);
        self
    }

    /// The model's plural in titles (`verbose_name_plural`); its verbose
    /// name plus `s` otherwise.
    ///
    /// ```ignore
    /// admin.register::<category::Entity>().plural("categories");
    /// ```
    pub fn plural(&mut self, plural: &str) -> &mut Self {
        self.plural = Some(plural.to_string());
        self
    }

    /// Text columns the form may leave blank (Django's `blank=True`),
    /// besides those whose default is a value: stored as `""` rather
    /// than refused as the REST API refuses a blank string.
    ///
    /// ```ignore
    /// admin.register::<user::Entity>().blank([Column::FirstName, Column::LastName, Column::Email]);
    /// ```
    pub fn blank(&mut self, columns: impl IntoIterator<Item = E::Column>) -> &mut Self {
        self.blank = columns.into_iter().map(|c| c.as_str().to_string()).collect();
        self
    }

    /// Whether serializer field `field` may be left blank.
    fn may_be_blank(&self, field: &Field) -> bool {
        matches!(field.kind, FieldKind::String { .. })
            && !field.read_only
            && !field.allow_null
            && (!field.required
                || self
                    .serializer
                    .fields_with_columns()
                    .any(|(f, c)| f.name == field.name && self.blank.iter().any(|b| b == c.as_str())))
    }

    /// A many-to-many field `name` labelled `label` (Django's
    /// `ManyToManyField` in the form): `choices` lists what may be chosen
    /// as (value, label), `current` what the row `pk` holds, `set` replaces
    /// it after a save. Chosen values outside `choices` are refused with
    /// Django's message.
    ///
    /// ```ignore
    /// admin.register::<user::Entity>().many_to_many("groups", "Groups", all_groups, groups_of, set_groups);
    /// ```
    pub fn many_to_many<C, G, S>(&mut self, name: &str, label: &str, choices: C, current: G, set: S) -> &mut Self
    where
        C: Fn(Db) -> BoxFuture<'static, Result<Vec<(String, String)>, DbErr>> + Send + Sync + 'static,
        G: Fn(Db, String) -> BoxFuture<'static, Result<Vec<String>, DbErr>> + Send + Sync + 'static,
        S: Fn(Db, String, Vec<String>) -> BoxFuture<'static, Result<(), DbErr>> + Send + Sync + 'static,
    {
        self.many.retain(|m| m.name != name);
        self.many.push(ManyToMany {
            name: name.to_string(),
            label: label.to_string(),
            choices: Arc::new(choices),
            current: Arc::new(current),
            set: Arc::new(set),
        });
        self
    }

    fn pk_column(&self) -> Result<E::Column, EventError> {
        E::PrimaryKey::iter()
            .next()
            .map(|pk| pk.into_column())
            .ok_or_else(|| EventError::new("This model has no primary key."))
    }

    /// `pk` (from a URL or a checkbox) as the primary key's database value;
    /// `None` when it is not one.
    fn pk_value(&self, pk: &str) -> Result<Option<(E::Column, sea_orm::Value)>, EventError> {
        let column = self.pk_column()?;
        let def = column.def();
        let field = Field::from_column(column.as_str(), &def, true);
        Ok(match field.to_internal_value(&Value::String(pk.to_string())) {
            Ok(value) if !value.is_null() => Some((column, field.to_db_value(&value, def.get_column_type()))),
            _ => None,
        })
    }

    fn pk_of(&self, model: &E::Model) -> Result<String, EventError> {
        let column = self.pk_column()?;
        let field = Field::from_column(column.as_str(), &column.def(), true);
        Ok(text_of(&field.to_representation(&model.get(column))))
    }

    fn repr(&self, model: &E::Model) -> Result<String, EventError> {
        if let Some(display) = &self.display {
            return Ok(display(model));
        }
        let key = self.pk_column()?;
        for column in E::Column::iter().filter(|c| c.as_str() != key.as_str()) {
            if let sea_orm::Value::String(Some(text)) = model.get(column)
                && !text.is_empty()
            {
                return Ok(text.to_string());
            }
        }
        Ok(format!("{} object ({})", self.verbose(), self.pk_of(model)?))
    }

    fn verbose(&self) -> &str {
        self.serializer.verbose_name()
    }

    async fn find(&self, db: &Db, pk: &str) -> Result<Option<E::Model>, EventError> {
        let Some((column, value)) = self.pk_value(pk)? else { return Ok(None) };
        Ok(E::find().filter(column.eq(value)).one(db).await?)
    }

    fn query_filters(&self) -> Filters {
        let mut ordering = self.list_display.clone();
        ordering.retain(|name| E::Column::iter().any(|c| c.as_str() == name));
        Filters {
            fields: self.list_filter.iter().filter(|name| !self.is_date(name)).cloned().collect(),
            search: self.search.clone(),
            ordering,
            default_ordering: self.ordering.clone(),
        }
    }

    /// The rows matching the search and `filters`, sorted by `ordering`.
    fn select(
        &self,
        db: &Db,
        search: &str,
        ordering: &str,
        filters: &BTreeMap<String, String>,
    ) -> Result<sea_orm::Select<E>, EventError> {
        let mut query: Vec<(String, String)> = filters.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if !search.is_empty() {
            query.push(("search".into(), search.to_string()));
        }
        if !ordering.is_empty() {
            query.push(("ordering".into(), ordering.to_string()));
        }
        let mut select = self
            .query_filters()
            .apply(E::find(), &query, db.get_database_backend(), &RestSettings::default())
            .map_err(|error| match error {
                RestError::Invalid(errors) => {
                    EventError::new(errors.0.into_iter().flat_map(|(_, m)| m).collect::<Vec<_>>().join(" "))
                }
                RestError::Messages(messages) => EventError::new(messages.join(" ")),
                other => EventError::new(format!("{other:?}")),
            })?;
        for (name, value) in filters.iter().filter(|(name, _)| self.list_filter.contains(name) && self.is_date(name)) {
            let Some((field, column)) = self.column_field(name) else { continue };
            let (start, end) = date_range(value, chrono::Utc::now().date_naive()).ok_or_else(|| {
                EventError::new(format!("Cannot filter `{name}` by `{}`.", crate::http::log::clip(value)))
            })?;
            let bound = |day: chrono::NaiveDate| {
                let text = if field.kind == FieldKind::Date {
                    day.format("%Y-%m-%d").to_string()
                } else {
                    format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
                };
                field.to_db_value(&Value::String(text), column.def().get_column_type())
            };
            select = select.filter(column.gte(bound(start))).filter(column.lt(bound(end)));
        }
        for pk in E::PrimaryKey::iter() {
            select = select.order_by(pk.into_column(), Order::Asc);
        }
        Ok(select)
    }

    /// Whether column `name` holds a date or a timestamp.
    fn is_date(&self, name: &str) -> bool {
        self.column_field(name).is_some_and(|(f, _)| matches!(f.kind, FieldKind::Date | FieldKind::DateTime))
    }

    /// Writes the chosen many-to-many values of row `pk`; answers the
    /// labels of those that changed (compared with what the row held when
    /// `compare`).
    async fn set_many(
        &self,
        db: &Db,
        pk: &str,
        chosen: Vec<(&ManyToMany, Vec<String>)>,
        compare: bool,
    ) -> Result<Vec<String>, EventError> {
        let mut changed = Vec::new();
        for (many, mut values) in chosen {
            values.sort();
            values.dedup();
            if compare {
                let mut before = (many.current)(db.clone(), pk.to_string()).await?;
                before.sort();
                if before == values {
                    continue;
                }
                changed.push(many.label.clone());
            }
            (many.set)(db.clone(), pk.to_string(), values).await?;
        }
        Ok(changed)
    }

    fn column_field(&self, name: &str) -> Option<(Field, E::Column)> {
        let column = E::Column::iter().find(|c| c.as_str() == name)?;
        let key = self.pk_column().ok()?;
        let field = self
            .serializer
            .fields_with_columns()
            .find(|(_, c)| c.as_str() == name)
            .map(|(f, _)| f.clone())
            .unwrap_or_else(|| Field::from_column(name, &column.def(), key.as_str() == name));
        Some((field, column))
    }

    fn label_of(&self, name: &str) -> String {
        match self.column_field(name) {
            Some((field, _)) if self.foreign_key(name).is_some() => field.label.trim_end_matches(" id").to_string(),
            Some((field, _)) => field.label,
            None => name.to_string(),
        }
    }

    fn foreign_key(&self, column: &str) -> Option<&ForeignKey> {
        self.foreign_keys.iter().find(|fk| fk.column == column)
    }

    fn choices_of(&self, column: &str) -> Option<&[(String, String)]> {
        self.choices.iter().find(|(name, _)| name == column).map(|(_, c)| c.as_slice())
    }
}

/// The choices of a date filter (Django's `DateFieldListFilter`).
const DATE_CHOICES: [(&str, &str); 4] =
    [("today", "Today"), ("past_7_days", "Past 7 days"), ("this_month", "This month"), ("this_year", "This year")];

/// The days `[start, end)` a date filter's `value` covers, as seen on
/// `today` (UTC); `None` for an unknown value.
fn date_range(value: &str, today: chrono::NaiveDate) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::Datelike;
    let tomorrow = today.succ_opt()?;
    match value {
        "today" => Some((today, tomorrow)),
        "past_7_days" => Some((today - chrono::Days::new(6), tomorrow)),
        "this_month" => {
            let first = today.with_day(1)?;
            Some((first, first.checked_add_months(chrono::Months::new(1))?))
        }
        "this_year" => {
            let first = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1)?;
            Some((first, chrono::NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?))
        }
        _ => None,
    }
}

/// A value as the text a list cell or an input shows.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The operations the admin pages run on a registered model, whatever its
/// entity.
pub(crate) trait AdminModel: Send + Sync {
    fn app(&self) -> &str;
    fn model(&self) -> &str;
    fn table(&self) -> String;
    fn verbose(&self) -> String;
    fn plural(&self) -> String;
    fn columns(&self) -> Vec<ListColumn>;
    fn has_search(&self) -> bool;
    fn actions(&self) -> &[AdminAction];
    fn foreign_keys(&self) -> &[ForeignKey];
    fn per_page(&self) -> u64;
    fn list<'a>(
        &'a self,
        db: &'a Db,
        site: &'a super::Site,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<ListPage, EventError>>;
    /// The columns of `list_filter` that can be offered (booleans, choices,
    /// foreign keys to a registered model), without counting anything.
    fn filter_names(&self, site: &super::Site) -> Vec<String>;
    fn filters<'a>(
        &'a self,
        db: &'a Db,
        site: &'a super::Site,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Vec<FilterChoices>, EventError>>;
    /// The form's fields with the row's values (`None`: adding); `Ok(None)`
    /// when there is no such row.
    fn form<'a>(
        &'a self,
        db: &'a Db,
        site: &'a super::Site,
        pk: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<Vec<FormField>>, EventError>>;
    /// Validates and writes `form`: the row saved, or each field's messages.
    fn save<'a>(
        &'a self,
        db: &'a Db,
        pk: Option<&'a str>,
        form: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Result<Saved, FieldMessages>, EventError>>;
    /// The rows' (primary key, text), for those of `pks` that exist.
    fn reprs<'a>(&'a self, db: &'a Db, pks: &'a [String]) -> BoxFuture<'a, Result<Vec<(String, String)>, EventError>>;
    /// Up to [`MAX_CHOICES`] rows as (primary key, text), for a select.
    fn choice_rows<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Vec<(String, String)>, EventError>>;
    /// The rows whose `column` holds one of `pks`: how many, and the first
    /// ones as (primary key, text).
    fn referencing<'a>(
        &'a self,
        db: &'a Db,
        column: &'a str,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<(u64, Named), EventError>>;
    /// Deletes the rows of `pks`; answers how many went.
    fn delete<'a>(&'a self, db: &'a Db, pks: &'a [String]) -> BoxFuture<'a, Result<u64, EventError>>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<E: EntityTrait> AdminModel for ModelAdmin<E>
where
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelBehavior + Send,
{
    fn app(&self) -> &str {
        &self.app
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn table(&self) -> String {
        E::default().table_name().to_string()
    }

    fn verbose(&self) -> String {
        self.verbose().to_string()
    }

    fn plural(&self) -> String {
        self.plural.clone().unwrap_or_else(|| format!("{}s", self.verbose()))
    }

    fn columns(&self) -> Vec<ListColumn> {
        if self.list_display.is_empty() {
            return vec![ListColumn { key: String::new(), label: capitalize(self.verbose()) }];
        }
        self.list_display.iter().map(|name| ListColumn { key: name.clone(), label: self.label_of(name) }).collect()
    }

    fn has_search(&self) -> bool {
        !self.search.is_empty()
    }

    fn actions(&self) -> &[AdminAction] {
        &self.actions
    }

    fn foreign_keys(&self) -> &[ForeignKey] {
        &self.foreign_keys
    }

    fn per_page(&self) -> u64 {
        self.per_page
    }

    fn list<'a>(
        &'a self,
        db: &'a Db,
        site: &'a super::Site,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<ListPage, EventError>> {
        Box::pin(async move {
            let select = self.select(db, &query.search, &query.ordering, &query.filters)?;
            let per_page = query.per_page.max(1);
            let count = select.clone().count(db).await?;
            let pages = count.div_ceil(per_page).max(1);
            let page = query.page.clamp(1, pages);
            let models = select.offset((page - 1).saturating_mul(per_page)).limit(per_page).all(db).await?;
            // The related rows' names, one query per foreign key shown.
            let mut related: HashMap<String, HashMap<String, String>> = HashMap::new();
            for name in &self.list_display {
                let (Some(fk), Some((field, column))) = (self.foreign_key(name), self.column_field(name)) else {
                    continue;
                };
                let Some(target) = site.by_table(&fk.table) else { continue };
                let mut keys: Vec<String> =
                    models.iter().map(|m| text_of(&field.to_representation(&m.get(column)))).collect();
                keys.sort();
                keys.dedup();
                related.insert(name.clone(), target.reprs(db, &keys).await?.into_iter().collect());
            }
            let mut rows = Vec::with_capacity(models.len());
            for model in &models {
                let cells = if self.list_display.is_empty() {
                    vec![self.repr(model)?]
                } else {
                    self.list_display
                        .iter()
                        .map(|name| {
                            let Some((field, column)) = self.column_field(name) else { return String::new() };
                            let value = field.to_representation(&model.get(column));
                            cell_text(&value, self.choices_of(name), related.get(name))
                        })
                        .collect()
                };
                rows.push((self.pk_of(model)?, cells));
            }
            Ok(ListPage { rows, count, page, pages })
        })
    }

    fn filter_names(&self, site: &super::Site) -> Vec<String> {
        self.list_filter
            .iter()
            .filter(|name| {
                self.column_field(name).is_some_and(|(field, _)| {
                    self.choices_of(name).is_some()
                        || matches!(field.kind, FieldKind::Boolean | FieldKind::Date | FieldKind::DateTime)
                        || self.foreign_key(name).is_some_and(|fk| site.by_table(&fk.table).is_some())
                })
            })
            .cloned()
            .collect()
    }

    fn filters<'a>(
        &'a self,
        db: &'a Db,
        site: &'a super::Site,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Vec<FilterChoices>, EventError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for name in self.filter_names(site) {
                let Some((field, _)) = self.column_field(&name) else { continue };
                let choices: Vec<(String, String)> = if let Some(choices) = self.choices_of(&name) {
                    choices.to_vec()
                } else if field.kind == FieldKind::Boolean {
                    vec![("true".into(), "Yes".into()), ("false".into(), "No".into())]
                } else if matches!(field.kind, FieldKind::Date | FieldKind::DateTime) {
                    DATE_CHOICES.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect()
                } else if let Some(target) = self.foreign_key(&name).and_then(|fk| site.by_table(&fk.table)) {
                    target.choice_rows(db).await?
                } else {
                    continue;
                };
                // Counts under the search and the other filters (Django's facets).
                let mut others = query.filters.clone();
                others.remove(&name);
                let mut counted = Vec::with_capacity(choices.len());
                for (value, label) in choices {
                    let mut with = others.clone();
                    with.insert(name.clone(), value.clone());
                    let count = self.select(db, &query.search, "", &with)?.count(db).await?;
                    counted.push((value, label, count));
                }
                out.push(FilterChoices { label: self.label_of(&name), name, choices: counted });
            }
            Ok(out)
        })
    }

    fn form<'a>(
        &'a self,
        db: &'a Db,
        site: &'a super::Site,
        pk: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<Vec<FormField>>, EventError>> {
        Box::pin(async move {
            let shown = match pk {
                Some(pk) => match self.find(db, pk).await? {
                    Some(model) => Some(self.serializer.to_representation(&model)),
                    None => return Ok(None),
                },
                None => None,
            };
            let mut fields = Vec::new();
            for (field, column) in self.serializer.fields_with_columns().filter(|(f, _)| !f.read_only) {
                let value = match &shown {
                    Some(shown) => shown.get(&field.name).cloned().unwrap_or(Value::Null),
                    None => default_of(&column.def()),
                };
                let options = if let Some(choices) = self.choices_of(column.as_str()) {
                    Some(choices.to_vec())
                } else if let Some(target) = self.foreign_key(column.as_str()).and_then(|fk| site.by_table(&fk.table)) {
                    Some(target.choice_rows(db).await?)
                } else {
                    None
                };
                let label = if self.foreign_key(column.as_str()).is_some() {
                    field.label.trim_end_matches(" id").to_string()
                } else {
                    field.label.clone()
                };
                let mut made = FormField::new(field, &label, &value, options);
                made.required = made.required && !self.may_be_blank(field);
                fields.push(made);
            }
            for many in &self.many {
                let choices = (many.choices)(db.clone()).await?;
                let current = match pk {
                    Some(pk) => (many.current)(db.clone(), pk.to_string()).await?,
                    None => Vec::new(),
                };
                fields.push(FormField::many(&many.name, &many.label, choices, &current));
            }
            Ok(Some(fields))
        })
    }

    fn save<'a>(
        &'a self,
        db: &'a Db,
        pk: Option<&'a str>,
        form: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Result<Saved, FieldMessages>, EventError>> {
        Box::pin(async move {
            let instance = match pk {
                Some(pk) => Some(self.find(db, pk).await?.ok_or_else(|| {
                    EventError::new(format!("This {} no longer exists. Perhaps it was deleted?", self.verbose()))
                })?),
                None => None,
            };
            let mut form = form;
            let mut chosen: Vec<(&ManyToMany, Vec<String>)> = Vec::new();
            let mut errors: Vec<(String, Vec<String>)> = Vec::new();
            for many in &self.many {
                let values: Vec<String> = match form.remove(&many.name) {
                    Some(Value::Array(values)) => values.iter().map(text_of).collect(),
                    Some(Value::String(one)) if !one.is_empty() => vec![one],
                    _ => Vec::new(),
                };
                let allowed = (many.choices)(db.clone()).await?;
                match values.iter().find(|v| !allowed.iter().any(|(a, _)| a == *v)) {
                    Some(bad) => errors.push((
                        many.name.clone(),
                        vec![format!("Select a valid choice. {bad} is not one of the available choices.")],
                    )),
                    None => chosen.push((many, values)),
                }
            }
            let mut input = form_input(self.serializer.field_list(), form);
            // A text column with a default may be left blank (Django's
            // `blank=True`): the REST rules, which refuse a blank string,
            // never see it.
            let blanks: Vec<String> = self
                .serializer
                .field_list()
                .filter(|f| self.may_be_blank(f))
                .filter(|f| input.get(&f.name).is_some_and(|v| v.as_str().is_some_and(|t| t.trim().is_empty())))
                .map(|f| f.name.clone())
                .collect();
            for name in &blanks {
                input.remove(name);
            }
            // The rest is validated as a partial update, so the blanks are not
            // "required"; every other required field must be there.
            for field in self.serializer.field_list().filter(|f| !f.read_only && !blanks.contains(&f.name)) {
                if input.contains_key(&field.name) {
                    continue;
                }
                if field.kind == FieldKind::Boolean {
                    input.insert(field.name.clone(), Value::Bool(false));
                } else if field.required {
                    errors.push((field.name.clone(), vec!["This field is required.".into()]));
                }
            }
            let data = Value::Object(input);
            let validated = match self.serializer.validate_input(db, &data, true, true, instance.as_ref()).await {
                Ok(mut validated) if errors.is_empty() => {
                    for name in blanks {
                        validated.insert(name, Value::String(String::new()));
                    }
                    validated
                }
                Ok(_) => return Ok(Err(errors)),
                Err(RestError::Invalid(invalid)) => return Ok(Err(invalid.0.into_iter().chain(errors).collect())),
                Err(RestError::Messages(messages)) => return Ok(Err(vec![("non_field_errors".into(), messages)])),
                Err(other) => return Err(EventError::new(format!("{other:?}"))),
            };
            match instance {
                Some(model) => {
                    let before = self.serializer.to_representation(&model);
                    let unchanged = model.clone();
                    let mut active = model.into_active_model();
                    self.serializer.apply(&mut active, &validated)?;
                    let mut changed: Vec<String> = self
                        .serializer
                        .field_list()
                        .filter(|f| {
                            !f.read_only && validated.get(&f.name).is_some_and(|v| before.get(&f.name) != Some(v))
                        })
                        .map(|f| f.label.clone())
                        .collect();
                    let saved = if active.is_changed() { active.update(db).await? } else { unchanged };
                    let pk = self.pk_of(&saved)?;
                    changed.extend(self.set_many(db, &pk, chosen, true).await?);
                    Ok(Ok(Saved { repr: self.repr(&saved)?, pk, changed }))
                }
                None => {
                    let mut active = <E::ActiveModel as ActiveModelBehavior>::new();
                    self.serializer.apply(&mut active, &validated)?;
                    if let Some(prepare) = &self.prepare {
                        prepare(&mut active);
                    }
                    let saved = active.insert(db).await?;
                    let pk = self.pk_of(&saved)?;
                    self.set_many(db, &pk, chosen, false).await?;
                    Ok(Ok(Saved { repr: self.repr(&saved)?, pk, changed: Vec::new() }))
                }
            }
        })
    }

    fn reprs<'a>(&'a self, db: &'a Db, pks: &'a [String]) -> BoxFuture<'a, Result<Vec<(String, String)>, EventError>> {
        Box::pin(async move {
            let column = self.pk_column()?;
            let values: Vec<sea_orm::Value> =
                pks.iter().filter_map(|pk| self.pk_value(pk).ok().flatten()).map(|(_, v)| v).collect();
            if values.is_empty() {
                return Ok(Vec::new());
            }
            let models = E::find().filter(column.is_in(values)).all(db).await?;
            models.iter().map(|m| Ok((self.pk_of(m)?, self.repr(m)?))).collect()
        })
    }

    fn choice_rows<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Vec<(String, String)>, EventError>> {
        Box::pin(async move {
            let select = self.select(db, "", "", &BTreeMap::new())?;
            let models = select.limit(MAX_CHOICES).all(db).await?;
            models.iter().map(|m| Ok((self.pk_of(m)?, self.repr(m)?))).collect()
        })
    }

    fn referencing<'a>(
        &'a self,
        db: &'a Db,
        column: &'a str,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<(u64, Named), EventError>> {
        Box::pin(async move {
            let Some((field, column)) = self.column_field(column) else { return Ok((0, Vec::new())) };
            let values: Vec<sea_orm::Value> = pks
                .iter()
                .filter_map(|pk| field.to_internal_value(&Value::String(pk.clone())).ok())
                .map(|v| field.to_db_value(&v, column.def().get_column_type()))
                .collect();
            if values.is_empty() {
                return Ok((0, Vec::new()));
            }
            let select = E::find().filter(column.is_in(values));
            let count = select.clone().count(db).await?;
            let models = select.limit(MAX_CHOICES).all(db).await?;
            let shown =
                models.iter().map(|m| Ok((self.pk_of(m)?, self.repr(m)?))).collect::<Result<_, EventError>>()?;
            Ok((count, shown))
        })
    }

    fn delete<'a>(&'a self, db: &'a Db, pks: &'a [String]) -> BoxFuture<'a, Result<u64, EventError>> {
        Box::pin(async move {
            let column = self.pk_column()?;
            let values: Vec<sea_orm::Value> =
                pks.iter().filter_map(|pk| self.pk_value(pk).ok().flatten()).map(|(_, v)| v).collect();
            if values.is_empty() {
                return Ok(0);
            }
            Ok(E::delete_many().filter(column.is_in(values)).exec(db).await?.rows_affected)
        })
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The submitted form as the serializer's input: a checkbox's `true`/`false`,
/// a cleared number input's `null` as an empty text (so the messages are
/// the REST API's for a blank value), a date and time without a zone in UTC.
fn form_input<'a>(fields: impl Iterator<Item = &'a Field>, mut form: Map<String, Value>) -> Map<String, Value> {
    for field in fields.filter(|f| !f.read_only) {
        let Some(value) = form.get_mut(&field.name) else { continue };
        match (field.kind, &*value) {
            (FieldKind::Boolean, Value::Null) => *value = Value::Bool(false),
            (FieldKind::Boolean, _) => {}
            (_, Value::Null) => *value = Value::String(String::new()),
            (FieldKind::DateTime, Value::String(text)) if !text.is_empty() && !has_zone(text) => {
                let seconds = if text.len() == 16 { ":00" } else { "" };
                *value = Value::String(format!("{text}{seconds}Z"));
            }
            (_, Value::Number(n)) => *value = Value::String(n.to_string()),
            _ => {}
        }
    }
    form
}

/// Whether a `datetime-local` text carries a zone (`Z`, `+02:00`).
fn has_zone(text: &str) -> bool {
    text.ends_with('Z') || text.get(19..).is_some_and(|tail| tail.contains(['+', '-']))
}

/// The text of a list cell: a choice's label, a related row's name, Yes or
/// No, `-` for nothing.
fn cell_text(value: &Value, choices: Option<&[(String, String)]>, related: Option<&HashMap<String, String>>) -> String {
    let text = match value {
        Value::Null => return "-".into(),
        Value::Bool(true) => return "Yes".into(),
        Value::Bool(false) => return "No".into(),
        other => text_of(other),
    };
    if let Some(label) = choices.and_then(|c| c.iter().find(|(v, _)| *v == text)) {
        return label.1.clone();
    }
    if let Some(name) = related.and_then(|r| r.get(&text)) {
        return name.clone();
    }
    text
}

/// The value an "add" form starts with: the column's default when it is
/// a plain value (`default_value = true`), else empty.
fn default_of(def: &sea_orm::ColumnDef) -> Value {
    match def.get_column_default() {
        Some(sea_orm::sea_query::SimpleExpr::Value(value)) => sea_orm::sea_query::sea_value_to_json_value(value),
        _ => Value::Null,
    }
}

/// `text` with a capital first letter.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(kind: FieldKind) -> Field {
        Field {
            name: "f".into(),
            kind,
            read_only: false,
            required: true,
            allow_null: false,
            unique: false,
            label: "F".into(),
        }
    }

    #[test]
    fn the_submitted_form_becomes_the_serializers_input() {
        let fields = [
            Field { name: "on".into(), ..field(FieldKind::Boolean) },
            Field { name: "n".into(), ..field(FieldKind::Integer { width: 64 }) },
            Field { name: "cleared".into(), ..field(FieldKind::Integer { width: 64 }) },
            Field { name: "at".into(), ..field(FieldKind::DateTime) },
            Field { name: "zoned".into(), ..field(FieldKind::DateTime) },
        ];
        let form = json!({"on": null, "n": 3, "cleared": null, "at": "2026-12-07T10:30", "zoned": "2026-12-07T10:30:00+02:00"});
        let Value::Object(form) = form else { unreachable!() };
        let input = form_input(fields.iter(), form);
        assert_eq!(
            Value::Object(input),
            json!({"on": false, "n": "3", "cleared": "", "at": "2026-12-07T10:30:00Z", "zoned": "2026-12-07T10:30:00+02:00"})
        );
    }

    #[test]
    fn date_filters_cover_whole_days() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = day(2026, 12, 31);
        assert_eq!(date_range("today", today), Some((today, day(2027, 1, 1))));
        assert_eq!(date_range("past_7_days", today), Some((day(2026, 12, 25), day(2027, 1, 1))));
        assert_eq!(date_range("this_month", today), Some((day(2026, 12, 1), day(2027, 1, 1))));
        assert_eq!(date_range("this_year", today), Some((day(2026, 1, 1), day(2027, 1, 1))));
        assert_eq!(date_range("yesterday", today), None);
    }

    #[test]
    fn cells_show_labels_names_and_yes_no() {
        let choices = [("1".to_string(), "One star".to_string())];
        let related: HashMap<String, String> = [("7".to_string(), "Mug".to_string())].into();
        assert_eq!(cell_text(&json!(true), None, None), "Yes");
        assert_eq!(cell_text(&json!(null), None, None), "-");
        assert_eq!(cell_text(&json!(1), Some(&choices), None), "One star");
        assert_eq!(cell_text(&json!(7), None, Some(&related)), "Mug");
        assert_eq!(cell_text(&json!("29.50"), None, None), "29.50");
        assert!(has_zone("2026-12-07T10:30:00Z") && has_zone("2026-12-07T10:30:00-05:00"));
        assert!(!has_zone("2026-12-07T10:30") && !has_zone("2026-12-07T10:30:00"));
        assert_eq!(capitalize("über"), "Über");
    }
}
