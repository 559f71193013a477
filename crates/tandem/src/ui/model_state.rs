//! `ModelState`: reflex-django's declarative CRUD state for one model. The
//! application describes the model (its serializer, the columns listed,
//! searched, sorted and filtered, the page size, who may do what) and gets
//! a state and a view: rows paginated on the database, a search box,
//! sortable headers, filters, a create/edit form validated by the
//! serializer with per-field errors, delete with confirmation, and the
//! page kept live when the table changes anywhere (the REST API, another
//! process, another tab).
//!
//! ```ignore
//! use tandem::ui::model_state::{ManagedModel, ModelOptions, ModelState, model_view};
//!
//! pub struct Products;
//!
//! impl ManagedModel for Products {
//!     type Entity = product::Entity;
//!     const NAME: &'static str = "manage_products";
//!     fn options() -> ModelOptions<product::Entity> {
//!         ModelOptions::new("shop.product", drf_product_serializer())
//!             .search(&["name", "sku"])
//!             .ordering(&["name", "price", "sku"])
//!             .filter("is_active")
//!             .per_page(10)
//!     }
//! }
//!
//! fn view() -> Node { model_view::<Products>() }
//!
//! App::new(env!("CARGO_MANIFEST_DIR")).page(ModelState::<Products>::page("manage", "Manage products", view))
//! ```
//!
//! See `docs/guide/model-state.md` for the whole story, side by side with
//! reflex-django's spelling.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, EntityName, EntityTrait, IdenStatic, IntoActiveModel, Iterable,
    Order, PaginatorTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::components::{Column, cell_column, next_ordering, sortable_table_by_name};
use super::context::{EventContext, Level};
use super::field::{checkbox_field, input_field};
use super::forms::FieldErrors;
use super::node::*;
use super::page::Page;
use super::state::{EventError, Events, State, event_arg};
use crate::auth::CurrentUser;
use crate::rest::fields::FieldKind;
use crate::rest::{Filters, ModelSerializer, RestError, RestSettings};

/// What a person does to a model: Django's four permissions.
///
/// ```
/// use tandem::ui::model_state::Action;
/// assert_eq!(Action::Add.codename("shop.product"), "shop.add_product");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the rows (`view_<model>`).
    View,
    /// Create a row (`add_<model>`).
    Add,
    /// Edit a row (`change_<model>`).
    Change,
    /// Delete a row (`delete_<model>`).
    Delete,
}

impl Action {
    /// The action's word in Django's codenames (`view`, `add`, …).
    ///
    /// ```
    /// assert_eq!(tandem::ui::model_state::Action::Change.word(), "change");
    /// ```
    pub fn word(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Add => "add",
            Action::Change => "change",
            Action::Delete => "delete",
        }
    }

    /// The permission `has_perm` checks for model `label` (`app.model`).
    ///
    /// ```
    /// use tandem::ui::model_state::Action;
    /// assert_eq!(Action::Delete.codename("shop.product"), "shop.delete_product");
    /// ```
    pub fn codename(self, label: &str) -> String {
        let (app, model) = label.split_once('.').unwrap_or(("", label));
        format!("{app}.{}_{model}", self.word())
    }
}

type PermissionCheck = Arc<dyn Fn(&CurrentUser, Action) -> bool + Send + Sync>;

/// How a [`ModelState`] shows and edits entity `E`: reflex-django's
/// `ModelState` class attributes (`model`, `fields`, `search_fields`,
/// `ordering`, `per_page`) as a builder.
///
/// ```
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "shop_product")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)] pub id: i64,
/// #         pub name: String,
/// #         pub is_active: bool,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use tandem::rest::ModelSerializer;
/// use tandem::ui::model_state::ModelOptions;
///
/// let options = ModelOptions::new("shop.product", ModelSerializer::<product::Entity>::new())
///     .list(&["id", "name"])
///     .search(&["name"])
///     .ordering(&["name"])
///     .filter("is_active")
///     .per_page(20);
/// assert_eq!(options.key(), "id");
/// assert_eq!(options.page_size(), 20);
/// ```
pub struct ModelOptions<E: EntityTrait> {
    label: String,
    serializer: ModelSerializer<E>,
    list: Vec<String>,
    /// Search, sortable columns and default order, as the REST layer keeps
    /// them; its equality `fields` are the filters' names.
    query: Filters,
    filters: Vec<(String, Vec<(String, String)>)>,
    per_page: u64,
    initial: Map<String, Value>,
    plural: Option<String>,
    permission: Option<PermissionCheck>,
}

/// The most rows one page may hold, whatever `per_page` says.
pub const MAX_PER_PAGE: u64 = 500;

impl<E: EntityTrait> ModelOptions<E> {
    /// Model `label` (`app.model`, as registered with `App::model`, which
    /// names its permissions) edited through `serializer`: every field of
    /// the serializer is listed and, unless read-only, in the form; 25 rows
    /// a page; nothing searched, sorted or filtered until you say so.
    ///
    /// ```ignore
    /// ModelOptions::new("shop.product", drf_product_serializer())
    /// ```
    pub fn new(label: &str, serializer: ModelSerializer<E>) -> Self {
        let list = serializer.field_names().into_iter().map(str::to_string).collect();
        Self {
            label: label.to_string(),
            serializer,
            list,
            query: Filters::default(),
            filters: Vec::new(),
            per_page: 25,
            initial: Map::new(),
            plural: None,
            permission: None,
        }
    }

