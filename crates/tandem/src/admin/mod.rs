//! The admin site: Django's `django.contrib.admin` over the application's
//! SeaORM models, on Tandem's reactive UI (server-rendered first paint,
//! events over the socket, no JavaScript of its own, nothing fetched at run
//! time).
//!
//! ```ignore
//! use tandem::admin::{Admin, desc};
//! use shop::models::product::{self, Column};
//!
//! let mut admin = Admin::new(); // users and groups are registered already
//! admin.register::<product::Entity>()
//!     .serializer(drf_product_serializer())
//!     .list_display([Column::Name, Column::Price, Column::IsActive])
//!     .search_fields([Column::Name, Column::Sku])
//!     .list_filter([Column::IsActive])
//!     .ordering([desc(Column::Id)]);
//!
//! App::new(env!("CARGO_MANIFEST_DIR")).pages(admin.pages()) // at /admin/
//! ```
//!
//! | Django | Tandem |
//! |---|---|
//! | `/admin/` | the index: the models grouped by app, with the actions the user may take |
//! | `/admin/login/`, `/admin/logout/` | staff log in with the site's session cookie |
//! | `/admin/<app>/<model>/` (`?q=`) | the change list: search, filters with counts, sortable columns, 100 rows a page, bulk actions |
//! | `/admin/<app>/<model>/add/` | the add form |
//! | `/admin/<app>/<model>/<pk>/change/` | the change form |
//! | `/admin/<app>/<model>/<pk>/delete/` | the deletion, confirmed, with what it takes along |
//! | `/admin/<app>/<model>/<pk>/history/` | the object's history (`tandem_admin_log`) |
//! | `/admin/auth/user/<pk>/password/` | a user's new password |
//!
//! Every page needs an active staff user (anonymous visitors go to the
//! admin's login page, with `next`); each model's pages need Django's model
//! permissions (`view`/`change` to list, `add`, `change`, `delete`), and
//! a superuser holds them all. See `docs/guide/admin.md`.
//!
//! One admin site serves a process: [`Admin::pages`] installs it, and the
//! pages' states read it from there (a page's state cannot hold it).

pub mod changelist;
pub mod delete;
pub mod form;
pub mod history;
pub mod index;
mod layout;
pub mod log;
pub mod login;
pub mod model;
pub mod password;
pub mod users;

use std::sync::{Arc, RwLock};

use sea_orm::{ActiveModelBehavior, EntityTrait, IntoActiveModel};

pub use model::{ModelAdmin, Ordering, asc, desc};

use crate::auth::{CurrentUser, Guard, staff_required, user_passes_test_async};
use crate::db::Db;
use crate::ui::model_state::Action;
use crate::ui::node::Node;
use crate::ui::{EventError, Events, Page, State};
use model::AdminModel;

/// The admin site being configured: its URL prefix, its title and the
/// registered models.
///
/// ```
/// let admin = tandem::admin::Admin::new().at("staff").title("Shop administration");
/// assert_eq!(admin.prefix(), "/staff");
/// assert_eq!(admin.registered(), ["auth.user", "auth.group"]);
/// ```
pub struct Admin {
    site: Site,
}

/// A mounted admin site, as its pages' states see it.
pub(crate) struct Site {
    pub(crate) prefix: String,
    pub(crate) title: String,
    pub(crate) models: Vec<Box<dyn AdminModel>>,
}

static SITE: RwLock<Option<Arc<Site>>> = RwLock::new(None);

/// The mounted site; an error if [`Admin::pages`] was never called.
pub(crate) fn site() -> Result<Arc<Site>, EventError> {
    let site = SITE.read().map_err(|_| EventError::new("The admin site is unavailable."))?;
    site.clone().ok_or_else(|| EventError::new("The admin site is not mounted."))
}

impl Default for Admin {
    fn default() -> Self {
        Self::new()
    }
}

impl Admin {
    /// An admin site at `/admin/`, titled "Tandem administration", with
    /// users and groups registered (as Django's `auth` app registers them).
    ///
    /// ```
    /// assert_eq!(tandem::admin::Admin::new().prefix(), "/admin");
    /// ```
    pub fn new() -> Self {
        let mut admin =
            Admin { site: Site { prefix: "/admin".into(), title: "Tandem administration".into(), models: Vec::new() } };
        users::register(&mut admin);
        admin
    }

