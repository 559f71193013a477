//! Django-format JSON fixtures: `loaddata` and an app's initial data.
//!
//! ```json
//! [{"model": "shop.product", "pk": 1, "fields": {"name": "Mug", "price": "9.50"}}]
//! ```
//!
//! Each model label (`shop.product`) is registered with its SeaORM entity:
//!
//! ```ignore
//! let fixtures = tandem::db::fixtures::Fixtures::default().model::<product::Entity>("shop.product");
//! let loaded = fixtures.load(&db, include_str!("fixtures/products.json")).await?;
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::db::Db;
use futures_util::future::BoxFuture;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iden, IntoActiveModel,
    Iterable, PaginatorTrait, PrimaryKeyToColumn, Statement, TransactionTrait, TryIntoModel,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a fixture did not load; nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The text is not a JSON list of `{"model", "pk", "fields"}` objects.
    #[error("fixture is not valid: {0}")]
    Format(#[from] serde_json::Error),
    /// An object names a model the application did not register.
    #[error("fixture object {index}: unknown model `{label}`")]
    UnknownModel {
        /// Position in the list.
        index: usize,
        /// The label.
        label: String,
    },
    /// The database refused an object.
    #[error("fixture object {index} ({label}): {source}")]
    Database {
        /// Position in the list.
        index: usize,
        /// The label.
        label: String,
        /// The database error.
        source: DbErr,
    },
    /// Opening or committing the transaction failed.
    #[error("fixture transaction: {0}")]
    Transaction(#[from] DbErr),
}

#[derive(Deserialize)]
struct Object {
    model: String,
    #[serde(default)]
    pk: Option<Value>,
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
}

/// Saves and counts rows of one entity without naming its type.
pub trait ModelLoader: Send + Sync {
    /// Saves one object given as JSON fields: inserted, or updated in place
    /// when a row with its primary key exists.
    fn insert<'a>(&'a self, db: &'a sea_orm::DatabaseTransaction, fields: Value) -> BoxFuture<'a, Result<(), DbErr>>;
    /// How many rows the table has.
    fn count<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<u64, DbErr>>;
    /// On PostgreSQL, moves the primary key sequence past the loaded ids.
    fn reset_sequence<'a>(&'a self, db: &'a sea_orm::DatabaseTransaction) -> BoxFuture<'a, Result<(), DbErr>>;
    /// The primary key column, which a fixture's `pk` fills.
    fn pk_column(&self) -> String;
}

/// An entity whose rows can be loaded from JSON; every SeaORM entity whose
/// model derives `Serialize` and `Deserialize` is one.
pub trait FixtureEntity: EntityTrait {
    /// The object-safe loader for this entity.
    fn loader() -> Arc<dyn ModelLoader>;
}

impl<E> FixtureEntity for E
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + DeserializeOwned + serde::Serialize + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send,
{
    fn loader() -> Arc<dyn ModelLoader> {
        Arc::new(EntityLoader::<E>(PhantomData))
    }
}

struct EntityLoader<E>(PhantomData<fn() -> E>);

impl<E> ModelLoader for EntityLoader<E>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + DeserializeOwned + serde::Serialize + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send,
{
    fn insert<'a>(&'a self, db: &'a sea_orm::DatabaseTransaction, fields: Value) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            let pk = self.pk_column();
            // Django saves fixture objects by primary key: an existing row is
            // updated in place.
            let given: Vec<E::Column> = match &fields {
                Value::Object(map) if map.contains_key(&pk) => {
                    E::Column::iter().filter(|c| c.to_string() != pk && map.contains_key(&c.to_string())).collect()
                }
                _ => Vec::new(),
            };
            let model = E::ActiveModel::from_json(fields)?;
            let mut insert = E::insert(model);
            if !given.is_empty() {
                let pk_column = E::PrimaryKey::iter().map(|p| p.into_column());
                insert = insert.on_conflict(OnConflict::columns(pk_column).update_columns(given).to_owned());
            }
            insert.exec_without_returning(db).await?;
            Ok(())
        })
    }

    fn count<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<u64, DbErr>> {
        Box::pin(async move { E::find().count(db).await })
    }

    fn reset_sequence<'a>(&'a self, db: &'a sea_orm::DatabaseTransaction) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            if db.get_database_backend() != DbBackend::Postgres {
                return Ok(());
            }
            let table = E::default().table_name().to_string();
            let pk = self.pk_column();
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), COALESCE((SELECT MAX(\"{pk}\") FROM \"{table}\"), 1))"
            );
            db.execute_raw(Statement::from_string(DbBackend::Postgres, sql)).await?;
            Ok(())
        })
    }

    fn pk_column(&self) -> String {
        E::PrimaryKey::iter().next().map(|pk| pk.into_column().to_string()).unwrap_or_else(|| "id".into())
    }
}

/// The models a fixture may name, by Django label (`app.model`).
#[derive(Clone, Default)]
pub struct Fixtures {
    models: BTreeMap<String, Arc<dyn ModelLoader>>,
}

impl Fixtures {
    /// Registers entity `E` under `label`, e.g. `shop.product`.
    pub fn model<E: FixtureEntity>(mut self, label: &str) -> Self {
        self.models.insert(label.to_lowercase(), E::loader());
        self
    }

    /// The registered labels.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.models.keys().map(String::as_str)
    }

    /// Loads every object of `json` in one transaction, returning how many.
    pub async fn load(&self, db: &Db, json: &str) -> Result<usize, FixtureError> {
        let objects: Vec<Object> = serde_json::from_str(json)?;
        let txn = db.begin().await?;
        let mut touched: Vec<&Arc<dyn ModelLoader>> = Vec::new();
        for (index, object) in objects.iter().enumerate() {
            let label = object.model.to_lowercase();
            let loader = self
                .models
                .get(&label)
                .ok_or_else(|| FixtureError::UnknownModel { index, label: object.model.clone() })?;
            let mut fields = object.fields.clone();
            if let Some(pk) = &object.pk {
                fields.insert(loader.pk_column(), pk.clone());
            }
            loader.insert(&txn, Value::Object(fields)).await.map_err(|source| FixtureError::Database {
                index,
                label: object.model.clone(),
                source,
            })?;
            if !touched.iter().any(|t| Arc::ptr_eq(t, loader)) {
                touched.push(loader);
            }
        }
        for loader in touched {
            loader.reset_sequence(&txn).await?;
        }
        txn.commit().await?;
        Ok(objects.len())
    }

    /// Loads `json` only if the first model it names has no rows yet; returns
    /// how many objects were loaded (0 when skipped).
    pub async fn load_if_empty(&self, db: &Db, json: &str) -> Result<usize, FixtureError> {
        let objects: Vec<Object> = serde_json::from_str(json)?;
        let Some(first) = objects.first() else { return Ok(0) };
        let label = first.model.to_lowercase();
        let loader = self
            .models
            .get(&label)
            .ok_or_else(|| FixtureError::UnknownModel { index: 0, label: first.model.clone() })?;
        if loader.count(db).await? > 0 {
            return Ok(0);
        }
        self.load(db, json).await
    }
}
