//! `0002_review`: reviews of products.

use tandem::sea_orm_migration::prelude::*;
use tandem::sea_orm_migration::schema::{big_integer, big_pk_auto, small_integer, text, timestamp_with_time_zone};
use tandem::sea_orm_migration::{self, sea_orm};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShopReview {
    Table,
    Id,
    ProductId,
    Rating,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ShopProduct {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShopReview::Table)
                    .col(big_pk_auto(ShopReview::Id))
                    .col(big_integer(ShopReview::ProductId))
                    .col(small_integer(ShopReview::Rating))
                    .col(text(ShopReview::Comment).default(""))
                    .col(timestamp_with_time_zone(ShopReview::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShopReview::Table, ShopReview::ProductId)
                            .to(ShopProduct::Table, ShopProduct::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("shop_review_product_id")
                    .table(ShopReview::Table)
                    .col(ShopReview::ProductId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ShopReview::Table).to_owned()).await
    }
}
