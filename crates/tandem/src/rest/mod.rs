//! The REST layer: Django REST framework's model serializers, viewsets,
//! routers, authentication, permissions, pagination, filtering, throttling
//! and OpenAPI, answering in DRF's exact wire format.
//!
//! The seed's `DRFProductSerializer`, `ProductViewSet` and `DefaultRouter`:
//!
//! ```ignore
//! use tandem::rest::{DefaultRouter, ModelSerializer, ModelViewSet};
//!
//! pub fn product_serializer() -> ModelSerializer<product::Entity> {
//!     ModelSerializer::new().fields(&["id", "name", "price", "sku", "is_active"])
//! }
//!
//! pub fn product_viewset() -> ModelViewSet<product::Entity> {
//!     ModelViewSet::new(product_serializer()).description("DRF ViewSet exposed under the backend prefix.")
//! }
//!
//! pub fn urlpatterns() -> Vec<UrlPattern> {
//!     let mut router = DefaultRouter::new();
//!     router.register("products", product_viewset());
//!     vec![path("", include(router.urls()))]
//! }
//! ```

pub mod auth;
pub mod error;
pub mod fields;
pub mod filters;
pub mod openapi;
pub mod pagination;
pub mod permissions;
pub mod request;
pub mod router;
pub mod serializer;
pub mod settings;
pub mod token;
pub mod viewset;

pub use crate::throttle::Rate;
pub use auth::Authentication;
pub use error::RestError;
pub use filters::Filters;
pub use pagination::Pagination;
pub use permissions::Permission;
pub use request::RestRequest;
pub use router::{DefaultRouter, RestRouter, SimpleRouter};
pub use serializer::{ModelSerializer, ValidationErrors};
pub use settings::RestSettings;
pub use viewset::{ModelViewSet, ReadOnlyModelViewSet, Throttle};