    /// The serializer's fields shown as the table's columns, in order
    /// (reflex-django's `fields`); names the serializer lacks are skipped.
    ///
    /// ```ignore
    /// options.list(&["name", "price"])
    /// ```
    pub fn list(mut self, names: &[&str]) -> Self {
        let known = self.serializer.field_names();
        self.list = names.iter().filter(|n| known.contains(n)).map(|n| n.to_string()).collect();
        self
    }

    /// Text columns the search box looks in, case-insensitively, every word
    /// in some column (`search_fields`, the REST layer's `?search=`).
    ///
    /// ```ignore
    /// options.search(&["name", "sku"])
    /// ```
    pub fn search(mut self, names: &[&str]) -> Self {
        self.query = self.query.search(names);
        self
    }

    /// Columns whose header sorts the table (a click toggles ascending and
    /// descending).
    ///
    /// ```ignore
    /// options.ordering(&["name", "price"])
    /// ```
    pub fn ordering(mut self, names: &[&str]) -> Self {
        self.query = self.query.ordering(names);
        self
    }

    /// The order before any header is clicked (`ordering = ["-id"]`); the
    /// primary key otherwise.
    ///
    /// ```ignore
    /// options.default_ordering(&["-id"])
    /// ```
    pub fn default_ordering(mut self, terms: &[&str]) -> Self {
        self.query = self.query.default_ordering(terms);
        self
    }

    /// A select that narrows the rows to one value of column `name`: a
    /// boolean column offers Yes and No (see [`ModelOptions::filter_choices`]
    /// for others).
    ///
    /// ```ignore
    /// options.filter("is_active")
    /// ```
    pub fn filter(self, name: &str) -> Self {
        self.filter_choices(name, &[("true", "Yes"), ("false", "No")])
    }

    /// A select narrowing the rows to one of `choices` (value, label) of
    /// column `name`; "All" comes first.
    ///
    /// ```ignore
    /// options.filter_choices("status", &[("draft", "Draft"), ("live", "Published")])
    /// ```
    pub fn filter_choices(mut self, name: &str, choices: &[(&str, &str)]) -> Self {
        let choices = choices.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect();
        self.filters.push((name.to_string(), choices));
        self
    }

    /// Rows per page (1 to [`MAX_PER_PAGE`]).
    ///
    /// ```ignore
    /// options.per_page(10)
    /// ```
    pub fn per_page(mut self, rows: u64) -> Self {
        self.per_page = rows.clamp(1, MAX_PER_PAGE);
        self
    }

    /// The value field `name` starts with in the "add" form.
    ///
    /// ```ignore
    /// options.initial("is_active", true)
    /// ```
    pub fn initial(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.initial.insert(name.to_string(), value.into());
        self
    }

    /// The model's plural in messages; the serializer's verbose name plus
    /// `s` otherwise.
    ///
    /// ```ignore
    /// options.plural("categories")
    /// ```
    pub fn plural(mut self, plural: &str) -> Self {
        self.plural = Some(plural.to_string());
        self
    }

    /// Decides who may do what with `check` instead of Django's model
    /// permissions.
    ///
    /// ```ignore
    /// // Staff may do anything, visitors may look.
    /// options.permission(|user, action| action == Action::View || user.user().is_some_and(|u| u.is_staff))
    /// ```
    pub fn permission(mut self, check: impl Fn(&CurrentUser, Action) -> bool + Send + Sync + 'static) -> Self {
        self.permission = Some(Arc::new(check));
        self
    }

    /// The primary key's column name: the rows' key.
    ///
    /// ```ignore
    /// assert_eq!(options.key(), "id");
    /// ```
    pub fn key(&self) -> &'static str {
        E::PrimaryKey::iter().next().map(|pk| pk.into_column().as_str()).unwrap_or("id")
    }

    /// Rows per page.
    ///
    /// ```ignore
    /// assert_eq!(options.page_size(), 25);
    /// ```
    pub fn page_size(&self) -> u64 {
        self.per_page
    }

    fn plural_name(&self) -> String {
        self.plural.clone().unwrap_or_else(|| format!("{}s", self.serializer.verbose_name()))
    }

    fn filters(&self) -> Filters {
        Filters { fields: self.filters.iter().map(|(name, _)| name.clone()).collect(), ..self.query.clone() }
    }

    fn columns(&self) -> Vec<Column> {
        self.list
            .iter()
            .map(|name| {
                let label = self.serializer.field_list().find(|f| &f.name == name).map(|f| f.label.clone());
                let column = Column::named(name, &label.unwrap_or_else(|| name.clone()));
                if self.query.ordering.contains(name) { column } else { column.unsortable() }
            })
            .collect()
    }
}

