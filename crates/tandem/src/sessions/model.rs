//! The `tandem_session` table (Django's `django_session`).

use sea_orm::entity::prelude::*;

/// One stored session: its key, JSON data and expiry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tandem_session")]
pub struct Model {
    /// The random key carried by the `sessionid` cookie.
    #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(40))")]
    pub session_key: String,
    /// The session's data, a JSON object.
    #[sea_orm(column_type = "Text")]
    pub session_data: String,
    /// After this instant the session is gone.
    #[sea_orm(indexed)]
    pub expire_date: DateTimeUtc,
}

/// Sessions relate to nothing.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
