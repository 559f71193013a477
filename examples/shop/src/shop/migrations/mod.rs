//! The shop's migrations, after Tandem's own.

mod m0001_create_product;
mod m0002_create_review;

use tandem::sea_orm_migration::prelude::*;

/// Applies Tandem's tables, then the shop's.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = tandem::db::migrations::framework();
        all.push(Box::new(m0001_create_product::Migration));
        all.push(Box::new(m0002_create_review::Migration));
        all
    }
}