/// An application's model for a [`ModelState`]: a marker type naming the
/// entity, the state's name and its [`ModelOptions`].
///
/// ```ignore
/// pub struct Products;
///
/// impl ManagedModel for Products {
///     type Entity = product::Entity;
///     const NAME: &'static str = "manage_products";
///     fn options() -> ModelOptions<product::Entity> {
///         ModelOptions::new("shop.product", drf_product_serializer()).search(&["name"])
///     }
/// }
/// ```
pub trait ManagedModel: Send + Sync + 'static {
    /// The SeaORM entity.
    type Entity: EntityTrait<
            Model: IntoActiveModel<<Self::Entity as EntityTrait>::ActiveModel> + Sync,
            ActiveModel: ActiveModelBehavior + Send,
        >;
    /// The state's name in the protocol.
    const NAME: &'static str;
    /// How the model is shown and edited (built again for each event).
    fn options() -> ModelOptions<Self::Entity>;
}

/// The state of a page managing model `M`. Its public fields are what
/// [`model_view`] binds to; an application can bind to them in a view of
/// its own too.
///
/// ```ignore
/// Page::dynamic::<ModelState<Products>>("manage", "Manage", view) // or ModelState::<Products>::page(…)
/// ```
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ModelState<M> {
    /// The rows of the current page: the serializer's representation.
    pub rows: Vec<Value>,
    /// How many rows match the search and filters, on every page.
    pub count: u64,
    /// The page shown, from 1.
    pub page: u64,
    /// How many pages there are (at least 1).
    pub pages: u64,
    /// `Page 2 of 5`.
    pub page_label: String,
    /// Whether this is the first page.
    pub first_page: bool,
    /// Whether this is the last page.
    pub last_page: bool,
    /// What the search box holds.
    pub search: String,
    /// The sort, as Django writes it: `name`, `-price`, or empty.
    pub ordering: String,
    /// The filters' chosen values by column; empty means all.
    pub filters: BTreeMap<String, String>,
    /// The primary key of the row being edited (`null`: adding, or no form).
    pub selected: Value,
    /// Whether the create/edit form is open.
    pub form_open: bool,
    /// `Add product` or `Edit product`.
    pub form_title: String,
    /// The form's values by field.
    pub form: Map<String, Value>,
    /// The form's errors by field (the serializer's messages).
    pub errors: FieldErrors,
    /// The primary key of the row whose deletion awaits confirmation.
    pub confirming: Value,
    /// Whether a deletion awaits confirmation.
    pub confirm_open: bool,
    /// `Delete product “Mug”?`
    pub confirm_text: String,
    /// Whether the user may see the rows.
    pub can_view: bool,
    /// Whether the user may add rows.
    pub can_add: bool,
    /// Whether the user may edit rows.
    pub can_change: bool,
    /// Whether the user may delete rows.
    pub can_delete: bool,
    /// Why nothing is shown, for a user without the `view` permission.
    pub denied: String,
    #[serde(skip)]
    model: PhantomData<fn() -> M>,
}

impl<M> Default for ModelState<M> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            count: 0,
            page: 1,
            pages: 1,
            page_label: "Page 1 of 1".into(),
            first_page: true,
            last_page: true,
            search: String::new(),
            ordering: String::new(),
            filters: BTreeMap::new(),
            selected: Value::Null,
            form_open: false,
            form_title: String::new(),
            form: Map::new(),
            errors: FieldErrors::default(),
            confirming: Value::Null,
            confirm_open: false,
            confirm_text: String::new(),
            can_view: false,
            can_add: false,
            can_change: false,
            can_delete: false,
            denied: String::new(),
            model: PhantomData,
        }
    }
}

impl<M: ManagedModel> State for ModelState<M> {
    const NAME: &'static str = M::NAME;

    fn backend_fields() -> &'static [&'static str] {
        &[]
    }
}

/// The longest search text accepted, in characters.
const MAX_SEARCH: usize = 200;

