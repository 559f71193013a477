//! `shop/views.py`: plain JSON views and the webhook.

use tandem::axum::Json;
use tandem::axum::body::Bytes;
use tandem::axum::http::Method;
use tandem::db::Decimal;
use tandem::prelude::*;
use tandem::rest::openapi::{detail_schema, operation};
use tandem::rest::{Filters, ModelViewSet, Pagination, Permission, RestError};
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tandem::serde_json::{Value, json};

use super::models::{product, review};
use super::serializers::{drf_product_serializer, review_serializer};

/// The seed's `ProductViewSet`: full CRUD over every product, with DRF's
/// default authentication (session, then Basic) and permission (AllowAny).
/// Beyond the seed: `?search=`, `?ordering=`, `?is_active=` and the
/// `products/<pk>/reviews/` action.
pub fn product_viewset() -> ModelViewSet<product::Entity> {
    ModelViewSet::new(drf_product_serializer())
        .description("DRF ViewSet exposed under the backend prefix.")
        .filters(Filters::default().fields(&["is_active"]).search(&["name", "sku"]).ordering(&["id", "name", "price"]))
        .detail_action("reviews", &[Method::GET], |request, product: product::Model| async move {
            let reviews = review::Entity::find()
                .filter(review::Column::ProductId.eq(product.id))
                .order_by_asc(review::Column::Id)
                .all(&request.db)
                .await?;
            Ok::<_, RestError>(Json(review_serializer().many(&reviews)))
        })
}

/// Reviews: anyone reads, logged-in users write; ten a page, filterable by
/// product.
pub fn review_viewset() -> ModelViewSet<review::Entity> {
    ModelViewSet::new(review_serializer())
        .description("Customer reviews of products.")
        .permissions(vec![Permission::IsAuthenticatedOrReadOnly])
        .pagination(Some(Pagination::page_number(10)))
        .filters(
            Filters::default().fields(&["product_id"]).ordering(&["rating", "created_at"]).default_ordering(&["-id"]),
        )
}

/// The seed's `active_products_view`: `@require_GET`, active products, newest
/// first, price as a JSON number (`float(p.price)`). Only the three columns
/// the answer shows are read, as Django's `.values_list("id", "name", "price")`.
pub async fn active_products(db: Db) -> Result<Json<Value>, ApiError> {
    use product::Column::{Id, IsActive, Name, Price};
    let products: Vec<(i64, String, Decimal)> = product::Entity::find()
        .select_only()
        .columns([Id, Name, Price])
        .filter(IsActive.eq(true))
        .order_by_desc(Id)
        .into_tuple()
        .all(&db)
        .await?;
    let results: Vec<Value> = products
        .into_iter()
        .map(|(id, name, price)| json!({"id": id, "name": name, "price": price.to_f64()}))
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// The OpenAPI operation of [`active_products`].
pub fn active_products_openapi() -> Value {
    let product = json!({
        "type": "object", "required": ["id", "name", "price"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "price": {"type": "number"}},
    });
    let body = json!({"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": product}}});
    operation("Active products, newest first.", &[], None, &[("200", "The products.", body)])
}

/// `GET /api/shop/stock/`: how many products are inactive, for users who may
/// change products (the URL configuration guards it with
/// `permission_required("shop.change_product")`: 401 for a visitor, 403 for
/// a user without it).
pub async fn stock(db: Db, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let inactive = product::Entity::find().filter(product::Column::IsActive.eq(false)).all(&db).await?.len();
    Ok(Json(json!({"inactive": inactive, "checked_by": user.username()})))
}

/// A CSRF-protected plain POST view (not a viewset): the guide's example of
/// a protected form post. Without a valid token the CSRF layer answers 403
/// before this runs.
pub async fn plain_post() -> Json<Value> {
    Json(json!({ "ok": true }))
}

/// The OpenAPI operation of [`plain_post`].
pub fn plain_post_openapi() -> Value {
    operation(
        "A CSRF-protected plain POST.",
        &[],
        None,
        &[("200", "Accepted.", json!({"type": "object"})), ("403", "CSRF check failed.", detail_schema())],
    )
}

/// The seed's `stripe_webhook_view`: CSRF exempt (see `backend::urls`), reads
/// the raw body bytes untouched and reports how many arrived.
pub async fn stripe_webhook(body: Bytes) -> Json<Value> {
    Json(json!({ "received": body.len() }))
}
