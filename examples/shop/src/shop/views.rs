//! `shop/views.py`: plain JSON views and the webhook.

use axum::Json;
use bytes::Bytes;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tandem::prelude::*;

use super::models::product;

/// The seed's `active_products_view`: `@require_GET`, active products, newest
/// first, price as a JSON number (`float(p.price)`).
pub async fn active_products(db: Db) -> Result<Json<Value>, ApiError> {
    let products = product::Entity::find()
        .filter(product::Column::IsActive.eq(true))
        .order_by_desc(product::Column::Id)
        .all(&*db)
        .await?;
    let results: Vec<Value> = products
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "price": p.price.to_f64()}))
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// A CSRF-protected plain POST view (not a viewset): the guide's example of
/// a protected form post. Without a valid token the CSRF layer answers 403
/// before this runs.
pub async fn plain_post() -> Json<Value> {
    Json(json!({ "ok": true }))
}

/// The seed's `stripe_webhook_view`: CSRF exempt (see `backend::urls`), reads
/// the raw body bytes untouched and reports how many arrived.
pub async fn stripe_webhook(body: Bytes) -> Json<Value> {
    Json(json!({ "received": body.len() }))
}
