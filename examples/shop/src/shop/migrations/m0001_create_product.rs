//! `0001_initial`: the product table.

use tandem::sea_orm_migration::prelude::*;
use tandem::sea_orm_migration::schema::{big_pk_auto, string_len, string_len_uniq};
use tandem::sea_orm_migration::{self, sea_orm};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShopProduct {
    Table,
    Id,
    Name,
    Price,
    Sku,
    IsActive,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(ShopProduct::Table)
                    .col(big_pk_auto(ShopProduct::Id))
                    .col(string_len(ShopProduct::Name, 200))
                    .col(tandem::db::decimal_column(backend, ShopProduct::Price, 10, 2).not_null())
                    .col(string_len_uniq(ShopProduct::Sku, 64))
                    .col(ColumnDef::new(ShopProduct::IsActive).boolean().not_null().default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ShopProduct::Table).to_owned()).await
    }
}
