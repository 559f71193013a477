//! API tokens, DRF's `authtoken`: one random key per user, sent as
//! `Authorization: Token <key>`, made by the `createtoken` command.
//!
//! ```ignore
//! let key = tandem::rest::token::token_for(&db, &user, false).await?;
//! ```

use crate::db::Db;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::auth::models::user;

/// The user's API token, created on first use (DRF's `Token.objects.get_or_create`);
/// `reset` replaces an existing one.
///
/// ```ignore
/// let key = tandem::rest::token::token_for(&db, &user, false).await?;
/// // Authorization: Token {key}
/// ```
pub async fn token_for(db: &Db, user: &user::Model, reset: bool) -> Result<String, DbErr> {
    let existing = model::Entity::find().filter(model::Column::UserId.eq(user.id)).one(db).await?;
    match existing {
        Some(row) if !reset => return Ok(row.key),
        Some(row) => {
            model::Entity::delete_by_id(row.key).exec(db).await?;
        }
        None => {}
    }
    let key = crate::random::hex(20); // 40 characters, as DRF's keys
    model::ActiveModel { key: Set(key.clone()), user_id: Set(user.id), created: Set(chrono::Utc::now()) }
        .insert(db)
        .await?;
    Ok(key)
}

/// `authtoken_token`: one API token per user (DRF's `authtoken` table).
pub mod model {
    use sea_orm::entity::prelude::*;

    /// A token.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "authtoken_token")]
    pub struct Model {
        /// The key clients send.
        #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(40))")]
        pub key: String,
        /// The owner (`auth_user.id`), one token each.
        #[sea_orm(unique)]
        pub user_id: i64,
        /// When it was made.
        pub created: DateTimeUtc,
    }

    /// Queried directly.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates the `authtoken_token` table.
pub mod migration {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::{big_integer, string_len, timestamp_with_time_zone};

    /// `tandem_0003_authtoken`.
    pub struct Migration;

    impl MigrationName for Migration {
        fn name(&self) -> &str {
            "tandem_0003_authtoken"
        }
    }

    #[derive(DeriveIden)]
    enum AuthtokenToken {
        Table,
        Key,
        UserId,
        Created,
    }

    #[derive(DeriveIden)]
    enum AuthUser {
        Table,
        Id,
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Migration {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table(AuthtokenToken::Table)
                        .col(string_len(AuthtokenToken::Key, 40).primary_key())
                        .col(big_integer(AuthtokenToken::UserId).unique_key())
                        .col(timestamp_with_time_zone(AuthtokenToken::Created))
                        .foreign_key(
                            ForeignKey::create()
                                .from(AuthtokenToken::Table, AuthtokenToken::UserId)
                                .to(AuthUser::Table, AuthUser::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager.drop_table(Table::drop().table(AuthtokenToken::Table).to_owned()).await
        }
    }
}
