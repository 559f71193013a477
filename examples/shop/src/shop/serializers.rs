//! `shop/serializers.py`.

use tandem::rest::ModelSerializer;

use super::models::{product, review};

/// The seed's `DRFProductSerializer`:
///
/// ```python
/// class DRFProductSerializer(serializers.ModelSerializer):
///     class Meta:
///         model = Product
///         fields = ["id", "name", "price", "sku", "is_active"]
/// ```
pub fn drf_product_serializer() -> ModelSerializer<product::Entity> {
    ModelSerializer::new().fields(&["id", "name", "price", "sku", "is_active"])
}

/// A review, its product shown as the product's primary key
/// (`"product": 3`), its rating from 1 to 5.
pub fn review_serializer() -> ModelSerializer<review::Entity> {
    ModelSerializer::new()
        .fields(&["id", "product_id", "rating", "comment", "created_at"])
        .related::<product::Entity>("product", "product_id")
        .read_only_fields(&["created_at"])
        .validate_field("rating", |value| match value.as_i64() {
            Some(1..=5) => Ok(()),
            _ => Err("Ensure this value is between 1 and 5.".into()),
        })
}
