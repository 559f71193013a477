//! Session rows in the application's own database (no second pool).

use chrono::{Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::{Map, Value};

use super::model::{self, Entity as SessionRow};

/// Django's `SESSION_COOKIE_AGE`: two weeks, in seconds.
pub const SESSION_AGE_SECONDS: i64 = 1_209_600;

/// Characters of a minted key that are random; the rest are its MAC.
const RANDOM_CHARS: usize = 20;
const SALT: &str = "tandem.sessions.key";

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

/// A new session key that this application can recognise without storing
/// it: 32 characters of `[a-z0-9]`, 20 random and 12 of a MAC under
/// `secret`. A visitor's session costs no row until something is stored in
/// it, yet its key stays the same from page to page and the event socket
/// accepts it.
///
/// ```
/// use tandem::sessions::store::{is_minted_key, is_well_formed_key, mint_key};
/// let key = mint_key("secret");
/// assert!(is_well_formed_key(&key) && key.len() == 32);
/// assert!(is_minted_key("secret", &key));
/// assert!(!is_minted_key("another secret", &key));
/// assert!(!is_minted_key("secret", &tandem::sessions::store::new_key()));
/// ```
pub fn mint_key(secret: &str) -> String {
    let random: String = new_key()[..RANDOM_CHARS].to_string();
    let mac = key_mac(secret, &random);
    format!("{random}{mac}")
}

/// Whether `key` was minted by [`mint_key`] with `secret`.
pub fn is_minted_key(secret: &str, key: &str) -> bool {
    if key.len() != 32 || !is_well_formed_key(key) {
        return false;
    }
    let (random, mac) = key.split_at(RANDOM_CHARS);
    crate::signing::equal(mac.as_bytes(), key_mac(secret, random).as_bytes())
}

/// Twelve `[a-z0-9]` characters of the key's MAC.
fn key_mac(secret: &str, random: &str) -> String {
    let hex = crate::signing::mac_hex(secret, SALT, &[random]);
    // 64 bits of the MAC, written in base 36 (at most 13 digits; 12 kept).
    let mut n = u64::from_str_radix(&hex[..16], 16).unwrap_or_default();
    (0..12)
        .map(|_| {
            let digit = KEY_CHARS[(n % 36) as usize] as char;
            n /= 36;
            digit
        })
        .collect()
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

/// Writes (inserts or replaces) a session, valid for `age_seconds` from now
/// (see [`SessionSettings::age_of`](super::SessionSettings::age_of)).
pub async fn save(
    db: &impl ConnectionTrait,
    key: &str,
    data: &Map<String, Value>,
    age_seconds: i64,
) -> Result<(), DbErr> {
    let row = model::ActiveModel {
        session_key: Set(key.to_string()),
        session_data: Set(Value::Object(data.clone()).to_string()),
        expire_date: Set(Utc::now() + Duration::seconds(age_seconds)),
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
