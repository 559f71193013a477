//! SeaORM rows and results made from the embedded driver's values.
//!
//! SeaORM 2.0 builds [`QueryResult`]s only inside its drivers. Of the two
//! doors it leaves open for values read elsewhere, the proxy's does not
//! compile beside sqlx-sqlite in 2.0.4, so the driver's rows go through the
//! other: the mock backend's row type, which holds typed values by column
//! name exactly as a proxy row would. Nothing else of the mock backend is
//! used; no connection is mocked.

use sea_orm::{DbBackend, DbErr, ExecResult, MockDatabase, MockDatabaseTrait, MockExecResult, QueryResult, Statement};

use super::sqlite::Row;

/// `rows` as SeaORM's rows.
pub(crate) fn query_results(rows: Vec<Row>) -> Result<Vec<QueryResult>, DbErr> {
    let mut results = MockDatabase::new(DbBackend::Sqlite).append_query_results([rows]);
    results.query(0, Statement::from_string(DbBackend::Sqlite, String::new()))
}

/// `result` as SeaORM's.
pub(crate) fn exec_result(result: MockExecResult) -> Result<ExecResult, DbErr> {
    let mut results = MockDatabase::new(DbBackend::Sqlite).append_exec_results([result]);
    results.execute(0, Statement::from_string(DbBackend::Sqlite, String::new()))
}