impl<M: ManagedModel> ModelState<M> {
    /// The events, in the order [`Events::event_names`] gives them: forward
    /// them from a state of your own (see the guide).
    ///
    /// ```ignore
    /// assert!(ModelState::<Products>::EVENTS.contains(&"save"));
    /// ```
    pub const EVENTS: &'static [&'static str] = &[
        "load",
        "search",
        "sort",
        "filter",
        "goto",
        "next_page",
        "prev_page",
        "add",
        "edit",
        "cancel",
        "save",
        "delete",
        "confirm_delete",
        "cancel_delete",
    ];

    /// A page at `route` bound to this state: `load` before the first
    /// paint, and again whenever the model's table changes anywhere
    /// (`Page::live` on the table's name), so rows written through the REST
    /// API or another process appear without a reload.
    ///
    /// ```ignore
    /// ModelState::<Products>::page("manage", "Manage products", manage::view)
    /// ```
    pub fn page(route: &str, title: &str, view: fn() -> Node) -> Page {
        let table = M::Entity::default().table_name().to_string();
        Page::dynamic::<Self>(route, title, view).on_load("load").live(&table, "load")
    }

    /// Whether the tab's user may do `action`.
    ///
    /// ```ignore
    /// if !state.allowed(ctx, Action::Add).await? { … }
    /// ```
    pub async fn allowed(&self, ctx: &EventContext, action: Action) -> Result<bool, EventError> {
        let options = M::options();
        allowed(&options, ctx, action).await
    }

    /// Loads the permissions and the current page of rows (the page's
    /// `on_load` and live refresh). A user without `view` gets no rows and
    /// the reason in `denied`.
    ///
    /// ```ignore
    /// state.load(ctx).await?;
    /// ```
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let options = M::options();
        self.can_view = allowed(&options, ctx, Action::View).await?;
        self.can_add = allowed(&options, ctx, Action::Add).await?;
        self.can_change = allowed(&options, ctx, Action::Change).await?;
        self.can_delete = allowed(&options, ctx, Action::Delete).await?;
        if !self.can_view {
            *self = Self { denied: refusal(&options, Action::View), ..Self::default() };
            return Ok(());
        }
        self.denied.clear();
        self.refresh(&options, ctx).await
    }

    /// Shows the rows matching `text` (case-insensitive, each word in some
    /// search column), from the first page.
    ///
    /// ```ignore
    /// state.search(ctx, "mug".into()).await?;
    /// ```
    pub async fn search(&mut self, ctx: &mut EventContext, text: String) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::View).await?;
        if text.chars().count() > MAX_SEARCH {
            return Err(EventError::new(format!("Search for at most {MAX_SEARCH} characters.")));
        }
        self.search = text;
        self.page = 1;
        self.refresh(&options, ctx).await
    }

    /// Sorts by column `key`: ascending first, then toggling.
    ///
    /// ```ignore
    /// state.sort(ctx, "price".into()).await?;
    /// ```
    pub async fn sort(&mut self, ctx: &mut EventContext, key: String) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::View).await?;
        if !options.query.ordering.contains(&key) {
            return Err(EventError::new(format!("Cannot sort by `{}`.", crate::http::log::clip(&key))));
        }
        self.ordering = next_ordering(&self.ordering, &key);
        self.refresh(&options, ctx).await
    }

    /// Narrows the rows to `value` of filter column `field` (empty: all).
    ///
    /// ```ignore
    /// state.filter(ctx, "is_active".into(), "true".into()).await?;
    /// ```
    pub async fn filter(&mut self, ctx: &mut EventContext, field: String, value: String) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::View).await?;
        if !options.filters.iter().any(|(name, _)| *name == field) {
            return Err(EventError::new(format!("Cannot filter by `{}`.", crate::http::log::clip(&field))));
        }
        if value.chars().count() > MAX_SEARCH {
            return Err(EventError::new("That filter value is too long."));
        }
        if value.is_empty() {
            self.filters.remove(&field);
        } else {
            self.filters.insert(field, value);
        }
        self.page = 1;
        self.refresh(&options, ctx).await
    }

    /// Shows page `page` (clamped to the pages there are).
    ///
    /// ```ignore
    /// state.goto(ctx, 3).await?;
    /// ```
    pub async fn goto(&mut self, ctx: &mut EventContext, page: i64) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::View).await?;
        self.page = u64::try_from(page).unwrap_or(1).max(1);
        self.refresh(&options, ctx).await
    }

    /// The next page, if any.
    ///
    /// ```ignore
    /// state.next_page(ctx).await?;
    /// ```
    pub async fn next_page(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let next = self.page.saturating_add(1);
        self.goto(ctx, i64::try_from(next).unwrap_or(i64::MAX)).await
    }

    /// The previous page, if any.
    ///
    /// ```ignore
    /// state.prev_page(ctx).await?;
    /// ```
    pub async fn prev_page(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let previous = self.page.saturating_sub(1).max(1);
        self.goto(ctx, i64::try_from(previous).unwrap_or(1)).await
    }

    /// Opens the form empty, to add a row (needs `add`).
    ///
    /// ```ignore
    /// state.add(ctx).await?;
    /// ```
    pub async fn add(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::Add).await?;
        self.form = writable(&options)
            .map(|(name, boolean)| {
                let initial = options.initial.get(&name).cloned();
                let value = initial.unwrap_or(if boolean { Value::Bool(false) } else { Value::String(String::new()) });
                (name, value)
            })
            .collect();
        self.selected = Value::Null;
        self.errors.clear();
        self.form_title = format!("Add {}", options.serializer.verbose_name());
        self.form_open = true;
        Ok(())
    }

    /// Opens the form on the row whose primary key is `id` (needs `change`).
    ///
    /// ```ignore
    /// state.edit(ctx, serde_json::json!(3)).await?;
    /// ```
    pub async fn edit(&mut self, ctx: &mut EventContext, id: Value) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::Change).await?;
        let model = find::<M>(&options, ctx, &id).await?;
        let shown = options.serializer.to_representation(&model);
        self.form = writable(&options)
            .map(|(name, _)| {
                let value = shown.get(&name).cloned().unwrap_or(Value::Null);
                (name, value)
            })
            .collect();
        self.selected = id;
        self.errors.clear();
        self.form_title = format!("Edit {}", options.serializer.verbose_name());
        self.form_open = true;
        Ok(())
    }

    /// Closes the form.
    ///
    /// ```ignore
    /// state.cancel().await;
    /// ```
    pub async fn cancel(&mut self) {
        self.form_open = false;
        self.selected = Value::Null;
        self.errors.clear();
        self.form.clear();
    }

    /// Validates `form` with the serializer and creates the row (`add`) or
    /// updates the selected one (`change`); invalid input keeps the form
    /// open with each field's messages in `errors`.
    ///
    /// ```ignore
    /// state.save(ctx, form).await?;
    /// ```
    pub async fn save(&mut self, ctx: &mut EventContext, form: Map<String, Value>) -> Result<(), EventError> {
        let options = M::options();
        let editing = !self.selected.is_null();
        require(&options, ctx, if editing { Action::Change } else { Action::Add }).await?;
        if !self.form_open {
            return Err(EventError::new("The form is not open."));
        }
        let instance = if editing { Some(find::<M>(&options, ctx, &self.selected).await?) } else { None };
        let data = Value::Object(form.clone());
        let validated = match options.serializer.validate_input(&ctx.db, &data, false, true, instance.as_ref()).await {
            Ok(validated) => validated,
            Err(RestError::Invalid(errors)) => {
                self.errors = FieldErrors::from_messages(errors.0);
                self.form = writable(&options)
                    .map(|(name, _)| (name.clone(), form.get(&name).cloned().unwrap_or(Value::Null)))
                    .collect();
                return Ok(());
            }
            Err(other) => return Err(rest_error(other)),
        };
        let verbose = options.serializer.verbose_name().to_string();
        match instance {
            Some(model) => {
                let mut active = model.into_active_model();
                options.serializer.apply(&mut active, &validated)?;
                if active.is_changed() {
                    active.update(&ctx.db).await?;
                }
                ctx.notify(Level::Success, &format!("Saved the {verbose}."));
            }
            None => {
                let mut active = <<M::Entity as EntityTrait>::ActiveModel as ActiveModelBehavior>::new();
                options.serializer.apply(&mut active, &validated)?;
                active.insert(&ctx.db).await?;
                ctx.notify(Level::Success, &format!("Added the {verbose}."));
            }
        }
        ctx.model_changed::<M::Entity>();
        self.cancel().await;
        self.refresh(&options, ctx).await
    }

    /// Asks to confirm deleting the row whose primary key is `id` (needs
    /// `delete`); nothing is deleted yet.
    ///
    /// ```ignore
    /// state.delete(ctx, serde_json::json!(3)).await?;
    /// ```
    pub async fn delete(&mut self, ctx: &mut EventContext, id: Value) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::Delete).await?;
        let model = find::<M>(&options, ctx, &id).await?;
        let shown = options.serializer.to_representation(&model);
        let key = options.key();
        let title = options
            .list
            .iter()
            .filter(|name| name.as_str() != key)
            .find_map(|name| shown.get(name).and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| id.to_string());
        self.confirm_text = format!("Delete {} “{title}”?", options.serializer.verbose_name());
        self.confirming = id;
        self.confirm_open = true;
        Ok(())
    }

    /// Deletes the row awaiting confirmation (needs `delete`).
    ///
    /// ```ignore
    /// state.confirm_delete(ctx).await?;
    /// ```
    pub async fn confirm_delete(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let options = M::options();
        require(&options, ctx, Action::Delete).await?;
        if !self.confirm_open {
            return Err(EventError::new("Nothing awaits deletion."));
        }
        let (column, value) = key_value::<M>(&options, &self.confirming)?;
        let deleted = M::Entity::delete_many().filter(column.eq(value)).exec(&ctx.db).await?;
        if deleted.rows_affected > 0 {
            ctx.model_changed::<M::Entity>();
            ctx.notify(Level::Success, &format!("Deleted the {}.", options.serializer.verbose_name()));
        }
        if self.selected == self.confirming {
            self.cancel().await;
        }
        self.cancel_delete().await;
        self.refresh(&options, ctx).await
    }

    /// Forgets the deletion awaiting confirmation.
    ///
    /// ```ignore
    /// state.cancel_delete().await;
    /// ```
    pub async fn cancel_delete(&mut self) {
        self.confirming = Value::Null;
        self.confirm_open = false;
        self.confirm_text.clear();
    }

    /// Reads the current page of rows from the database.
    async fn refresh(&mut self, options: &ModelOptions<M::Entity>, ctx: &EventContext) -> Result<(), EventError> {
        let mut query: Vec<(String, String)> = Vec::new();
        if !self.search.is_empty() {
            query.push(("search".into(), self.search.clone()));
        }
        if !self.ordering.is_empty() {
            query.push(("ordering".into(), self.ordering.clone()));
        }
        for (name, value) in &self.filters {
            query.push((name.clone(), value.clone()));
        }
        let backend = sea_orm::ConnectionTrait::get_database_backend(&ctx.db);
        let mut select = options
            .filters()
            .apply(M::Entity::find(), &query, backend, &RestSettings::default())
            .map_err(rest_error)?;
        // A stable order across pages, whatever the sort.
        for pk in <M::Entity as EntityTrait>::PrimaryKey::iter() {
            select = select.order_by(pk.into_column(), Order::Asc);
        }
        let per_page = options.per_page;
        self.count = select.clone().count(&ctx.db).await?;
        self.pages = self.count.div_ceil(per_page).max(1);
        self.page = self.page.clamp(1, self.pages);
        let models = select.offset((self.page - 1).saturating_mul(per_page)).limit(per_page).all(&ctx.db).await?;
        self.rows = options.serializer.many(&models);
        self.page_label = format!("Page {} of {}", self.page, self.pages);
        self.first_page = self.page == 1;
        self.last_page = self.page == self.pages;
        Ok(())
    }
}

