//! `shop/admin.py`: the shop's models on the admin site at `/admin/`
//! (users and groups come with it).
//!
//! ```python
//! @admin.register(Product)
//! class ProductAdmin(admin.ModelAdmin):
//!     list_display = ["name", "price", "is_active"]
//!     search_fields = ["name", "sku"]
//!     list_filter = ["is_active"]
//!     ordering = ["-id"]
//! ```

use tandem::admin::{Admin, desc};
use tandem::sea_orm::sea_query::Expr;
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tandem::ui::Page;

use crate::shop::models::{product, review};
use crate::shop::serializers::{drf_product_serializer, review_serializer};

/// The admin site's pages, for `App::pages`.
pub fn pages() -> Vec<Page> {
    let mut admin = Admin::new().title("Shop administration");
    {
        use product::Column;
        admin
            .register::<product::Entity>()
            .serializer(drf_product_serializer())
            .list_display([Column::Name, Column::Sku, Column::Price, Column::IsActive])
            .search_fields([Column::Name, Column::Sku])
            .list_filter([Column::IsActive])
            .ordering([desc(Column::Id)])
            .action("deactivate", "Mark selected products as inactive", |db, pks| {
                Box::pin(async move {
                    let ids: Vec<i64> = pks.iter().filter_map(|pk| pk.parse().ok()).collect();
                    let done = product::Entity::update_many()
                        .col_expr(Column::IsActive, Expr::value(false))
                        .filter(Column::Id.is_in(ids))
                        .exec(&db)
                        .await?;
                    Ok(format!("{} products were marked as inactive.", done.rows_affected))
                })
            });
    }
    {
        use review::Column;
        admin
            .register::<review::Entity>()
            .serializer(review_serializer())
            .display(|r| format!("{} stars: {}", r.rating, r.comment))
            .list_display([Column::ProductId, Column::Rating, Column::Comment, Column::CreatedAt])
            .search_fields([Column::Comment])
            .list_filter([Column::Rating, Column::ProductId, Column::CreatedAt])
            .choices(
                Column::Rating,
                [("1", "1 star"), ("2", "2 stars"), ("3", "3 stars"), ("4", "4 stars"), ("5", "5 stars")],
            )
            .ordering([desc(Column::CreatedAt)]);
    }
    admin.pages()
}
