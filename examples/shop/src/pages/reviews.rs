//! `/products/<id>/reviews[/<page>]`: a product's reviews, five to a page.
//! The page number is an optional route segment (absent on the first page)
//! and the order comes from the query string (`?sort=rating`), both read from
//! the router data in `on_load`, which runs again on every navigation.

use serde::{Deserialize, Serialize};
use tandem::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Row, State, View, events};

use tandem::urls::{ReverseError, reverse};

use super::layout::layout;
use crate::shop::models::{product, review};

/// Reviews shown per page.
pub const PER_PAGE: u64 = 5;

/// The reviews page's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Reviews {
    /// The product's name; empty when there is no such product.
    pub product: String,
    /// The product page's URL.
    pub product_url: String,
    /// The page shown, from 1.
    pub page: u64,
    /// How many pages there are (at least 1).
    pub pages: u64,
    /// `newest` or `rating`.
    pub sort: String,
    /// The page's reviews.
    pub reviews: Vec<ReviewRow>,
    /// The previous page's URL, empty on the first page.
    pub previous: String,
    /// The next page's URL, empty on the last page.
    pub next: String,
    /// The first page, newest first.
    pub by_newest: String,
    /// The first page, best rated first.
    pub by_rating: String,
}

/// A review as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct ReviewRow {
    /// The review's id (the row's key).
    pub id: i64,
    /// The rating as stars: `★★★`.
    pub stars: String,
    /// What the reviewer wrote.
    pub comment: String,
}

/// The URL of page `page` of product `id`'s reviews in order `sort`: the
/// first page has no page segment, the default order no query.
pub fn url(id: i64, page: u64, sort: &str) -> Result<String, ReverseError> {
    let (id, page) = (id.to_string(), page.to_string());
    let params: &[(&str, &str)] = if page == "1" { &[("id", &id)] } else { &[("id", &id), ("page", &page)] };
    let mut url = reverse("reviews", params.iter().copied())?;
    if sort == "rating" {
        url.push_str("?sort=rating");
    }
    Ok(url)
}

/// The route's parameters (`products/<int:id>/reviews[/<int:page>]`).
#[derive(Deserialize)]
struct Route {
    id: i64,
    page: Option<u64>,
}

/// The query: `?sort=rating` (anything else: newest first).
#[derive(Deserialize)]
struct Query {
    sort: Option<String>,
}

#[events]
impl Reviews {
    /// Reads the product id and page from the route, the order from the query.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let Route { id, page } = ctx.router.params()?;
        let page = page.unwrap_or(1).max(1);
        let query: Query = ctx.router.query_as()?;
        let sort = if query.sort.as_deref() == Some("rating") { "rating" } else { "newest" };
        let Some(found) = product::Entity::find_by_id(id).one(&ctx.db).await? else {
            *self = Reviews { page: 1, pages: 1, sort: sort.into(), ..Default::default() };
            return Ok(());
        };
        let of_product = review::Entity::find().filter(review::Column::ProductId.eq(id));
        let total = of_product.clone().count(&ctx.db).await?;
        let pages = total.div_ceil(PER_PAGE).max(1);
        let ordered = match sort {
            "rating" => of_product.order_by_desc(review::Column::Rating),
            _ => of_product.order_by_desc(review::Column::CreatedAt),
        };
        // Past the last page there is nothing to read, and no offset to
        // compute from a page number as large as an i64.
        let rows = if page > pages {
            Vec::new()
        } else {
            ordered.order_by_desc(review::Column::Id).offset((page - 1) * PER_PAGE).limit(PER_PAGE).all(&ctx.db).await?
        };
        *self = Reviews {
            product: found.name,
            product_url: format!("/products/{id}"),
            page,
            pages,
            sort: sort.into(),
            reviews: rows
                .iter()
                .map(|r| {
                    let stars = "★".repeat(usize::try_from(r.rating.clamp(0, 5)).unwrap_or_default());
                    ReviewRow { id: r.id, stars, comment: r.comment.clone() }
                })
                .collect(),
            previous: if page > 1 { url(id, page - 1, sort)? } else { String::new() },
            next: if page < pages { url(id, page + 1, sort)? } else { String::new() },
            by_newest: url(id, 1, "newest")?,
            by_rating: url(id, 1, "rating")?,
        };
        Ok(())
    }
}

/// The page.
pub fn view(s: &View<Reviews>) -> Node {
    layout().page(
        "",
        [
            cond(
                s.product,
                h1().children([text("Reviews of "), span().id("reviewed").child(bind(s.product))]),
                h1().id("no-product").text("No such product"),
            ),
            p().id("position").children([
                text("Page "),
                span().id("page").child(bind(s.page)),
                text(" of "),
                span().id("pages").child(bind(s.pages)),
                text(", sorted by "),
                span().id("sort").child(bind(s.sort)),
            ]),
            nav().children([
                a().id("by-newest").bind_attr("href", s.by_newest).text("Newest first"),
                text(" · "),
                a().id("by-rating").bind_attr("href", s.by_rating).text("Best rated first"),
            ]),
            ul().id("reviews").child(s.reviews.each(|item| {
                li().children([
                    span().class("stars").child(bind(item.stars)),
                    text(" "),
                    span().class("comment").child(bind(item.comment)),
                ])
            })),
            p().children([
                cond(s.previous, a().id("previous").bind_attr("href", s.previous).text("Previous page"), nothing()),
                text(" "),
                cond(s.next, a().id("next").bind_attr("href", s.next).text("Next page"), nothing()),
            ]),
            p().child(a().id("to-product").bind_attr("href", s.product_url).text("Back to the product")),
        ],
    )
}