    /// Serves the site under `/<prefix>/` instead of `/admin/`.
    ///
    /// ```
    /// assert_eq!(tandem::admin::Admin::new().at("/back-office/").prefix(), "/back-office");
    /// ```
    pub fn at(mut self, prefix: &str) -> Self {
        self.site.prefix = format!("/{}", prefix.trim_matches('/'));
        self
    }

    /// The site's name in its header and titles (Django's `site_header`).
    ///
    /// ```
    /// let admin = tandem::admin::Admin::new().title("Shop administration");
    /// # let _ = admin;
    /// ```
    pub fn title(mut self, title: &str) -> Self {
        self.site.title = title.to_string();
        self
    }

    /// The URL prefix, without a trailing `/`.
    pub fn prefix(&self) -> &str {
        &self.site.prefix
    }

    /// The registered models as `app.model`, in order.
    pub fn registered(&self) -> Vec<String> {
        self.site.models.iter().map(|m| format!("{}.{}", m.app(), m.model())).collect()
    }

    /// Registers entity `E` (Django's `admin.site.register`) as model
    /// `<app>.<model>` read from its table's name (`shop_product`:
    /// `shop.product`, Django's convention); see [`Admin::register_as`].
    /// Registering a model again replaces its options.
    ///
    /// ```ignore
    /// admin.register::<product::Entity>().list_display([Column::Name, Column::Price]);
    /// ```
    ///
    /// # Panics
    /// When the table's name has no `_` to split: use [`Admin::register_as`].
    pub fn register<E>(&mut self) -> &mut ModelAdmin<E>
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelBehavior + Send,
    {
        let table = E::default().table_name().to_string();
        let Some((app, model)) = table.split_once('_') else {
            panic!("admin: table `{table}` is not named `<app>_<model>`; use Admin::register_as::<…>(\"app.model\")");
        };
        let label = format!("{app}.{model}");
        self.register_as::<E>(&label)
    }

    /// Registers entity `E` as model `label` (`app.model`, as given to
    /// `App::model`, which names its permissions).
    ///
    /// ```ignore
    /// admin.register_as::<order_line::Entity>("orders.line");
    /// ```
    ///
    /// # Panics
    /// When `label` is not `app.model`.
    pub fn register_as<E>(&mut self, label: &str) -> &mut ModelAdmin<E>
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelBehavior + Send,
    {
        let Some((app, model)) = label.to_lowercase().split_once('.').map(|(a, m)| (a.to_string(), m.to_string()))
        else {
            panic!("admin: `{label}` is not `app.model`");
        };
        self.site.models.retain(|m| !(m.app() == app && m.model() == model));
        self.site.models.push(Box::new(ModelAdmin::<E>::new(&app, &model)));
        let last = self.site.models.last_mut().map(|m| m.as_any_mut().downcast_mut::<ModelAdmin<E>>());
        match last {
            Some(Some(registered)) => registered,
            _ => unreachable!("the model admin just pushed is a ModelAdmin<E>"),
        }
    }

