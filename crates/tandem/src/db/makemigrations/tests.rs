//! The comparison on real in-memory SQLite databases: each model version
//! below is created in one, read back and compared with another.

use std::collections::BTreeSet;

use sea_orm_migration::prelude::*;

use super::diff::{Change, diff};
use super::schema::{self, ModelTable, ModelTableFn, model_table};
use super::write;

/// `demo_item`: id and name.
mod item_v1 {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "demo_item")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub name: String,
        pub owner_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `demo_item` with a `stock` column.
mod item_v2 {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "demo_item")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub name: String,
        pub owner_id: i64,
        #[sea_orm(default_value = 0)]
        pub stock: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `demo_item` with an indexed name, a unique code and a foreign key.
mod item_v3 {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "demo_item")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(indexed, column_type = "String(StringLen::N(50))")]
        pub name: String,
        pub owner_id: i64,
        #[sea_orm(unique)]
        pub code: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::owner::Entity",
            from = "Column::OwnerId",
            to = "super::owner::Column::Id",
            on_delete = "Cascade"
        )]
        Owner,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `demo_item` whose name became text.
mod item_v4 {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "demo_item")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub owner_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `demo_owner`: a second model, with an exact decimal.
mod owner {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "demo_owner")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
        pub balance: crate::db::Decimal,
        #[sea_orm(default_value = true)]
        pub active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The tables `models` create, read back.
async fn tables(models: &[ModelTable]) -> Vec<schema::Table> {
    let db = schema::scratch().await.expect("a scratch database");
    for model in models {
        model.create(&db).await.expect("the model's table is created");
    }
    schema::introspect(&db).await.expect("the tables are read back")
}

async fn changes(history: &[ModelTable], models: &[ModelTable]) -> Vec<Change> {
    let apps: BTreeSet<String> = ["demo".to_string()].into();
    diff(&tables(history).await, &tables(models).await, &apps, &BTreeSet::new())
}

fn item1() -> ModelTable {
    model_table::<item_v1::Entity>("demo.item")
}

#[tokio::test]
async fn no_change_gives_nothing() {
    let owner = model_table::<owner::Entity>("demo.owner");
    assert_eq!(changes(&[item1(), owner.clone()], &[item1(), owner]).await, vec![]);
}

#[tokio::test]
async fn an_added_column_is_added_with_its_default() {
    let models = [model_table::<item_v2::Entity>("demo.item")];
    let found = changes(&[item1()], &models).await;
    assert_eq!(found, vec![Change::AddColumn { table: "demo_item".into(), column: "stock".into() }]);
    assert_eq!(write::name(&found, &models), "add_item_stock");
    let code = write::render("m0002_add_item_stock", &found, &models).expect("the migration is written");
    assert!(code.contains(".add_column(ColumnDef::new(DemoItem::Stock).integer().not_null().default(0))"), "{code}");
    assert!(code.contains(".drop_column(DemoItem::Stock)"), "down removes it: {code}");
}

#[tokio::test]
async fn a_new_model_is_created_with_its_decimal_and_default() {
    let models = [item1(), model_table::<owner::Entity>("demo.owner")];
    let found = changes(&[item1()], &models).await;
    assert_eq!(found, vec![Change::CreateTable { table: "demo_owner".into() }]);
    assert_eq!(write::name(&found, &models), "create_owner");
    let code = write::render("m0002_create_owner", &found, &models).expect("the migration is written");
    assert!(code.contains("tandem::db::decimal_column(backend, DemoOwner::Balance, 10, 2).not_null()"), "{code}");
    assert!(code.contains("ColumnDef::new(DemoOwner::Active).boolean().not_null().default(true)"), "{code}");
    assert!(code.contains("manager.drop_table(Table::drop().table(DemoOwner::Table).to_owned())"), "{code}");
}

#[tokio::test]
async fn a_removed_column_is_dropped_and_cannot_be_reversed() {
    let models = [item1()];
    let found = changes(&[model_table::<item_v2::Entity>("demo.item")], &models).await;
    assert_eq!(found, vec![Change::DropColumn { table: "demo_item".into(), column: "stock".into() }]);
    let code = write::render("m0003_remove_item_stock", &found, &models).expect("the migration is written");
    assert!(code.contains(".drop_column(DemoItem::Stock)"), "{code}");
    assert!(code.contains("cannot be reversed: it removes column demo_item.stock"), "{code}");
}

#[tokio::test]
async fn a_new_index_unique_and_foreign_key_are_found() {
    let owner = model_table::<owner::Entity>("demo.owner");
    let models = [model_table::<item_v3::Entity>("demo.item"), owner.clone()];
    let found = changes(&[item1(), owner], &models).await;
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "Add column code to demo_item",
            "Add unique constraint on demo_item(code)",
            "Add index on demo_item(name)",
            "Add index on demo_item(owner_id)",
            "Add foreign key demo_item(owner_id) → demo_owner(id)",
        ],
    );
    // SQLite cannot add a foreign key to an existing table: refused by name.
    let refused = write::render("m0002_x", &found, &models).expect_err("refused");
    assert!(refused.iter().any(|r| r.contains("foreign key demo_item(owner_id) → demo_owner")), "{refused:?}");

    // Without the foreign key the rest is written: the unique column is
    // added plain, its uniqueness as an index SQLite accepts.
    let rest: Vec<Change> = found.into_iter().filter(|c| !matches!(c, Change::AddForeignKey { .. })).collect();
    let code = write::render("m0002_x", &rest, &models).expect("written");
    assert!(code.contains(".add_column(ColumnDef::new(DemoItem::Code).string())"), "{code}");
    assert!(code.contains(".name(\"demo_item_code_key\")"), "{code}");
    assert!(code.contains(".name(\"idx-demo_item-name\")"), "{code}");
}