/// The writable fields of the serializer: (name, is a boolean).
fn writable<E: EntityTrait>(options: &ModelOptions<E>) -> impl Iterator<Item = (String, bool)> + '_ {
    options.serializer.field_list().filter(|f| !f.read_only).map(|f| (f.name.clone(), f.kind == FieldKind::Boolean))
}

/// The message of a refused `action`.
fn refusal<E: EntityTrait>(options: &ModelOptions<E>, action: Action) -> String {
    format!("You do not have permission to {} {}.", action.word(), options.plural_name())
}

async fn allowed<E: EntityTrait>(
    options: &ModelOptions<E>,
    ctx: &EventContext,
    action: Action,
) -> Result<bool, EventError> {
    if let Some(check) = &options.permission {
        return Ok(check(&ctx.user, action));
    }
    match ctx.user.user() {
        Some(user) => Ok(crate::auth::has_perm(&ctx.db, user, &action.codename(&options.label)).await?),
        None => Ok(false),
    }
}

async fn require<E: EntityTrait>(
    options: &ModelOptions<E>,
    ctx: &EventContext,
    action: Action,
) -> Result<(), EventError> {
    if allowed(options, ctx, action).await? { Ok(()) } else { Err(EventError::new(refusal(options, action))) }
}

/// The primary key column and `id` as its database value.
fn key_value<M: ManagedModel>(
    options: &ModelOptions<M::Entity>,
    id: &Value,
) -> Result<(<M::Entity as EntityTrait>::Column, sea_orm::Value), EventError> {
    let missing = || EventError::new(format!("No such {}.", options.serializer.verbose_name()));
    let column =
        <M::Entity as EntityTrait>::PrimaryKey::iter().next().map(|pk| pk.into_column()).ok_or_else(missing)?;
    let def = column.def();
    let field = crate::rest::fields::Field::from_column(column.as_str(), &def, true);
    let value = field.to_internal_value(id).map_err(|_| missing())?;
    if value.is_null() {
        return Err(missing());
    }
    Ok((column, field.to_db_value(&value, def.get_column_type())))
}

