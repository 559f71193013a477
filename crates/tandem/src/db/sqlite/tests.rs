//! The embedded driver against real SQLite files, beside sqlx on the same file.

use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect, Schema, TransactionTrait};

use super::Sqlite;
use crate::db::{Db, connect, register, sql_err};
use crate::testing::TestDatabase;

/// A model with one field of each type the driver reads.
mod sample {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "driver_sample")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub note: Option<String>,
        pub small: i16,
        pub medium: i32,
        pub flag: bool,
        pub ratio: f64,
        pub price: crate::db::Decimal,
        pub exact: Option<rust_decimal::Decimal>,
        pub at: DateTimeUtc,
        pub day: Option<Date>,
        pub naive: DateTime,
        pub data: Json,
        pub uid: Uuid,
        pub blob: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The same table, never registered: its queries go through sqlx.
mod unregistered {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "driver_sample")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

async fn sample_db(file: &TestDatabase) -> Db {
    let db = connect(&file.url).await.expect("the database opens");
    assert!(db.has_sqlite_driver());
    let schema = Schema::new(sea_orm::DbBackend::Sqlite);
    db.sea_orm().execute(&schema.create_table_from_entity(sample::Entity)).await.expect("the table");
    register::<sample::Entity>();
    db
}

fn row(code: &str) -> sample::ActiveModel {
    sample::ActiveModel {
        code: Set(code.to_owned()),
        note: Set(Some(format!("note of {code}, it's quoted"))),
        small: Set(-32_768),
        medium: Set(2_147_483_647),
        flag: Set(true),
        ratio: Set(0.1),
        price: Set("12345678.90".parse().unwrap()),
        exact: Set(Some("0.000000000000000000000000001".parse().unwrap())),
        at: Set("2026-12-07T05:09:13.123456Z".parse().unwrap()),
        day: Set(Some(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())),
        naive: Set(chrono::NaiveDate::from_ymd_opt(1999, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .unwrap()),
        data: Set(serde_json::json!({"tags": ["a", "b"], "n": 1.5})),
        uid: Set(Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0)),
        blob: Set(vec![0, 1, 2, 255]),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_type_round_trips_between_the_driver_and_sqlx() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    // Written by the driver, read by both; written by sqlx, read by both.
    let by_driver = row("by-driver").insert(&db).await.expect("the driver inserts");
    let by_sqlx = row("by-sqlx").insert(db.sea_orm()).await.expect("sqlx inserts");
    for (id, expected) in [(by_driver.id, &by_driver), (by_sqlx.id, &by_sqlx)] {
        let through_driver = sample::Entity::find_by_id(id).one(&db).await.unwrap().expect("found");
        let through_sqlx = sample::Entity::find_by_id(id).one(db.sea_orm()).await.unwrap().expect("found");
        assert_eq!(&through_driver, expected);
        assert_eq!(through_driver, through_sqlx);
    }
    // (This table stores decimals as REAL, as SeaORM's schema builder makes
    // them; `tandem::db::decimal_column` stores the digits as text, exact:
    // the shop's REST tests read its prices through this driver.)
    assert_eq!(by_driver.price.to_string(), "12345678.9");
    // NULLs come back as None, not as errors or defaults.
    let mut empty = row("empty");
    empty.note = Set(None);
    empty.exact = Set(None);
    empty.day = Set(None);
    let empty = empty.insert(&db).await.unwrap();
    let read = sample::Entity::find_by_id(empty.id).one(&db).await.unwrap().unwrap();
    assert_eq!((read.note, read.exact, read.day), (None, None, None));
    let all = sample::Entity::find().order_by_asc(sample::Column::Id).all(&db).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn registered_models_are_read_by_the_driver_and_others_by_sqlx() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    row("one").insert(&db).await.unwrap();
    // With SeaORM's pool closed, only what the driver runs still works.
    db.sea_orm().clone().close().await.unwrap();
    assert_eq!(sample::Entity::find().all(&db).await.expect("read by the driver").len(), 1);
    row("two").insert(&db).await.expect("written by the driver");
    assert!(unregistered::Entity::find().all(&db).await.is_err(), "an unregistered model goes through sqlx");
    // A column computed by the query has no model: sqlx, not a guess.
    let count = db.query_one_raw(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Sqlite,
        "SELECT COUNT(*) AS n FROM driver_sample",
    ));
    assert!(count.await.is_err());
}

#[tokio::test]
async fn tuples_are_read_by_position_whichever_driver_reads_them() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    let stored = row("tuple").insert(&db).await.unwrap();
    // Columns in name order: the driver; out of it: sqlx. Both by position.
    let sorted: Vec<(String, i64)> = sample::Entity::find()
        .select_only()
        .column(sample::Column::Code)
        .column(sample::Column::Id)
        .into_tuple()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(sorted, [("tuple".to_owned(), stored.id)]);
    let unsorted: Vec<(i16, String, i32)> = sample::Entity::find()
        .select_only()
        .column(sample::Column::Small)
        .column(sample::Column::Code)
        .column(sample::Column::Medium)
        .into_tuple()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(unsorted, [(stored.small, "tuple".to_owned(), stored.medium)]);
}

