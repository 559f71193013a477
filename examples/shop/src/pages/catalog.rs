//! `/`: the active products, loaded in `on_load` straight from the ORM; a
//! search box that narrows the list on the server as you type; and, for
//! logged-in users, a form that adds a product with inline validation errors
//! (the REST serializer's rules and messages).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tandem::db::Decimal;
use tandem::rest::RestError;
use tandem::sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use tandem::serde_json::{Map, Value};
use tandem::ui::components::{card, input_field, primary_button, secondary_button};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Level, Row, State, View, events};

use super::layout::layout;
use crate::shop::models::product;
use crate::shop::serializers::drf_product_serializer;

/// The catalog's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Catalog {
    /// What the search box holds.
    pub query: String,
    /// The products shown.
    pub products: Vec<ProductRow>,
    /// How many are shown.
    pub count: usize,
    /// The logged-in user's name, empty for visitors.
    pub username: String,
    /// The add form's per-field errors: `{"price": "A valid number is required."}`.
    pub errors: BTreeMap<String, String>,
}

/// A product as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct ProductRow {
    /// The primary key (the row's key).
    pub id: i64,
    /// The name.
    pub name: String,
    /// The price, exact, with its two decimal places (`14.50`).
    pub price: Decimal,
    /// The product page's URL.
    pub url: String,
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
                self.errors = errors.0.into_iter().map(|(field, messages)| (field, messages.join(" "))).collect();
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
        // Only the columns the list shows, decoded by position into a tuple.
        let rows: Vec<(i64, String, Decimal)> = select
            .select_only()
            .columns([product::Column::Id, product::Column::Name, product::Column::Price])
            .order_by_desc(product::Column::Id)
            .into_tuple()
            .all(&ctx.db)
            .await?;
        self.products = rows.into_iter().map(ProductRow::from).collect();
        self.count = self.products.len();
        Ok(())
    }
}

impl From<(i64, String, Decimal)> for ProductRow {
    fn from((id, name, mut price): (i64, String, Decimal)) -> Self {
        // The column holds two places; a value stored with fewer shows two.
        if price.scale() != 2 {
            price.0.rescale(2);
        }
        ProductRow { url: format!("/products/{id}"), id, name, price }
    }
}

/// The page.
pub fn view(s: &View<Catalog>) -> Node {
    let who = cond(
        s.username,
        div().id("who").class("who").children([
            text("Signed in as "),
            strong().child(s.username),
            secondary_button("Log out").id("logout").attr("type", "button").on_click(s.logout()),
        ]),
        div()
            .id("who")
            .class("who")
            .child(a().id("login-link").class("t-button t-primary").href("/login").text("Log in")),
    );
    layout().actions([who]).page(
        "/",
        [
            div().class("page-heading").children([
                h1().text("Catalog"),
                p().class("lede").text("Coffee gear for the home barista: cups, kettles, grinders and beans."),
            ]),
            div().class("catalog-toolbar").children([
                input()
                    .id("search")
                    .attr("type", "search")
                    .attr("placeholder", "Search products")
                    .attr("aria-label", "Search products")
                    .bind_value(s.query)
                    .on_input(s.search()),
                p().children([bind(s.count), text(" products")]),
            ]),
            ul().id("products").class("product-grid").child(s.products.each(|product| {
                li().class("product-card").children([
                    a().class("name").bind_attr("href", product.url).child(product.name),
                    span().class("price").child(product.price),
                ])
            })),
            cond(
                s.username,
                card(
                    "Add a product",
                    [form().id("add-product").class("t-form").on_submit(s.add()).children([
                        input_field("text", "name", "Name").id("new-name").required().errors(s.errors).into(),
                        input_field("text", "price", "Price")
                            .id("new-price")
                            .required()
                            .help("A number such as 14.50.")
                            .errors(s.errors)
                            .control(|input| input.attr("inputmode", "decimal"))
                            .into(),
                        input_field("text", "sku", "SKU").id("new-sku").required().errors(s.errors).into(),
                        div().class("t-form-actions").child(primary_button("Add product").attr("type", "submit")),
                    ])],
                )
                .class("add-product"),
                nothing(),
            ),
            p().class("more").children([
                text("Need a hand? "),
                a().id("help-link").href("/help").text("Read the help"),
                text(" or try the "),
                a().href("/counter").text("Counter"),
                text("."),
            ]),
        ],
    )
}
