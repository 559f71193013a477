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
    // SQLite cannot add a foreign key to an existing table: the table is
    // rebuilt with its whole new definition, which makes the other changes too.
    let code = write::render("m0002_x", &found, &models).expect("written");
    assert!(code.contains("tandem::db::migrations::rebuild_table(\n            manager,"), "{code}");
    assert!(code.contains(".from(DemoItem::Table, DemoItem::OwnerId)"), "{code}");
    assert!(code.contains(".on_delete(ForeignKeyAction::Cascade)"), "{code}");
    assert!(code.contains("&[\"id\", \"name\", \"owner_id\"],"), "the new column is not copied: {code}");
    assert!(!code.contains(".add_column("), "no separate steps for a rebuilt table: {code}");
    assert!(code.contains("cannot be reversed: it rebuilds table demo_item"), "{code}");

    // Without the foreign key the rest is written step by step: the unique
    // column is added plain, its uniqueness as an index SQLite accepts.
    let rest: Vec<Change> = found.into_iter().filter(|c| !matches!(c, Change::AddForeignKey { .. })).collect();
    let code = write::render("m0002_x", &rest, &models).expect("written");
    assert!(code.contains(".add_column(ColumnDef::new(DemoItem::Code).string())"), "{code}");
    assert!(code.contains(".name(\"demo_item_code_key\")"), "{code}");
    assert!(code.contains(".name(\"idx-demo_item-name\")"), "{code}");
}

#[tokio::test]
async fn an_altered_column_is_found_and_written_as_a_rebuild() {
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
    let code = write::render("m0002_x", &found, &models).expect("written");
    assert!(code.contains("//! * Alter column name of demo_item: type varchar(50) → text"), "{code}");
    assert!(code.contains(".col(ColumnDef::new(DemoItem::Name).text().not_null())"), "{code}");
    assert!(
        code.contains("    vec![],\n            &[\"id\", \"name\", \"owner_id\"],\n        )\n        .await?;"),
        "{code}"
    );
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
fn mod_rs_lists_in_a_vec_whatever_its_layout() {
    let one_line = "mod m0001_create_note;\n\nuse x;\n\npub fn migrations() -> V {\n    vec![Box::new(m0001_create_note::Migration)]\n}\n";
    assert_eq!(
        write::add_to_mod_rs(one_line, "m0002_add_note_pinned").unwrap(),
        "mod m0001_create_note;\nmod m0002_add_note_pinned;\n\nuse x;\n\npub fn migrations() -> V {\n    \
         vec![Box::new(m0001_create_note::Migration), Box::new(m0002_add_note_pinned::Migration)]\n}\n"
    );
    let one_a_line =
        "mod m0001_a;\nuse x;\nfn m() -> V {\n    vec![\n        Box::new(m0001_a::Migration),\n    ]\n}\n";
    assert_eq!(
        write::add_to_mod_rs(one_a_line, "m0002_b").unwrap(),
        "mod m0001_a;\nmod m0002_b;\nuse x;\nfn m() -> V {\n    vec![\n        Box::new(m0001_a::Migration),\n        \
         Box::new(m0002_b::Migration),\n    ]\n}\n"
    );
    let empty = "//! The blog's migrations.\n\nuse x;\n\npub fn migrations() -> V {\n    vec![]\n}\n";
    assert_eq!(
        write::add_to_mod_rs(empty, "m0001_create_post").unwrap(),
        "//! The blog's migrations.\n\nmod m0001_create_post;\n\nuse x;\n\npub fn migrations() -> V {\n    \
         vec![Box::new(m0001_create_post::Migration)]\n}\n"
    );
}

#[test]
fn names_are_rust_identifiers() {
    assert_eq!(write::sanitize("Add Stock!"), "add_stock");
    assert_eq!(write::sanitize("--"), "auto");
    assert_eq!(write::pascal("shop_product"), "ShopProduct");
}

/// Item versions for the rebuilds: each differs from `item_v1` (or the
/// previous one) by one thing SQLite cannot alter in place.
macro_rules! item {
    ($module:ident, $doc:literal, { $($field:tt)* } $(, $relation:item)?) => {
        #[doc = $doc]
        mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = "demo_item")]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i64,
                $($field)*
            }

            item!(@relation $($relation)?);

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
    (@relation) => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
    };
    (@relation $relation:item) => { $relation };
}

