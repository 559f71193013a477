//! Creates the `tandem_session` table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, text, timestamp_with_time_zone};

/// `tandem_0001_sessions`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "tandem_0001_sessions"
    }
}

#[derive(DeriveIden)]
enum TandemSession {
    Table,
    SessionKey,
    SessionData,
    ExpireDate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TandemSession::Table)
                    .col(string_len(TandemSession::SessionKey, 40).primary_key())
                    .col(text(TandemSession::SessionData))
                    .col(timestamp_with_time_zone(TandemSession::ExpireDate))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tandem_session_expire_date")
                    .table(TandemSession::Table)
                    .col(TandemSession::ExpireDate)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TandemSession::Table).to_owned()).await
    }
}