/// The row whose primary key is `id`.
async fn find<M: ManagedModel>(
    options: &ModelOptions<M::Entity>,
    ctx: &EventContext,
    id: &Value,
) -> Result<<M::Entity as EntityTrait>::Model, EventError> {
    let (column, value) = key_value::<M>(options, id)?;
    M::Entity::find()
        .filter(column.eq(value))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| EventError::new(format!("No such {}.", options.serializer.verbose_name())))
}

/// A REST layer's refusal as an event error.
fn rest_error(error: RestError) -> EventError {
    match error {
        RestError::Invalid(errors) => {
            EventError::new(errors.0.into_iter().flat_map(|(_, messages)| messages).collect::<Vec<_>>().join(" "))
        }
        RestError::Messages(messages) => EventError::new(messages.join(" ")),
        RestError::Api(error) => EventError::new(error.detail),
        RestError::Throttled(_) => EventError::new("Too many requests."),
    }
}

impl<M: ManagedModel> Events for ModelState<M> {
    fn event_names() -> &'static [&'static str] {
        Self::EVENTS
    }

    fn dispatch<'a>(
        &'a mut self,
        event: &'a str,
        args: Value,
        ctx: &'a mut EventContext,
    ) -> super::BoxFuture<'a, Result<(), EventError>> {
        Box::pin(async move {
            match event {
                "load" => self.load(ctx).await,
                "search" => self.search(ctx, event_arg(&args, "text", 0)?).await,
                "sort" => self.sort(ctx, event_arg(&args, "key", 0)?).await,
                "filter" => {
                    let field = event_arg(&args, "field", 0)?;
                    let value: Option<String> = event_arg(&args, "value", 1)?;
                    self.filter(ctx, field, value.unwrap_or_default()).await
                }
                "goto" => self.goto(ctx, event_arg(&args, "page", 0)?).await,
                "next_page" => self.next_page(ctx).await,
                "prev_page" => self.prev_page(ctx).await,
                "add" => self.add(ctx).await,
                "edit" => self.edit(ctx, event_arg(&args, "id", 0)?).await,
                "cancel" => {
                    self.cancel().await;
                    Ok(())
                }
                "save" => self.save(ctx, event_arg(&args, "form", 0)?).await,
                "delete" => self.delete(ctx, event_arg(&args, "id", 0)?).await,
                "confirm_delete" => self.confirm_delete(ctx).await,
                "cancel_delete" => {
                    self.cancel_delete().await;
                    Ok(())
                }
                other => Err(EventError::unknown_event(other)),
            }
        })
    }
}

