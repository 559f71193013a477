//! `/order`: a form handed to its handler as a typed struct, with per-field
//! errors, every kind of input (text, number, checkbox, checkbox group,
//! radio, select, textarea), one controlled input and a reset after a
//! successful submit.

use serde::{Deserialize, Serialize};
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tandem::ui::components::{card, checkbox_field, grid, input_field, primary_button, select_field, textarea_field};
use tandem::ui::forms::{FieldErrors, Form, field_error};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Level, Row, State, View, events};

use super::layout::layout;
use crate::shop::models::product;

/// How an order travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Three to five days.
    Standard,
    /// Next day.
    Express,
}

/// The submitted form.
#[derive(Debug, Deserialize)]
pub struct OrderForm {
    /// Who orders (a controlled input: the state follows every keystroke).
    pub name: String,
    /// Where the confirmation goes.
    pub email: String,
    /// Which product (a select).
    pub product: i64,
    /// How many, 1–10 (a number input).
    pub quantity: u32,
    /// A lone checkbox.
    pub gift_wrap: bool,
    /// A checkbox group.
    pub extras: Vec<String>,
    /// A radio group.
    pub delivery: Delivery,
    /// A textarea.
    pub notes: String,
}

/// The order page's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Order {
    /// The products to choose from.
    pub products: Vec<ProductChoice>,
    /// The name as typed, for the greeting (the controlled input).
    pub name: String,
    /// The errors of the last submit, by field.
    pub errors: FieldErrors,
    /// The orders placed from this tab, newest last.
    pub placed: Vec<Placed>,
}

/// A product the select offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct ProductChoice {
    /// Its primary key, as the select's value (the row's key).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// An order placed from this tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct Placed {
    /// Its number in the tab (the row's key).
    pub id: usize,
    /// What was ordered, for whom, how.
    pub summary: String,
}

#[events]
impl Order {
    /// Lists the active products for the select.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let rows = product::Entity::find()
            .filter(product::Column::IsActive.eq(true))
            .order_by_asc(product::Column::Name)
            .all(&ctx.db)
            .await?;
        self.products = rows.iter().map(|p| ProductChoice { id: p.id.to_string(), name: p.name.clone() }).collect();
        Ok(())
    }

    /// Follows the name input.
    pub async fn set_name(&mut self, name: String) {
        self.name = name;
    }

    /// Places the order, or shows what to correct.
    pub async fn place(&mut self, ctx: &mut EventContext, form: Form<OrderForm>) -> Result<(), EventError> {
        let order = match form.into_result() {
            Ok(order) => order,
            Err(errors) => {
                self.errors = errors;
                return Ok(());
            }
        };
        self.errors = validate(&order);
        if !self.errors.is_empty() {
            return Ok(());
        }
        let product =
            product::Entity::find_by_id(order.product).filter(product::Column::IsActive.eq(true)).one(&ctx.db).await?;
        let Some(product) = product else {
            self.errors.add("product", "Choose a product from the list.");
            return Ok(());
        };
        self.placed.push(Placed {
            id: self.placed.len() + 1,
            summary: format!(
                "{} × {} for {}, {:?}{}{}",
                order.quantity,
                product.name,
                order.name.trim(),
                order.delivery,
                if order.gift_wrap { ", gift-wrapped" } else { "" },
                if order.extras.is_empty() { String::new() } else { format!(", with {}", order.extras.join(" and ")) },
            ),
        });
        self.name.clear();
        ctx.reset_form();
        ctx.notify(Level::Success, "Order placed.");
        Ok(())
    }
}

/// The rules a typed form cannot express.
fn validate(order: &OrderForm) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if order.name.trim().is_empty() {
        errors.add("name", "This field may not be blank.");
    }
    if !order.email.contains('@') {
        errors.add("email", "Enter a valid email address.");
    }
    if !(1..=10).contains(&order.quantity) {
        errors.add("quantity", "Order between 1 and 10.");
    }
    if order.notes.len() > 500 {
        errors.add("notes", "Keep notes under 500 characters.");
    }
    errors
}

fn check(name: &str, value: &str, label_text: &str) -> Node {
    label().children([input().attr("type", "checkbox").attr("name", name).attr("value", value), text(label_text)])
}

fn radio(value: &str, label_text: &str, checked: bool) -> Node {
    let input = input().attr("type", "radio").attr("name", "delivery").attr("value", value);
    label().children([if checked { input.attr("checked", "") } else { input }, text(label_text)])
}

/// The page.
pub fn view(s: &View<Order>) -> Node {
    layout().page(
        "/order",
        [
            div().class("page-heading").children([
                h1().text("Place an order"),
                p().id("greeting").class("lede").children([text("Hello, "), bind(s.name)]),
            ]),
            div().class("order-layout").children([
                card(
                    "Your order",
                    // `novalidate`: the server checks the fields and says what is wrong.
                    [form().id("order").class("t-form").attr("novalidate", "").on_submit(s.place()).children([
                        grid(
                            "14rem",
                            [
                                input_field("text", "name", "Name")
                                    .required()
                                    .errors(s.errors)
                                    .control(|input| input.bind_value(s.name).on_input(s.set_name()))
                                    .into(),
                                input_field("email", "email", "Email")
                                    .required()
                                    .help("The confirmation goes here.")
                                    .errors(s.errors)
                                    .into(),
                            ],
                        ),
                        grid(
                            "14rem",
                            [
                                select_field(
                                    "product",
                                    "Product",
                                    [s.products
                                        .each(|item| option().bind_attr("value", item.id).child(bind(item.name)))],
                                )
                                .required()
                                .errors(s.errors)
                                .into(),
                                input_field("number", "quantity", "Quantity")
                                    .required()
                                    .help("From 1 to 10.")
                                    .errors(s.errors)
                                    .control(|input| input.attr("min", "1").attr("max", "10"))
                                    .into(),
                            ],
                        ),
                        grid(
                            "14rem",
                            [
                                fieldset().children([
                                    legend().text("Delivery"),
                                    radio("standard", "Standard, 3–5 days", true),
                                    radio("express", "Express, next day", false),
                                    field_error(s.errors, "delivery"),
                                ]),
                                fieldset().children([
                                    legend().text("Extras"),
                                    check("extras", "card", "Greeting card"),
                                    check("extras", "sample", "Coffee sample"),
                                ]),
                            ],
                        ),
                        checkbox_field("gift_wrap", "Gift wrap").id("gift-wrap").into(),
                        textarea_field("notes", "Notes").help("Up to 500 characters.").errors(s.errors).into(),
                        field_error(s.errors, "__all__"),
                        div()
                            .class("t-form-actions")
                            .child(primary_button("Place order").id("place").attr("type", "submit")),
                    ])],
                ),
                card(
                    "Placed from this tab",
                    [
                        cond(
                            s.placed,
                            nothing(),
                            p().class("empty").text("Nothing yet: your orders show up here as you place them."),
                        ),
                        ol().id("placed").class("placed").child(s.placed.each(|item| li().child(bind(item.summary)))),
                    ],
                ),
            ]),
        ],
    )
}