item!(item_real, "`owner_id` an `f64` (SQLite declares `i32` and `i64` alike).", {
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub name: String,
    pub owner_id: f64,
});
item!(item_long, "`name` 200 long.", {
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    pub owner_id: i64,
});
item!(item_code_null, "A nullable `code`.", {
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub name: String,
    pub owner_id: i64,
    pub code: Option<String>,
});
item!(item_code_default, "`code` NOT NULL with a default.", {
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub name: String,
    pub owner_id: i64,
    #[sea_orm(default_value = "none")]
    pub code: String,
});
item!(item_code_unique, "A nullable unique `code`.", {
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub name: String,
    pub owner_id: i64,
    #[sea_orm(unique)]
    pub code: Option<String>,
});
item!(item_stock7, "`stock` defaults to 7 (`item_v2`'s to 0).", {
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub name: String,
    pub owner_id: i64,
    #[sea_orm(default_value = 7)]
    pub stock: i32,
});
item!(item_fk, "`owner_id` a foreign key to `demo_owner`.", {
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub name: String,
    pub owner_id: i64,
},
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
);

/// `demo_owner` whose `active` defaults to false.
mod owner_v2 {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "demo_owner")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
        pub balance: crate::db::Decimal,
        #[sea_orm(default_value = false)]
        pub active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The history's tables with `rows` (SQL) in them, then what the generated
/// migration does: the writer's text is checked to call `rebuild_table` for
/// each rebuilt table, and the same call (built from the model, as the
/// text is) is run here. Afterwards the diff finds nothing. Returns the
/// database and the changes found before.
async fn rebuild(
    history: &[ModelTable],
    models: &[ModelTable],
    rows: &[&str],
) -> (sea_orm::DatabaseConnection, Vec<Change>) {
    use sea_orm::ConnectionTrait;
    let db = schema::scratch().await.expect("a scratch database");
    for model in history {
        model.create(&db).await.expect("the history's table is created");
    }
    for row in rows {
        db.execute_unprepared(row).await.expect("a row is inserted");
    }
    let apps: BTreeSet<String> = ["demo".to_string()].into();
    let before = schema::introspect(&db).await.expect("read back");
    let found = diff(&before, &tables(models).await, &apps, &BTreeSet::new());
    assert!(!found.is_empty(), "the models differ");
    let code = write::render("m0002_x", &found, models).expect("the migration is written");
    let manager = SchemaManager::new(&db);
    for model in models {
        if !found.iter().any(|c| c.table() == model.table) {
            continue;
        }
        assert!(code.contains(&format!(".table({}::Table)", write::pascal(&model.table))), "{code}");
        assert!(code.contains("tandem::db::migrations::rebuild_table("), "{code}");
        let old = before.iter().find(|t| t.name == model.table).expect("the table exists");
        let kept: Vec<&str> = model
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|c| old.columns.iter().any(|o| o.name == *c))
            .collect();
        let (create, indexes) = model.statements(sea_orm::DbBackend::Sqlite);
        crate::db::migrations::rebuild_table(&manager, create, indexes, &kept).await.expect("rebuilt");
    }
    let after = schema::introspect(&db).await.expect("read back");
    assert_eq!(diff(&after, &tables(models).await, &apps, &BTreeSet::new()), vec![], "nothing left to do");
    (db, found)
}

/// `sql`'s rows as `Vec<Vec<String>>` (every value as text).
async fn rows(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let stmt = sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql);
    let mut out = Vec::new();
    for row in db.query_all_raw(stmt).await.expect("queried") {
        out.push(row.try_get::<String>("", "v").expect("a text column `v`"));
    }
    out
}

const ITEMS: &[&str] = &["INSERT INTO demo_item (id, name, owner_id) VALUES (1, 'pen', 1), (2, 'ink', 2)"];

#[tokio::test]
async fn a_column_type_change_keeps_the_rows() {
    let (db, found) = rebuild(&[item1()], &[model_table::<item_real::Entity>("demo.item")], ITEMS).await;
    assert_eq!(found[0].to_string(), "Alter column owner_id of demo_item: type integer → double");
    let kept = rows(&db, "SELECT id || ':' || name || ':' || owner_id AS v FROM demo_item ORDER BY id").await;
    assert_eq!(kept, ["1:pen:1.0", "2:ink:2.0"]);
    let (db, _) = rebuild(&[item1()], &[model_table::<item_v4::Entity>("demo.item")], ITEMS).await;
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);
}