    /// Installs the site and answers its pages, for `App::pages`: the
    /// login and logout pages, the index, and for each model its change
    /// list, add, change, delete and history pages.
    ///
    /// ```ignore
    /// App::new(env!("CARGO_MANIFEST_DIR")).pages(admin.pages())
    /// ```
    pub fn pages(self) -> Vec<Page> {
        let site = self.site;
        let root = site.prefix.trim_start_matches('/').to_string();
        let login_url = format!("{}/login/", site.prefix);
        let staff = || staff_required().with_login_url(&login_url);
        // Page titles are templates: the site's name is written in, braces doubled.
        let suffix = format!(" | {}", site.title.replace('{', "{{").replace('}', "}}"));
        let titled = |title: &str| format!("{title}{suffix}");
        let mut pages = vec![
            page::<login::AdminLogin>(&format!("{root}/login/"), &titled("Log in"), login::view),
            page::<login::AdminLogout>(&format!("{root}/logout/"), &titled("Log out"), login::logout_view)
                .on_load("load"),
            page::<index::AdminIndex>(&format!("{root}/"), &titled("Site administration"), index::view)
                .on_load("load")
                .guard(staff()),
        ];
        for m in &site.models {
            let (app, model) = (m.app().to_string(), m.model().to_string());
            let base = format!("{root}/{app}/{model}");
            let label = format!("{app}.{model}");
            let table = m.table();
            let list = [Action::View, Action::Change];
            pages.push(
                page::<changelist::ChangeList>(&format!("{base}/"), &titled("{title}"), changelist::view)
                    .on_load("load")
                    .live(&table, "refresh")
                    .guard(staff())
                    .guard(any_permission(&label, &list)),
            );
            pages.push(
                page::<form::AddForm>(&format!("{base}/add/"), &titled("{title}"), form::add_view)
                    .on_load("load")
                    .guard(staff())
                    .guard(any_permission(&label, &[Action::Add])),
            );
            pages.push(
                page::<form::ChangeForm>(&format!("{base}/<str:pk>/change/"), &titled("{title}"), form::change_view)
                    .on_load("load")
                    .guard(staff())
                    .guard(any_permission(&label, &list)),
            );
            pages.push(
                page::<delete::DeletePage>(&format!("{base}/<str:pk>/delete/"), &titled("{title}"), delete::view)
                    .on_load("load")
                    .guard(staff())
                    .guard(any_permission(&label, &[Action::Delete])),
            );
            pages.push(
                page::<history::History>(&format!("{base}/<str:pk>/history/"), &titled("{title}"), history::view)
                    .on_load("load")
                    .guard(staff())
                    .guard(any_permission(&label, &list)),
            );
        }
        if site.models.iter().any(|m| m.app() == "auth" && m.model() == "user") {
            pages.push(
                page::<password::UserPassword>(
                    &format!("{root}/auth/user/<str:pk>/password/"),
                    &titled("{title}"),
                    password::view,
                )
                .on_load("load")
                .guard(staff())
                .guard(any_permission("auth.user", &[Action::Change])),
            );
        }
        match SITE.write() {
            Ok(mut installed) => *installed = Some(Arc::new(site)),
            Err(poisoned) => *poisoned.into_inner() = Some(Arc::new(site)),
        }
        pages
    }
}

/// Every admin page is made here: the one place that names `Page::dynamic`
/// for a state whose view is built from strings.
fn page<S: State + Events>(route: &str, title: &str, view: fn() -> Node) -> Page {
    Page::dynamic::<S>(route, title, view)
}

