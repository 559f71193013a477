//! Session rows in the application's own database (no second pool).

use chrono::{Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::{Map, Value};

use super::model::{self, Entity as SessionRow};

/// Django's `SESSION_COOKIE_AGE`: two weeks, in seconds.
pub const SESSION_AGE_SECONDS: i64 = 1_209_600;

const KEY_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A new random session key: 32 characters of `[a-z0-9]`.
///
/// ```
/// let key = tandem::sessions::store::new_key();
/// assert_eq!(key.len(), 32);
/// assert!(tandem::sessions::store::is_well_formed_key(&key));
/// ```
pub fn new_key() -> String {
    let mut rng = rand::rng();
    (0..32).map(|_| KEY_CHARS[rng.random_range(0..KEY_CHARS.len())] as char).collect()
}

/// Whether a cookie value could be a key Tandem issued; anything else is
/// treated as no session at all, without a database query.
pub fn is_well_formed_key(key: &str) -> bool {
    (8..=40).contains(&key.len()) && key.bytes().all(|b| KEY_CHARS.contains(&b))
}

/// The data of an unexpired session, or `None`.
pub async fn load(db: &impl ConnectionTrait, key: &str) -> Result<Option<Map<String, Value>>, DbErr> {
    let row = SessionRow::find_by_id(key.to_string()).filter(model::Column::ExpireDate.gt(Utc::now())).one(db).await?;
    Ok(row.and_then(|r| serde_json::from_str::<Map<String, Value>>(&r.session_data).ok()))
}

/// Writes (inserts or replaces) a session, valid for two weeks from now.
pub async fn save(db: &impl ConnectionTrait, key: &str, data: &Map<String, Value>) -> Result<(), DbErr> {
    let row = model::ActiveModel {
        session_key: Set(key.to_string()),
        session_data: Set(Value::Object(data.clone()).to_string()),
        expire_date: Set(Utc::now() + Duration::seconds(SESSION_AGE_SECONDS)),
    };
    SessionRow::insert(row)
        .on_conflict(
            OnConflict::column(model::Column::SessionKey)
                .update_columns([model::Column::SessionData, model::Column::ExpireDate])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Deletes sessions by key.
pub async fn delete(db: &impl ConnectionTrait, keys: &[String]) -> Result<(), DbErr> {
    if keys.is_empty() {
        return Ok(());
    }
    SessionRow::delete_many().filter(model::Column::SessionKey.is_in(keys.iter().cloned())).exec(db).await?;
    Ok(())
}

/// Removes expired sessions (the `clearsessions` command), returning how many.
pub async fn clear_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let result = SessionRow::delete_many().filter(model::Column::ExpireDate.lte(Utc::now())).exec(db).await?;
    Ok(result.rows_affected)
}
