//! Applying an application's sea-orm-migration `Migrator`.
//!
//! An app lists its migrations in a type implementing [`MigratorTrait`];
//! Tandem's own tables (sessions, users) come first in that list through
//! [`framework`].

use std::marker::PhantomData;

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DbErr};
use sea_orm_migration::{MigrationStatus, MigrationTrait, MigratorTrait};

/// A migrator Tandem can drive without knowing its type.
pub trait Migrations: Send + Sync {
    /// Names of the migrations not yet applied.
    fn pending<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>>;
    /// Applies every pending migration, returning their names.
    fn apply<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>>;
    /// Every migration in order with whether it is applied (`showmigrations`);
    /// reads only, a database never migrated has them all pending.
    ///
    /// ```no_run
    /// use tandem::db::migrations::{Migrations, MigratorOf};
    /// # struct Migrator;
    /// # impl sea_orm_migration::MigratorTrait for Migrator {
    /// #     fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> { tandem::db::migrations::framework() }
    /// # }
    /// # async fn demo(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// for (name, applied) in MigratorOf::<Migrator>::default().status(db).await? {
    ///     println!(" [{}] {name}", if applied { "X" } else { " " });
    /// }
    /// # Ok(()) }
    /// ```
    fn status<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<(String, bool)>, DbErr>>;
}

/// Adapts a [`MigratorTrait`] type to [`Migrations`].
pub struct MigratorOf<M>(PhantomData<fn() -> M>);

impl<M> Default for MigratorOf<M> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<M: MigratorTrait> Migrations for MigratorOf<M> {
    fn pending<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>> {
        Box::pin(async move { Ok(M::get_pending_migrations(db).await?.iter().map(|m| m.name().to_string()).collect()) })
    }

    fn apply<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>> {
        Box::pin(async move {
            let names = self.pending(db).await?;
            if !names.is_empty() {
                M::up(db, None).await?;
            }
            Ok(names)
        })
    }

    fn status<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<(String, bool)>, DbErr>> {
        Box::pin(async move {
            Ok(M::get_migration_with_status_read_only(db)
                .await?
                .iter()
                .map(|m| (m.name().to_string(), m.status() == MigrationStatus::Applied))
                .collect())
        })
    }
}

/// Tandem's own migrations, to put first in an application's migrator.
///
/// ```
/// use sea_orm_migration::prelude::*;
///
/// pub struct Migrator;
/// impl MigratorTrait for Migrator {
///     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
///         let mut all = tandem::db::migrations::framework();
///         // all.push(Box::new(m0001_create_product::Migration));
///         all
///     }
/// }
/// ```
pub fn framework() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(crate::sessions::migration::Migration),
        Box::new(crate::auth::migration::Migration),
        Box::new(crate::rest::token::migration::Migration),
        Box::new(crate::ui::store::migration::Migration),
    ]
}
