//! The `shop` app: models, views, URLs and migrations.

pub mod migrations;
pub mod models;
pub mod serializers;
pub mod urls;
pub mod views;