#[tokio::test]
async fn a_string_length_change_keeps_the_rows() {
    let (db, found) = rebuild(&[item1()], &[model_table::<item_long::Entity>("demo.item")], ITEMS).await;
    assert_eq!(found[0].to_string(), "Alter column name of demo_item: type varchar(50) → varchar(200)");
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);
}

#[tokio::test]
async fn null_to_not_null_with_a_default_fills_the_nulls() {
    let (db, found) = rebuild(
        &[model_table::<item_code_null::Entity>("demo.item")],
        &[model_table::<item_code_default::Entity>("demo.item")],
        &["INSERT INTO demo_item (id, name, owner_id, code) VALUES (1, 'pen', 1, 'P1'), (2, 'ink', 2, NULL)"],
    )
    .await;
    assert!(found[0].to_string().contains("NULL → NOT NULL, default no default → 'none'"), "{found:?}");
    assert_eq!(rows(&db, "SELECT name || ':' || code AS v FROM demo_item ORDER BY id").await, ["pen:P1", "ink:none"]);
}

#[tokio::test]
async fn a_changed_default_keeps_the_values_and_applies_to_new_rows() {
    let (db, found) = rebuild(
        &[model_table::<item_v2::Entity>("demo.item")],
        &[model_table::<item_stock7::Entity>("demo.item")],
        &["INSERT INTO demo_item (id, name, owner_id, stock) VALUES (1, 'pen', 1, 3), (2, 'ink', 2, 0)"],
    )
    .await;
    assert_eq!(found[0].to_string(), "Alter column stock of demo_item: default 0 → 7");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id) VALUES (3, 'nib', 1)").await.expect("inserted");
    assert_eq!(
        rows(&db, "SELECT name || ':' || stock AS v FROM demo_item ORDER BY id").await,
        ["pen:3", "ink:0", "nib:7"]
    );
}

#[tokio::test]
async fn a_foreign_key_added_to_an_existing_table_keeps_the_rows_and_is_enforced() {
    let owner = model_table::<owner::Entity>("demo.owner");
    let owners = "INSERT INTO demo_owner (id, balance, active) VALUES (1, '0', 1), (2, '0', 1)";
    let (db, found) =
        rebuild(&[item1(), owner.clone()], &[model_table::<item_fk::Entity>("demo.item"), owner], &[owners, ITEMS[0]])
            .await;
    assert!(found.iter().any(|c| matches!(c, Change::AddForeignKey { .. })), "{found:?}");
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);
    use sea_orm::ConnectionTrait;
    let orphan = db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id) VALUES (3, 'x', 9)").await;
    assert!(orphan.is_err(), "the foreign key holds");
}

#[tokio::test]
async fn a_foreign_key_to_missing_rows_fails_and_leaves_the_table_as_it_was() {
    let owner = model_table::<owner::Entity>("demo.owner");
    let db = schema::scratch().await.expect("a scratch database");
    item1().create(&db).await.expect("created");
    owner.create(&db).await.expect("created");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(ITEMS[0]).await.expect("inserted");
    let (create, indexes) = model_table::<item_fk::Entity>("demo.item").statements(sea_orm::DbBackend::Sqlite);
    let manager = SchemaManager::new(&db);
    let failed = crate::db::migrations::rebuild_table(&manager, create, indexes, &["id", "name", "owner_id"]).await;
    let message = failed.expect_err("owners 1 and 2 do not exist").to_string();
    assert!(message.contains("demo_item: 2 row(s) reference missing rows of demo_owner"), "{message}");
    let apps: BTreeSet<String> = ["demo".to_string()].into();
    let now = schema::introspect(&db).await.expect("read back");
    assert_eq!(diff(&now, &tables(&[item1(), owner]).await, &apps, &BTreeSet::new()), vec![], "rolled back");
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);
}

#[tokio::test]
async fn a_removed_unique_keeps_the_rows_and_allows_duplicates() {
    let (db, found) = rebuild(
        &[model_table::<item_code_unique::Entity>("demo.item")],
        &[model_table::<item_code_null::Entity>("demo.item")],
        &["INSERT INTO demo_item (id, name, owner_id, code) VALUES (1, 'pen', 1, 'A'), (2, 'ink', 2, 'B')"],
    )
    .await;
    assert_eq!(found[0].to_string(), "Remove unique constraint on demo_item(code)");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id, code) VALUES (3, 'nib', 1, 'A')")
        .await
        .expect("a duplicate code is accepted");
    assert_eq!(rows(&db, "SELECT code AS v FROM demo_item ORDER BY id").await, ["A", "B", "A"]);
}

