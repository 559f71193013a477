//! The admin's history: Django's `LogEntry`, one row of `tandem_admin_log`
//! per addition, change and deletion made through the admin (who, when,
//! which object, what changed), created by Tandem's own migrations.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::db::Db;
use crate::ui::EventError;

/// `LogEntry.action_flag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `ADDITION` (1).
    Addition = 1,
    /// `CHANGE` (2).
    Change = 2,
    /// `DELETION` (3).
    Deletion = 3,
}

impl Flag {
    /// The flag stored for this action.
    ///
    /// ```
    /// assert_eq!(tandem::admin::log::Flag::Deletion.code(), 3);
    /// ```
    pub fn code(self) -> i16 {
        self as i16
    }

    /// What the history page says for flag `code`.
    ///
    /// ```
    /// assert_eq!(tandem::admin::log::Flag::word(1), "Added");
    /// ```
    pub fn word(code: i16) -> &'static str {
        match code {
            1 => "Added",
            2 => "Changed",
            3 => "Deleted",
            _ => "Unknown action",
        }
    }
}

/// `tandem_admin_log`: Django's `django_admin_log`, the content type
/// written as its app label and model.
pub mod entry {
    use sea_orm::entity::prelude::*;

    /// One logged action.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tandem_admin_log")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// When.
        pub action_time: DateTimeUtc,
        /// Who (`auth_user.id`).
        pub user_id: i64,
        /// The model's app (`shop`).
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub app_label: String,
        /// The model (`product`).
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub model: String,
        /// The object's primary key, as text.
        #[sea_orm(column_type = "Text")]
        pub object_id: String,
        /// The object's name then.
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub object_repr: String,
        /// 1 added, 2 changed, 3 deleted.
        pub action_flag: i16,
        /// Django's JSON change message: `[{"changed": {"fields": ["Price"]}}]`.
        #[sea_orm(column_type = "Text")]
        pub change_message: String,
    }

    /// No relations declared: the user is kept by id.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Django's change message for `flag`: `[{"added": {}}]`,
/// `[{"changed": {"fields": ["Price", "Name"]}}]` or `[]`.
///
/// ```
/// use tandem::admin::log::{Flag, change_message};
/// assert_eq!(change_message(Flag::Change, &["Price".into()]), r#"[{"changed":{"fields":["Price"]}}]"#);
/// assert_eq!(change_message(Flag::Addition, &[]), r#"[{"added":{}}]"#);
/// ```
pub fn change_message(flag: Flag, fields: &[String]) -> String {
    match flag {
        Flag::Addition => json!([{"added": {}}]).to_string(),
        Flag::Change if fields.is_empty() => "[]".into(),
        Flag::Change => json!([{"changed": {"fields": fields}}]).to_string(),
        Flag::Deletion => "[]".into(),
    }
}

/// What a stored change message says: `Added.`, `Changed Price and Name.`,
/// `No fields changed.`, `Deleted.`
///
/// ```
/// use tandem::admin::log::describe;
/// assert_eq!(describe(2, r#"[{"changed":{"fields":["Price","Name"]}}]"#), "Changed Price and Name.");
/// assert_eq!(describe(2, "[]"), "No fields changed.");
/// assert_eq!(describe(1, r#"[{"added":{}}]"#), "Added.");
/// ```
pub fn describe(flag: i16, message: &str) -> String {
    let fields: Vec<String> = serde_json::from_str::<serde_json::Value>(message)
        .ok()
        .and_then(|v| v.get(0)?.get("changed")?.get("fields")?.as_array().cloned())
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    match (flag, fields.as_slice()) {
        (2, []) => "No fields changed.".into(),
        (2, [one]) => format!("Changed {one}."),
        (2, [init @ .., last]) => format!("Changed {} and {last}.", init.join(", ")),
        (other, _) => format!("{}.", Flag::word(other)),
    }
}

/// Writes one entry: `user_id` did `flag` to object `object_id` of
/// `app.model`, named `repr` (clipped to 200 characters).
///
/// ```ignore
/// log::record(&ctx.db, user.id, "shop", "product", "3", "Mug", Flag::Change, &["Price".into()]).await?;
/// ```
#[allow(clippy::too_many_arguments)]
pub async fn record(
    db: &Db,
    user_id: i64,
    app: &str,
    model: &str,
    object_id: &str,
    repr: &str,
    flag: Flag,
    changed: &[String],
) -> Result<(), EventError> {
    entry::ActiveModel {
        action_time: Set(chrono::Utc::now()),
        user_id: Set(user_id),
        app_label: Set(app.to_string()),
        model: Set(model.to_string()),
        object_id: Set(object_id.to_string()),
        object_repr: Set(repr.chars().take(200).collect()),
        action_flag: Set(flag.code()),
        change_message: Set(change_message(flag, changed)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The entries of one object, oldest first (Django's history page), at most
/// `limit`.
pub(crate) async fn of_object(
    db: &Db,
    app: &str,
    model: &str,
    object_id: &str,
    limit: u64,
) -> Result<Vec<entry::Model>, EventError> {
    Ok(entry::Entity::find()
        .filter(entry::Column::AppLabel.eq(app))
        .filter(entry::Column::Model.eq(model))
        .filter(entry::Column::ObjectId.eq(object_id))
        .order_by_asc(entry::Column::ActionTime)
        .order_by_asc(entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The newest entries of user `user_id` (the index's "Recent actions").
pub(crate) async fn recent(db: &Db, user_id: i64, limit: u64) -> Result<Vec<entry::Model>, EventError> {
    Ok(entry::Entity::find()
        .filter(entry::Column::UserId.eq(user_id))
        .order_by_desc(entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Creates `tandem_admin_log`.
pub mod migration {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::{
        big_integer, big_pk_auto, small_integer, string_len, text, timestamp_with_time_zone,
    };

    /// `tandem_0005_admin_log`.
    pub struct Migration;

    impl MigrationName for Migration {
        fn name(&self) -> &str {
            "tandem_0005_admin_log"
        }
    }

    #[derive(DeriveIden)]
    enum TandemAdminLog {
        Table,
        Id,
        ActionTime,
        UserId,
        AppLabel,
        Model,
        ObjectId,
        ObjectRepr,
        ActionFlag,
        ChangeMessage,
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Migration {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table(TandemAdminLog::Table)
                        .col(big_pk_auto(TandemAdminLog::Id))
                        .col(timestamp_with_time_zone(TandemAdminLog::ActionTime))
                        .col(big_integer(TandemAdminLog::UserId))
                        .col(string_len(TandemAdminLog::AppLabel, 100))
                        .col(string_len(TandemAdminLog::Model, 100))
                        .col(text(TandemAdminLog::ObjectId))
                        .col(string_len(TandemAdminLog::ObjectRepr, 200))
                        .col(small_integer(TandemAdminLog::ActionFlag))
                        .col(text(TandemAdminLog::ChangeMessage))
                        .foreign_key(
                            ForeignKey::create()
                                .from(TandemAdminLog::Table, TandemAdminLog::UserId)
                                .to(Alias::new("auth_user"), Alias::new("id"))
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name("tandem_admin_log_object")
                        .table(TandemAdminLog::Table)
                        .col(TandemAdminLog::AppLabel)
                        .col(TandemAdminLog::Model)
                        .col(TandemAdminLog::ObjectId)
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager.drop_table(Table::drop().table(TandemAdminLog::Table).to_owned()).await
        }
    }
}