#[tokio::test]
async fn a_stored_value_that_does_not_fit_is_an_error_not_a_null() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    let stored = row("bad").insert(&db).await.unwrap();
    db.execute_unprepared(&format!(
        "UPDATE driver_sample SET small = 70000, day = 'not a date' WHERE id = {}",
        stored.id
    ))
    .await
    .unwrap();
    let error = sample::Entity::find_by_id(stored.id).one(&db).await.expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("small") || message.contains("day"), "{message}");
}

#[tokio::test]
async fn a_unique_violation_is_recognised() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    row("same").insert(&db).await.unwrap();
    let error = row("same").insert(&db).await.expect_err("a duplicate code");
    assert!(matches!(sql_err(&error), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))), "{error:?}");
    assert!(error.to_string().contains("UNIQUE constraint failed"), "{error}");
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_nothing_for_the_driver_to_read() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    let txn = db.begin().await.unwrap();
    row("rolled-back").insert(&txn).await.unwrap();
    txn.rollback().await.unwrap();
    assert!(sample::Entity::find().all(&db).await.unwrap().is_empty());
    let txn = db.begin().await.unwrap();
    row("committed").insert(&txn).await.unwrap();
    // Not visible before the commit, visible after it.
    assert!(sample::Entity::find().all(&db).await.unwrap().is_empty());
    txn.commit().await.unwrap();
    assert_eq!(sample::Entity::find().all(&db).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_and_a_writer_run_together_without_locking_errors() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    let writer = {
        let db = db.clone();
        tokio::spawn(async move {
            for n in 0..200 {
                row(&format!("row-{n}")).insert(&db).await.expect("every write lands");
            }
        })
    };
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut seen = 0;
                for _ in 0..50 {
                    let now = sample::Entity::find().all(&db).await.expect("every read succeeds").len();
                    assert!(now >= seen, "a reader never sees rows disappear");
                    seen = now;
                }
            })
        })
        .collect();
    writer.await.unwrap();
    for reader in readers {
        reader.await.unwrap();
    }
    assert_eq!(sample::Entity::find().all(&db).await.unwrap().len(), 200);
}

/// A write lock held by another connection (another process, or sqlx's
/// pool) for `hold`.
fn hold_write_lock(path: std::path::PathBuf, hold: Duration) -> std::thread::JoinHandle<()> {
    let (locked, wait) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let other = rusqlite::Connection::open(path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE; UPDATE driver_sample SET flag = 0;").unwrap();
        locked.send(()).unwrap();
        std::thread::sleep(hold);
        other.execute_batch("COMMIT").unwrap();
    });
    wait.recv().unwrap();
    holder
}

#[tokio::test]
async fn a_write_waits_out_another_writer_up_to_the_busy_timeout() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    let path = std::path::PathBuf::from(file.url.trim_start_matches("sqlite://"));
    let patient = Db::new(db.sea_orm().clone(), Some(Sqlite::open(&path, 2, Duration::from_secs(5)).unwrap()));
    let holder = hold_write_lock(path.clone(), Duration::from_millis(300));
    row("after-the-lock").insert(&patient).await.expect("the write waits for the lock");
    holder.join().unwrap();

    let hasty = Db::new(db.sea_orm().clone(), Some(Sqlite::open(&path, 2, Duration::from_millis(50)).unwrap()));
    let holder = hold_write_lock(path, Duration::from_millis(1_000));
    let error = row("too-soon").insert(&hasty).await.expect_err("the lock outlasts the timeout");
    assert!(error.to_string().contains("locked"), "{error}");
    // Reads go on meanwhile (WAL).
    assert_eq!(sample::Entity::find().all(&hasty).await.unwrap().len(), 1);
    holder.join().unwrap();
    assert!(row("later").insert(&hasty).await.is_ok(), "the connection is usable after the timeout");
}

#[tokio::test]
async fn every_driver_connection_has_wal_foreign_keys_and_stable_plans() {
    let file = TestDatabase::sqlite();
    let db = sample_db(&file).await;
    let path = std::path::PathBuf::from(file.url.trim_start_matches("sqlite://"));
    let pool = Sqlite::open(&path, 2, Duration::from_secs(5)).unwrap();
    // Two connections at once: each is set up, not only the first.
    let (first, second) = (pool.lease().await.unwrap(), pool.lease().await.unwrap());
    for lease in [&first, &second] {
        let connection = lease.connection().ok().expect("a connection");
        let mode: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
        let foreign_keys: i64 = connection.query_row("PRAGMA foreign_keys", [], |row| row.get(0)).unwrap();
        assert_eq!((mode.as_str(), foreign_keys), ("wal", 1));
        // SAFETY: an open connection, no statement running on it.
        let handle = std::ptr::NonNull::new(unsafe { connection.handle() }).unwrap();
        assert_eq!(crate::db::query_planner_stability(handle, -1), Ok(1));
    }
    drop((first, second));
    // A foreign key is enforced on a write through the driver, and named.
    db.execute_unprepared(
        "CREATE TABLE driver_child (id INTEGER PRIMARY KEY, sample_id INTEGER NOT NULL REFERENCES driver_sample (id))",
    )
    .await
    .unwrap();
    let orphan = sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Sqlite,
        "INSERT INTO driver_child (sample_id) VALUES (?)",
        [999i64.into()],
    );
    let error = db.execute_raw(orphan).await.expect_err("no such sample");
    assert!(matches!(sql_err(&error), Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))), "{error:?}");
}