#[tokio::test]
async fn rebuilding_a_referenced_table_runs_no_on_delete_action() {
    // Items reference owners ON DELETE CASCADE: dropping the old owners
    // table must not delete them.
    let item = model_table::<item_fk::Entity>("demo.item");
    let owners = "INSERT INTO demo_owner (id, balance, active) VALUES (1, '0', 1), (2, '0', 1)";
    let (db, _) = rebuild(
        &[model_table::<owner::Entity>("demo.owner"), item.clone()],
        &[model_table::<owner_v2::Entity>("demo.owner"), item],
        &[owners, ITEMS[0]],
    )
    .await;
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);
    assert_eq!(rows(&db, "SELECT CAST(id AS TEXT) AS v FROM demo_owner ORDER BY id").await, ["1", "2"]);
}

#[tokio::test]
async fn inside_a_transaction_the_rebuild_keeps_rows_and_refuses_to_run_on_delete_actions() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let owner = model_table::<owner::Entity>("demo.owner");
    let db = schema::scratch().await.expect("a scratch database");
    owner.create(&db).await.expect("created");
    item1().create(&db).await.expect("created");
    db.execute_unprepared("INSERT INTO demo_owner (id, balance, active) VALUES (1, '0', 1), (2, '0', 1)")
        .await
        .expect("inserted");
    db.execute_unprepared(ITEMS[0]).await.expect("inserted");
    // A foreign key added to demo_item, in a transaction (as on PostgreSQL,
    // or a migration with `use_transaction() == Some(true)`).
    let txn = db.begin().await.expect("a transaction");
    let item = model_table::<item_fk::Entity>("demo.item");
    let (create, indexes) = item.statements(sea_orm::DbBackend::Sqlite);
    crate::db::migrations::rebuild_table(&SchemaManager::new(&txn), create, indexes, &["id", "name", "owner_id"])
        .await
        .expect("rebuilt");
    txn.commit().await.expect("committed");
    let apps: BTreeSet<String> = ["demo".to_string()].into();
    let now = schema::introspect(&db).await.expect("read back");
    assert_eq!(diff(&now, &tables(&[owner.clone(), item.clone()]).await, &apps, &BTreeSet::new()), vec![]);
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);

    // demo_item now references demo_owner ON DELETE CASCADE: rebuilding
    // demo_owner in a transaction would delete the items, so it is refused.
    let txn = db.begin().await.expect("a transaction");
    let (create, indexes) = model_table::<owner_v2::Entity>("demo.owner").statements(sea_orm::DbBackend::Sqlite);
    let refused = crate::db::migrations::rebuild_table(&SchemaManager::new(&txn), create, indexes, &["id"]).await;
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains("demo_item references it with an ON DELETE/ON UPDATE action"), "{message}");
    drop(txn);
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink"]);
}

