//! `/`: the active products, loaded in `on_load` straight from the ORM; a
//! search box that narrows the list on the server as you type; and, for
//! logged-in users, a form that adds a product with inline validation errors
//! (the REST serializer's rules and messages).

use sea_orm::{ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tandem::rest::{ModelSerializer, RestError};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Level, State, events};

use crate::shop::models::product;
use crate::shop::serializers::drf_product_serializer;

/// The catalog's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Catalog {
    /// What the search box holds.
    pub query: String,
    /// The products shown: `{"id", "name", "price", "url"}`, price as a string.
    pub products: Vec<Value>,
    /// How many are shown.
    pub count: usize,
    /// The logged-in user's name, empty for visitors.
    pub username: String,
    /// The add form's per-field errors: `{"price": "A valid number is required."}`.
    pub errors: Map<String, Value>,
}

#[events]
impl Catalog {
    /// Loads the products and who is logged in (the page's `on_load`).
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.username = ctx.user.username().unwrap_or_default().to_string();
        self.refresh(ctx).await
    }

    /// Narrows the list to products whose name or SKU contains `query`.
    pub async fn search(&mut self, ctx: &mut EventContext, query: String) -> Result<(), EventError> {
        self.query = query;
        self.refresh(ctx).await
    }

    /// Adds a product from the form (logged-in users only), validated as
    /// the REST API validates it.
    pub async fn add(&mut self, ctx: &mut EventContext, form: Map<String, Value>) -> Result<(), EventError> {
        if !ctx.user.is_authenticated() {
            return Err(EventError::new("Log in to add products."));
        }
        let serializer = drf_product_serializer();
        let validated = match serializer.validate_input(&ctx.db, &Value::Object(form), false, false, None).await {
            Ok(validated) => validated,
            Err(RestError::Invalid(errors)) => {
                self.errors =
                    errors.0.into_iter().map(|(field, messages)| (field, json!(messages.join(" ")))).collect();
                return Ok(());
            }
            Err(other) => return Err(EventError::new(format!("{other:?}"))),
        };
        let mut active = product::ActiveModel::new();
        serializer.apply(&mut active, &validated)?;
        let saved = active.insert(&ctx.db).await?;
        self.errors.clear();
        ctx.notify(Level::Success, &format!("Added {}.", saved.name));
        self.refresh(ctx).await
    }

    /// Logs the tab's session out.
    pub async fn logout(&mut self, ctx: &mut EventContext) {
        ctx.logout();
        self.username.clear();
    }
}

impl Catalog {
    async fn refresh(&mut self, ctx: &EventContext) -> Result<(), EventError> {
        let mut select = product::Entity::find().filter(product::Column::IsActive.eq(true));
        let term = self.query.trim();
        if !term.is_empty() {
            select = select.filter(
                Condition::any().add(product::Column::Name.contains(term)).add(product::Column::Sku.contains(term)),
            );
        }
        let rows = select.order_by_desc(product::Column::Id).all(&ctx.db).await?;
        self.products = product_rows().many(&rows);
        self.count = self.products.len();
        Ok(())
    }
}

/// The rows the page binds to: the product's own serializer, narrowed to
/// what the list shows, plus the product page's URL.
fn product_rows() -> ModelSerializer<product::Entity> {
    ModelSerializer::new().fields(&["id", "name", "price"]).representation(|product: &product::Model, row| {
        row.insert("url".into(), json!(format!("/products/{}", product.id)));
    })
}

fn field(name: &str, label_text: &str) -> Node {
    label().children([
        text(label_text),
        input().attr("name", name),
        span().class("error").attr("data-field", name).child(bind(&format!("errors.{name}"))),
    ])
}

/// The page.
pub fn view() -> Node {
    main().children([
        img().class("shop-logo").attr("src", tandem::static_url!("img/logo.svg")).attr("alt", ""),
        h1().text("Shop"),
        cond(
            "username",
            p().id("who").children([
                text("Logged in as "),
                strong().child(bind("username")),
                text(" "),
                button().id("logout").text("Log out").on_click(event("logout")),
            ]),
            p().id("who").child(a().id("login-link").href("/login").text("Log in")),
        ),
        input()
            .id("search")
            .attr("type", "search")
            .attr("placeholder", "Search products")
            .bind_value("query")
            .on_input(event("search")),
        p().children([bind("count"), text(" products")]),
        ul().id("products").child(foreach(
            "products",
            "id",
            li().children([
                a().class("name").bind_attr("href", "item.url").child(bind("item.name")),
                text(" — "),
                span().class("price").child(bind("item.price")),
            ]),
        )),
        cond(
            "username",
            form().id("add-product").on_submit(event("add")).children([
                h2().text("Add a product"),
                field("name", "Name"),
                field("price", "Price"),
                field("sku", "SKU"),
                button().attr("type", "submit").text("Add"),
            ]),
            nothing(),
        ),
        p().children([
            a().href("/counter").text("Counter"),
            text(" · "),
            a().id("help-link").href("/help").text("Help"),
        ]),
    ])
}