/// A guard passing an active staff user holding one of `actions` on model
/// `label` (a superuser holds them all).
fn any_permission(label: &str, actions: &[Action]) -> Guard {
    let perms: Arc<[String]> = actions.iter().map(|a| a.codename(label)).collect();
    user_passes_test_async(move |user, db| {
        let perms = perms.clone();
        async move {
            for perm in perms.iter() {
                if crate::auth::has_perm(&db, &user, perm).await? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    })
}

impl Site {
    /// The registered model `app.model`.
    pub(crate) fn get(&self, app: &str, model: &str) -> Option<&dyn AdminModel> {
        self.models.iter().find(|m| m.app() == app && m.model() == model).map(|m| m.as_ref())
    }

    /// The registered model stored in `table`.
    pub(crate) fn by_table(&self, table: &str) -> Option<&dyn AdminModel> {
        self.models.iter().find(|m| m.table() == table).map(|m| m.as_ref())
    }

    /// The model a page of the site shows, from its path
    /// (`/admin/shop/product/3/change/`).
    pub(crate) fn model_of_path(&self, path: &str) -> Result<&dyn AdminModel, EventError> {
        let missing = || EventError::new("No such model.");
        let rest = path.strip_prefix(&self.prefix).ok_or_else(missing)?;
        let mut parts = rest.trim_matches('/').split('/');
        let (app, model) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        self.get(app, model).ok_or_else(missing)
    }

    /// `/admin/<app>/<model>/` and what follows.
    pub(crate) fn url(&self, m: &dyn AdminModel, tail: &str) -> String {
        format!("{}/{}/{}/{tail}", self.prefix, m.app(), m.model())
    }
}

/// Whether the user may take `action` on model `m`: an active staff member
/// holding Django's permission (a superuser holds them all).
pub(crate) async fn can(db: &Db, user: &CurrentUser, m: &dyn AdminModel, action: Action) -> Result<bool, EventError> {
    let Some(user) = user.user() else { return Ok(false) };
    if !(user.is_active && user.is_staff) {
        return Ok(false);
    }
    let label = format!("{}.{}", m.app(), m.model());
    Ok(crate::auth::has_perm(db, user, &action.codename(&label)).await?)
}

/// [`can`], or the refusal as an event error.
pub(crate) async fn require(db: &Db, user: &CurrentUser, m: &dyn AdminModel, action: Action) -> Result<(), EventError> {
    if can(db, user, m, action).await? {
        Ok(())
    } else {
        Err(EventError::new(format!("You do not have permission to {} {}.", action.word(), m.plural())))
    }
}

#[cfg(test)]
mod tests {
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
            #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
            pub price: Decimal,
            pub is_active: bool,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    mod review {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "shop_review")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub product_id: i64,
            #[sea_orm(column_type = "Text")]
            pub comment: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::product::Entity",
                from = "Column::ProductId",
                to = "super::product::Column::Id",
                on_delete = "Cascade"
            )]
            Product,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    fn admin() -> Admin {
        let mut admin = Admin::new();
        admin
            .register::<product::Entity>()
            .list_display([product::Column::Name, product::Column::Price])
            .search_fields([product::Column::Name])
            .list_filter([product::Column::IsActive, product::Column::Name])
            .ordering([desc(product::Column::Id)]);
        admin.register::<review::Entity>().list_filter([review::Column::ProductId]);
        admin
    }

    #[test]
    fn models_are_named_after_their_tables_and_registered_once() {
        let mut admin = admin();
        assert_eq!(admin.registered(), ["auth.user", "auth.group", "shop.product", "shop.review"]);
        admin.register::<product::Entity>().per_page(10);
        assert_eq!(admin.registered(), ["auth.user", "auth.group", "shop.review", "shop.product"], "replaced");
        admin.register_as::<review::Entity>("Reviews.Comment");
        assert!(admin.registered().contains(&"reviews.comment".to_string()));
    }

    #[test]
    fn every_page_passes_the_start_up_check_at_djangos_urls() {
        let pages = admin().at("back-office").pages();
        let routes: Vec<&str> = pages.iter().map(|p| p.route.as_str()).collect();
        for route in [
            "back-office/login/",
            "back-office/logout/",
            "back-office/",
            "back-office/shop/product/",
            "back-office/shop/product/add/",
            "back-office/shop/product/<str:pk>/change/",
            "back-office/shop/product/<str:pk>/delete/",
            "back-office/shop/product/<str:pk>/history/",
            "back-office/auth/user/<str:pk>/password/",
            "back-office/auth/group/",
        ] {
            assert!(routes.contains(&route), "{route} in {routes:?}");
        }
        for page in &pages {
            check_page(page).unwrap_or_else(|e| panic!("{}: {e:?}", page.route));
        }
        // Every page but the login and logout pages is for staff, sent to the admin's login.
        for page in pages.iter().filter(|p| !p.route.ends_with("login/") && !p.route.ends_with("logout/")) {
            assert_eq!(Guard::login_url_of(&page.guards, "/login"), "/back-office/login/", "{}", page.route);
        }
        let site = site().unwrap();
        assert_eq!(site.model_of_path("/back-office/shop/review/3/change/").unwrap().model(), "review");
        assert!(site.model_of_path("/back-office/shop/secret/").is_err());
        assert_eq!(site.url(site.get("shop", "product").unwrap(), "3/change/"), "/back-office/shop/product/3/change/");
    }

    #[test]
    fn foreign_keys_filters_and_columns_come_from_the_entity() {
        let admin = admin();
        let site = admin.site;
        let reviews = site.get("shop", "review").unwrap();
        let fk = &reviews.foreign_keys()[0];
        assert_eq!((fk.column.as_str(), fk.table.as_str()), ("product_id", "shop_product"));
        assert!(matches!(fk.on_delete, Some(sea_orm::sea_query::ForeignKeyAction::Cascade)));
        assert_eq!(reviews.filter_names(&site), ["product_id"], "a foreign key to a registered model");
        let products = site.get("shop", "product").unwrap();
        assert_eq!(products.filter_names(&site), ["is_active"], "a text column is no filter");
        let columns: Vec<(String, String)> = products.columns().into_iter().map(|c| (c.key, c.label)).collect();
        assert_eq!(columns, [("name".into(), "Name".into()), ("price".into(), "Price".into())]);
        let plain: Vec<String> = reviews.columns().into_iter().map(|c| c.label).collect();
        assert_eq!(plain, ["Review"], "without list_display: the row's text");
        assert_eq!(products.per_page(), model::PER_PAGE);
    }
}
