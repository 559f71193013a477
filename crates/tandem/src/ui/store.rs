//! Where tabs' states live between events. [`StateManager`] is the seam for
//! other engines (Redis, for several processes); [`DatabaseStates`], the
//! embedded default, keeps them in the application's database (table
//! `tandem_ui_tab`) with an in-memory copy, so they survive a reload and a
//! restart.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use futures_util::future::BoxFuture;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::{Map, Value};

/// One tab: the session it belongs to and the full JSON of each state it used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tab {
    /// The `sessionid` key of the session that opened the tab.
    pub session_key: String,
    /// State name → full JSON (backend fields included).
    pub states: Map<String, Value>,
}

/// Stores tabs by token.
pub trait StateManager: Send + Sync {
    /// The tab of `token`, unless unknown or expired.
    fn load<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Tab>, DbErr>>;
    /// Saves the tab of `token`, renewing its expiry.
    fn save<'a>(&'a self, token: &'a str, tab: &'a Tab) -> BoxFuture<'a, Result<(), DbErr>>;
    /// Forgets tabs idle for longer than the expiry; returns how many.
    fn expire(&self) -> BoxFuture<'_, Result<u64, DbErr>>;
}

/// The embedded state manager: the app's database plus a memory copy.
pub struct DatabaseStates {
    db: DatabaseConnection,
    idle: Duration,
    cache: Mutex<HashMap<String, (Tab, chrono::DateTime<Utc>)>>,
}

impl DatabaseStates {
    /// Tabs in `db`, expiring after `idle` without events.
    pub fn new(db: DatabaseConnection, idle: Duration) -> Self {
        Self { db, idle, cache: Mutex::default() }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Tab, chrono::DateTime<Utc>)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn expires_at(&self) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.idle).unwrap_or(chrono::Duration::hours(1))
    }
}

impl StateManager for DatabaseStates {
    fn load<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Tab>, DbErr>> {
        Box::pin(async move {
            {
                let mut cache = self.cache();
                match cache.get(token) {
                    Some((tab, expires)) if *expires > Utc::now() => return Ok(Some(tab.clone())),
                    Some(_) => {
                        cache.remove(token);
                        return Ok(None);
                    }
                    None => {}
                }
            }
            let Some(row) = model::Entity::find_by_id(token.to_string())
                .filter(model::Column::ExpiresAt.gt(Utc::now()))
                .one(&self.db)
                .await?
            else {
                return Ok(None);
            };
            let states = match serde_json::from_str(&row.data) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            };
            let tab = Tab { session_key: row.session_key, states };
            self.cache().insert(token.to_string(), (tab.clone(), row.expires_at));
            Ok(Some(tab))
        })
    }

    fn save<'a>(&'a self, token: &'a str, tab: &'a Tab) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            let expires_at = self.expires_at();
            let row = model::ActiveModel {
                token: Set(token.to_string()),
                session_key: Set(tab.session_key.clone()),
                data: Set(Value::Object(tab.states.clone()).to_string()),
                expires_at: Set(expires_at),
            };
            let conflict = OnConflict::column(model::Column::Token)
                .update_columns([model::Column::SessionKey, model::Column::Data, model::Column::ExpiresAt])
                .to_owned();
            model::Entity::insert(row).on_conflict(conflict).exec_without_returning(&self.db).await?;
            self.cache().insert(token.to_string(), (tab.clone(), expires_at));
            Ok(())
        })
    }

    fn expire(&self) -> BoxFuture<'_, Result<u64, DbErr>> {
        Box::pin(async move {
            let result =
                model::Entity::delete_many().filter(model::Column::ExpiresAt.lte(Utc::now())).exec(&self.db).await?;
            let now = Utc::now();
            self.cache().retain(|_, (_, expires)| *expires > now);
            Ok(result.rows_affected)
        })
    }
}

/// `tandem_ui_tab`.
pub mod model {
    use sea_orm::entity::prelude::*;

    /// One tab's states.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tandem_ui_tab")]
    pub struct Model {
        /// The tab's token.
        #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(64))")]
        pub token: String,
        /// The owning session's key.
        #[sea_orm(column_type = "String(StringLen::N(40))")]
        pub session_key: String,
        /// State name → full JSON, as one JSON object.
        #[sea_orm(column_type = "Text")]
        pub data: String,
        /// When the tab is forgotten unless it sends an event.
        pub expires_at: DateTimeUtc,
    }

    /// Queried directly.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates `tandem_ui_tab`.
pub mod migration {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::{string_len, text, timestamp_with_time_zone};

    /// `tandem_0004_ui_tabs`.
    pub struct Migration;

    impl MigrationName for Migration {
        fn name(&self) -> &str {
            "tandem_0004_ui_tabs"
        }
    }

    #[derive(DeriveIden)]
    enum TandemUiTab {
        Table,
        Token,
        SessionKey,
        Data,
        ExpiresAt,
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Migration {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table(TandemUiTab::Table)
                        .col(string_len(TandemUiTab::Token, 64).primary_key())
                        .col(string_len(TandemUiTab::SessionKey, 40))
                        .col(text(TandemUiTab::Data))
                        .col(timestamp_with_time_zone(TandemUiTab::ExpiresAt))
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager.drop_table(Table::drop().table(TandemUiTab::Table).to_owned()).await
        }
    }
}
