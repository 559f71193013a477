//! The models the SQLite driver knows the column types of.
//!
//! SQLite stores a handful of storage classes; SeaORM decodes a row built
//! outside sqlx only from values of the exact Rust type each field has
//! (`i16` and `i64` are both SQLite integers, a `DateTime<Utc>` is text).
//! So the driver reads a column only when its model is registered here, and
//! sends every other statement through sqlx. Tandem registers its own
//! models, every viewset's entity and every [`App::model`](crate::App::model);
//! an app registers any other entity it queries often with [`register`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait, IdenStatic, Iterable};

use super::sqlite::Kind;

/// One model's columns: the type each field is read as, and their order.
#[derive(Default)]
pub(crate) struct Columns {
    /// Column name → the type its field is read as.
    pub(crate) kinds: HashMap<String, Kind>,
    /// Every column, in the model's order (SeaORM selects them so).
    pub(crate) order: Vec<String>,
}

static TABLES: LazyLock<RwLock<HashMap<String, Arc<Columns>>>> = LazyLock::new(Default::default);

/// Bumped by every registration: what the driver learnt of a statement
/// before it may have changed.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Records `E`'s column types, so that queries over its table run on the
/// SQLite driver; registering twice is harmless.
///
/// ```
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "shop_product")]
/// #     pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// tandem::db::register::<product::Entity>();
/// ```
pub fn register<E: EntityTrait>() {
    // A model whose every field is `Set` to a placeholder of its own type:
    // each value's variant is the type SeaORM decodes that column into.
    let placeholders = <E::ActiveModel as ActiveModelTrait>::default_values();
    let mut columns = Columns::default();
    for column in E::Column::iter() {
        if let ActiveValue::Set(value) | ActiveValue::Unchanged(value) = placeholders.get(column)
            && let Some(kind) = Kind::of(&value)
        {
            columns.kinds.insert(column.as_str().to_owned(), kind);
        }
        columns.order.push(column.as_str().to_owned());
    }
    let table = E::default().table_name().to_owned();
    if let Ok(mut tables) = TABLES.write() {
        tables.insert(table, Arc::new(columns));
    }
    GENERATION.fetch_add(1, Ordering::Release);
}

/// How many registrations there have been.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The column types of `table`, if its model is registered.
pub(crate) fn columns_of(table: &str) -> Option<Arc<Columns>> {
    TABLES.read().ok()?.get(table).cloned()
}
