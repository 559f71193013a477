//! `shop/models.py`.

/// `class Product(models.Model)`.
pub mod product {
    use serde::{Deserialize, Serialize};
    use tandem::db::Decimal;
    use tandem::sea_orm;
    use tandem::sea_orm::entity::prelude::*;

    /// A product of the shop.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "shop_product")]
    pub struct Model {
        /// Django's implicit `BigAutoField` primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `CharField(max_length=200)`.
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub name: String,
        /// `DecimalField(max_digits=10, decimal_places=2)`, stored exactly.
        #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
        pub price: Decimal,
        /// `CharField(max_length=64, unique=True)`.
        #[sea_orm(unique, column_type = "String(StringLen::N(64))")]
        pub sku: String,
        /// `BooleanField(default=True)`.
        #[sea_orm(default_value = true)]
        #[serde(default = "active_by_default")]
        pub is_active: bool,
    }

    fn active_by_default() -> bool {
        true
    }

    /// A product has no relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A customer's review of a product: the second model of the REST guide,
/// with a foreign key to [`product`].
pub mod review {
    use serde::{Deserialize, Serialize};
    use tandem::sea_orm;
    use tandem::sea_orm::entity::prelude::*;

    /// One review.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "shop_review")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `ForeignKey(Product, on_delete=CASCADE)`.
        pub product_id: i64,
        /// 1 to 5 stars.
        pub rating: i16,
        /// Free text, may be empty.
        #[sea_orm(column_type = "Text", default_value = "")]
        pub comment: String,
        /// `auto_now_add`.
        pub created_at: DateTimeUtc,
    }

    /// A review belongs to a product.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The reviewed product.
        #[sea_orm(
            belongs_to = "super::product::Entity",
            from = "Column::ProductId",
            to = "super::product::Column::Id",
            on_delete = "Cascade"
        )]
        Product,
    }

    impl Related<super::product::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {
        fn new() -> Self {
            Self { created_at: sea_orm::Set(tandem::chrono::Utc::now()), ..sea_orm::ActiveModelTrait::default() }
        }
    }
}