#[tokio::test]
async fn an_altered_column_is_found_and_refused_by_name() {
    let models = [model_table::<item_v4::Entity>("demo.item")];
    let found = changes(&[item1()], &models).await;
    assert_eq!(
        found,
        vec![Change::AlterColumn {
            table: "demo_item".into(),
            column: "name".into(),
            what: vec!["type varchar(50) → text".into()],
        }]
    );
    let refused = write::render("m0002_x", &found, &models).expect_err("refused");
    assert!(refused[0].starts_with("demo_item.name changed (type varchar(50) → text)"), "{refused:?}");
}

#[tokio::test]
async fn only_tables_of_registered_apps_are_dropped() {
    let history = tables(&[item1(), model_table::<owner::Entity>("other.owner")]).await;
    let mut kept_history = history.clone();
    kept_history.iter_mut().for_each(|t| t.name = t.name.replace("demo_owner", "demo_session"));
    let apps: BTreeSet<String> = ["demo".to_string()].into();
    let models = tables(&[]).await;
    // `demo_owner` starts with the app's label: it goes with its model.
    let found = diff(&history, &models, &apps, &BTreeSet::new());
    assert_eq!(
        found,
        vec![Change::DropTable { table: "demo_item".into() }, Change::DropTable { table: "demo_owner".into() }]
    );
    // Tables of other apps and the kept ones (Tandem's own) stay.
    let other: BTreeSet<String> = ["shop".to_string()].into();
    assert_eq!(diff(&history, &models, &other, &BTreeSet::new()), vec![]);
    let keep: BTreeSet<String> = ["demo_session".to_string()].into();
    assert_eq!(diff(&kept_history, &models, &apps, &keep), vec![Change::DropTable { table: "demo_item".into() }]);
}

/// The hand-written migration of `item_v1`, as an app would have it.
struct CreateItem;

impl MigrationName for CreateItem {
    fn name(&self) -> &str {
        "m0001_create_item"
    }
}

#[derive(DeriveIden)]
enum DemoItem {
    Table,
    Id,
    Name,
    OwnerId,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateItem {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::schema::{big_integer, big_pk_auto, string_len};
        manager
            .create_table(
                Table::create()
                    .table(DemoItem::Table)
                    .col(big_pk_auto(DemoItem::Id))
                    .col(string_len(DemoItem::Name, 50))
                    .col(big_integer(DemoItem::OwnerId))
                    .to_owned(),
            )
            .await
    }
}

struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = crate::db::migrations::framework();
        all.push(Box::new(CreateItem));
        all
    }
}

#[tokio::test]
async fn a_migrator_matching_its_models_has_no_changes_and_tandems_tables_stay() {
    let migrations = crate::db::migrations::MigratorOf::<Migrator>::default();
    let same: super::Registry = vec![("demo.item".into(), model_table::<item_v1::Entity> as ModelTableFn)];
    let found = super::detect(&migrations, &same).await.expect("compared");
    assert!(found.is_empty(), "{:?}", found.summary());

    let added: super::Registry = vec![("demo.item".into(), model_table::<item_v2::Entity> as ModelTableFn)];
    let found = super::detect(&migrations, &added).await.expect("compared");
    assert_eq!(found.summary(), ["demo: Add column stock to demo_item"]);
}

#[test]
fn the_next_migration_is_declared_and_pushed_after_the_last() {
    let text = "mod m0001_create_product;\nmod m0002_create_review;\n\nuse x;\n\nfn migrations() {\n    \
                let mut all = f();\n    all.push(Box::new(m0001_create_product::Migration));\n    \
                all.push(Box::new(m0002_create_review::Migration));\n    all\n}\n";
    let edited = write::add_to_mod_rs(text, "m0003_add_product_stock").expect("edited");
    assert_eq!(
        edited,
        "mod m0001_create_product;\nmod m0002_create_review;\nmod m0003_add_product_stock;\n\nuse x;\n\nfn \
         migrations() {\n    let mut all = f();\n    all.push(Box::new(m0001_create_product::Migration));\n    \
         all.push(Box::new(m0002_create_review::Migration));\n    \
         all.push(Box::new(m0003_add_product_stock::Migration));\n    all\n}\n"
    );
    assert_eq!(write::add_to_mod_rs("fn nothing() {}\n", "m0001_x"), None);
}

#[test]
fn names_are_rust_identifiers() {
    assert_eq!(write::sanitize("Add Stock!"), "add_stock");
    assert_eq!(write::sanitize("--"), "auto");
    assert_eq!(write::pascal("shop_product"), "ShopProduct");
}