/// The whole page body for model `M`: search box, filters, an "Add" button,
/// the sortable table with Edit and Delete in each row, the pager, the
/// create/edit form with per-field errors and the delete confirmation;
/// only the reason for a user without `view`. It binds to the fields of
/// [`ModelState`] at the top level of the page's state.
///
/// Element ids, for tests and styles: `#model-search`, `#model-filter-<column>`,
/// `#model-add`, `#model-rows` (rows' buttons `.model-edit`, `.model-delete`),
/// `#model-prev`, `#model-page`, `#model-next`, `#model-form` (controls
/// `#model-field-<name>`, `#model-save`, `#model-cancel`), `#model-confirm`
/// (`#model-confirm-yes`, `#model-confirm-no`), `#model-denied`.
///
/// ```ignore
/// fn view() -> Node { layout().page("/manage", [model_view::<Products>()]) }
/// ```
pub fn model_view<M: ManagedModel>() -> Node {
    let options = M::options();
    let key = options.key();
    let plural = options.plural_name();
    let verbose = options.serializer.verbose_name().to_string();

    let mut toolbar = vec![
        input()
            .id("model-search")
            .attr("type", "search")
            .attr("placeholder", format!("Search {plural}"))
            .attr("aria-label", format!("Search {plural}"))
            .bind_value("search")
            .on_input(event("search").debounce(150)),
    ];
    for (name, choices) in &options.filters {
        let label = options.serializer.field_list().find(|f| &f.name == name).map(|f| f.label.clone());
        let mut select = select()
            .id(&format!("model-filter-{name}"))
            .attr("aria-label", label.unwrap_or_else(|| name.clone()))
            .on_change(event("filter").arg(name.as_str()))
            .child(option().attr("value", "").text("All"));
        for (value, text) in choices {
            select = select.child(option().attr("value", value).text(text));
        }
        toolbar.push(select);
    }
    toolbar.push(
        button()
            .id("model-add")
            .class("t-button t-primary")
            .attr("type", "button")
            .text(format!("Add {verbose}"))
            .on_click(event("add")),
    );

    let item_key = format!("item.{key}");
    let mut columns = options.columns();
    columns.push(cell_column(
        "",
        hstack([
            button()
                .class("t-button model-edit")
                .attr("type", "button")
                .text("Edit")
                .on_click(event("edit").arg_from(&item_key)),
            button()
                .class("t-button t-danger model-delete")
                .attr("type", "button")
                .text("Delete")
                .on_click(event("delete").arg_from(&item_key)),
        ]),
    ));

    let fields: Vec<Node> = options
        .serializer
        .field_list()
        .filter(|f| !f.read_only)
        .map(|f| {
            let id = format!("model-field-{}", f.name);
            let path = format!("form.{}", f.name);
            let field = if f.kind == FieldKind::Boolean {
                checkbox_field(&f.name, f.label.as_str()).control(|c| c.bind_attr("checked", &path))
            } else {
                let field = input_field("text", &f.name, f.label.as_str()).control(|c| c.bind_value(&path));
                if f.required { field.required() } else { field }
            };
            field.id(&id).errors("errors").into()
        })
        .collect();
    let form = div().id("model-editor").class("t-card").children([
        h2().child(bind("form_title")),
        super::forms::field_error("errors", "non_field_errors"),
        form().id("model-form").class("t-form").on_submit(event("save")).children(fields).child(
            div().class("t-form-actions").children([
                button().id("model-save").class("t-button t-primary").attr("type", "submit").text("Save"),
                button()
                    .id("model-cancel")
                    .class("t-button")
                    .attr("type", "button")
                    .text("Cancel")
                    .on_click(event("cancel")),
            ]),
        ),
    ]);
    let confirm = div().id("model-confirm").class("t-card").attr("role", "alertdialog").children([
        p().child(bind("confirm_text")),
        hstack([
            button()
                .id("model-confirm-yes")
                .class("t-button t-danger")
                .attr("type", "button")
                .text("Delete")
                .on_click(event("confirm_delete")),
            button()
                .id("model-confirm-no")
                .class("t-button")
                .attr("type", "button")
                .text("Cancel")
                .on_click(event("cancel_delete")),
        ]),
    ]);
    let pager = hstack([
        button()
            .id("model-prev")
            .class("t-button")
            .attr("type", "button")
            .bind_attr("disabled", "first_page")
            .text("Previous")
            .on_click(event("prev_page")),
        span().id("model-page").child(bind("page_label")),
        span().id("model-count").children([bind("count"), text(format!(" {plural}"))]),
        button()
            .id("model-next")
            .class("t-button")
            .attr("type", "button")
            .bind_attr("disabled", "last_page")
            .text("Next")
            .on_click(event("next_page")),
    ]);
    let body = vstack([
        hstack(toolbar),
        cond("confirm_open", confirm, nothing()),
        cond("form_open", form, nothing()),
        div().id("model-rows").child(sortable_table_by_name("rows", key, "ordering", &event("sort"), &columns)),
        pager,
    ]);
    div().class("t-model-state").child(cond("can_view", body, p().id("model-denied").child(bind("denied"))))
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::ui::check::check_page;

    mod product {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "shop_product")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(column_type = "String(StringLen::N(200))")]
            pub name: String,
            pub is_active: bool,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    struct Products;

    impl ManagedModel for Products {
        type Entity = product::Entity;
        const NAME: &'static str = "products";
        fn options() -> ModelOptions<product::Entity> {
            ModelOptions::new("shop.product", ModelSerializer::new())
                .search(&["name"])
                .ordering(&["name"])
                .filter("is_active")
                .initial("is_active", true)
                // Everyone may look and add; no one may delete.
                .permission(|_, action| action != Action::Delete)
        }
    }

    fn context() -> EventContext {
        let db = crate::db::Db::from(sea_orm::DatabaseConnection::default());
        EventContext::new(db, Default::default(), Default::default(), "t".into(), "")
    }

    #[tokio::test]
    async fn refused_and_unknown_actions_leave_the_state_untouched() {
        let mut ctx = context();
        let mut state = ModelState::<Products>::default();
        state.dispatch("add", Value::Null, &mut ctx).await.unwrap();
        assert!(state.form_open);
        assert_eq!(state.form_title, "Add product");
        assert_eq!(Value::Object(state.form.clone()), json!({"name": "", "is_active": true}));
        let before = serde_json::to_value(&state).unwrap();

        let error = state.dispatch("delete", json!([3]), &mut ctx).await.unwrap_err();
        assert_eq!(error.message, "You do not have permission to delete products.");
        let error = state.dispatch("sort", json!(["password"]), &mut ctx).await.unwrap_err();
        assert_eq!(error.message, "Cannot sort by `password`.");
        let error = state.dispatch("filter", json!(["name", "x"]), &mut ctx).await.unwrap_err();
        assert_eq!(error.message, "Cannot filter by `name`.");
        let error = state.dispatch("search", json!(["x".repeat(201)]), &mut ctx).await.unwrap_err();
        assert_eq!(error.message, "Search for at most 200 characters.");
        let error = state.dispatch("goto", json!(["many"]), &mut ctx).await.unwrap_err();
        assert!(error.message.starts_with("argument `page`:"), "{}", error.message);
        assert_eq!(serde_json::to_value(&state).unwrap(), before, "nothing changed");

        state.dispatch("cancel", Value::Null, &mut ctx).await.unwrap();
        assert!(!state.form_open && state.form.is_empty());
    }

    #[tokio::test]
    async fn without_view_nothing_is_loaded() {
        struct Hidden;
        impl ManagedModel for Hidden {
            type Entity = product::Entity;
            const NAME: &'static str = "hidden";
            fn options() -> ModelOptions<product::Entity> {
                ModelOptions::new("shop.product", ModelSerializer::new()).plural("goods")
            }
        }
        // A visitor holds no model permission.
        let mut state = ModelState::<Hidden> { rows: vec![json!({"id": 1})], ..Default::default() };
        state.dispatch("load", Value::Null, &mut context()).await.unwrap();
        assert!(state.rows.is_empty() && !state.can_view && !state.can_add);
        assert_eq!(state.denied, "You do not have permission to view goods.");
        let error = state.dispatch("search", json!(["x"]), &mut context()).await.unwrap_err();
        assert_eq!(error.message, "You do not have permission to view goods.");
    }

    /// The guide's extension: an app state holding a `ModelState` beside
    /// fields of its own, forwarding the model's events.
    #[derive(Default, Serialize, Deserialize, crate::ui::State)]
    #[state(name = "manage")]
    struct Manage {
        #[serde(flatten)]
        model: ModelState<Products>,
        note: String,
    }

    impl Events for Manage {
        fn event_names() -> &'static [&'static str] {
            &[
                "load",
                "search",
                "sort",
                "filter",
                "goto",
                "next_page",
                "prev_page",
                "add",
                "edit",
                "cancel",
                "save",
                "delete",
                "confirm_delete",
                "cancel_delete",
                "set_note",
            ]
        }

        fn dispatch<'a>(
            &'a mut self,
            event: &'a str,
            args: Value,
            ctx: &'a mut EventContext,
        ) -> crate::ui::BoxFuture<'a, Result<(), EventError>> {
            match event {
                "set_note" => Box::pin(async move {
                    self.note = event_arg(&args, "note", 0)?;
                    Ok(())
                }),
                other => self.model.dispatch(other, args, ctx),
            }
        }
    }

    fn manage_view() -> Node {
        div().children([model_view::<Products>(), p().child(bind("note"))])
    }

    #[tokio::test]
    async fn an_app_state_can_hold_a_model_state_and_forward_its_events() {
        for name in ModelState::<Products>::EVENTS {
            assert!(Manage::event_names().contains(name), "{name} is forwarded");
        }
        check_page(&Page::dynamic::<Manage>("manage", "Manage", manage_view)).unwrap();
        check_page(&ModelState::<Products>::page("products", "Products", model_view::<Products>)).unwrap();
        let page = ModelState::<Products>::page("products", "Products", model_view::<Products>);
        assert_eq!((page.on_load.as_deref(), page.live_event("shop_product")), (Some("load"), Some("load")));

        let mut manage = Manage::default();
        let mut ctx = context();
        manage.dispatch("set_note", json!(["hi"]), &mut ctx).await.unwrap();
        manage.dispatch("add", Value::Null, &mut ctx).await.unwrap();
        let json = serde_json::to_value(&manage).unwrap();
        assert_eq!((json["note"].clone(), json["form_open"].clone()), (json!("hi"), json!(true)), "flat: {json}");
    }
}