/// With a PostgreSQL `DATABASE_URL`, the same rebuilds as `ALTER`s on a
/// scratch database of its own (created and dropped here); skipped otherwise.
#[tokio::test]
async fn on_postgres_the_rebuilds_alter_the_table_in_place_and_keep_the_rows() {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let Ok(url) = std::env::var("DATABASE_URL") else { return };
    if !url.starts_with("postgres") {
        return;
    }
    let admin = Database::connect(&url).await.expect("the server answers");
    let name = format!("tandem_rebuild_{}", std::process::id());
    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("a scratch database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    let db = Database::connect(format!("{base}/{name}")).await.expect("connected");
    let run = async {
        let pg = DbBackend::Postgres;
        // Each query's text is new: a pooled connection's cached plan of
        // the same text from before a rebuild would fail ("cached plan
        // must not change result type").
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let texts = |sql: &str| {
            let db = &db;
            let n = asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let stmt = Statement::from_string(pg, format!("{sql} /* {n} */"));
            async move {
                let rows = db.query_all_raw(stmt).await.expect("queried");
                rows.iter().map(|r| r.try_get::<String>("", "v").expect("a text `v`")).collect::<Vec<_>>()
            }
        };
        let manager = SchemaManager::new(&db);
        let rebuild = |model: ModelTable, kept: &'static [&'static str]| {
            let manager = &manager;
            async move {
                let (create, indexes) = model.statements(pg);
                crate::db::migrations::rebuild_table(manager, create, indexes, kept).await
            }
        };
        model_table::<owner::Entity>("demo.owner").create(&db).await.expect("created");
        item1().create(&db).await.expect("created");
        db.execute_unprepared("INSERT INTO demo_owner (id, balance, active) VALUES (1, 0, true), (2, 0, true)")
            .await
            .expect("inserted");
        db.execute_unprepared(ITEMS[0]).await.expect("inserted");
        let names = "SELECT name AS v FROM demo_item ORDER BY id";

        // A foreign key added: enforced, rows kept.
        rebuild(model_table::<item_fk::Entity>("demo.item"), &["id", "name", "owner_id"]).await.expect("fk added");
        assert_eq!(texts(names).await, ["pen", "ink"]);
        let orphan = db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id) VALUES (9, 'x', 9)").await;
        assert!(orphan.is_err(), "the foreign key holds");

        // A type changed (bigint → double precision), the foreign key removed.
        rebuild(model_table::<item_real::Entity>("demo.item"), &["id", "name", "owner_id"]).await.expect("retyped");
        let owner_type = "SELECT data_type::text AS v FROM information_schema.columns \
                          WHERE table_name = 'demo_item' AND column_name = 'owner_id'";
        assert_eq!(texts(owner_type).await, ["double precision"]);
        db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id) VALUES (3, 'nib', 9)")
            .await
            .expect("no foreign key any more");
        db.execute_unprepared("DELETE FROM demo_item WHERE id = 3").await.expect("deleted");

        // A length changed, a unique column added, then the unique removed.
        rebuild(model_table::<item_code_unique::Entity>("demo.item"), &["id", "name", "owner_id"])
            .await
            .expect("unique code added");
        db.execute_unprepared("UPDATE demo_item SET code = 'A' WHERE id = 1").await.expect("updated");
        assert!(db.execute_unprepared("UPDATE demo_item SET code = 'A' WHERE id = 2").await.is_err(), "unique");
        rebuild(model_table::<item_code_null::Entity>("demo.item"), &["id", "name", "owner_id", "code"])
            .await
            .expect("unique removed");
        db.execute_unprepared("UPDATE demo_item SET code = 'A' WHERE id = 2").await.expect("duplicates allowed");
        db.execute_unprepared("UPDATE demo_item SET code = NULL WHERE id = 2").await.expect("updated");

        // NULL → NOT NULL with a default: the NULL takes the default.
        rebuild(model_table::<item_code_default::Entity>("demo.item"), &["id", "name", "owner_id", "code"])
            .await
            .expect("not null");
        assert_eq!(texts("SELECT name || ':' || code AS v FROM demo_item ORDER BY id").await, ["pen:A", "ink:none"]);
        db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id) VALUES (4, 'nib', 1)")
            .await
            .expect("default");
        assert_eq!(texts("SELECT code AS v FROM demo_item WHERE id = 4").await, ["none"]);
        rebuild(model_table::<item_long::Entity>("demo.item"), &["id", "name", "owner_id"]).await.expect("longer");
        let length = "SELECT character_maximum_length::text AS v FROM information_schema.columns \
                      WHERE table_name = 'demo_item' AND column_name = 'name'";
        assert_eq!(texts(length).await, ["200"]);
        assert_eq!(texts(names).await, ["pen", "ink", "nib"]);
    };
    let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(run)).await;
    let _ = db.close().await;
    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test]
async fn a_removed_foreign_key_keeps_the_rows() {
    let owner = model_table::<owner::Entity>("demo.owner");
    let owners = "INSERT INTO demo_owner (id, balance, active) VALUES (1, '0', 1), (2, '0', 1)";
    let (db, found) =
        rebuild(&[model_table::<item_fk::Entity>("demo.item"), owner.clone()], &[item1(), owner], &[owners, ITEMS[0]])
            .await;
    assert!(found.iter().any(|c| matches!(c, Change::DropForeignKey { .. })), "{found:?}");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("INSERT INTO demo_item (id, name, owner_id) VALUES (3, 'x', 9)").await.expect("no key");
    assert_eq!(rows(&db, "SELECT name AS v FROM demo_item ORDER BY id").await, ["pen", "ink", "x"]);
}
