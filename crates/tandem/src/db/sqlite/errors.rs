//! The driver's errors, as SeaORM reports database errors.
//!
//! A failure SQLite reports reaches the caller as a sqlx database error
//! carrying SQLite's extended result code, so `DbErr`'s message reads as
//! before and [`crate::db::sql_err`] tells unique and foreign-key
//! violations apart on both drivers.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use sea_orm::sqlx;
use sea_orm::sqlx::error::{DatabaseError, ErrorKind};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// An error SQLite reported to the embedded driver.
#[derive(Debug)]
pub struct SqliteFailure {
    /// SQLite's extended result code (2067: a UNIQUE constraint failed).
    pub code: i32,
    /// SQLite's message.
    pub message: String,
}

impl fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            1555 | 2067 => ErrorKind::UniqueViolation,
            787 => ErrorKind::ForeignKeyViolation,
            1299 => ErrorKind::NotNullViolation,
            275 => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

impl SqliteFailure {
    /// The constraint `self` reports as violated, as SeaORM names it.
    pub(crate) fn sql_err(&self) -> Option<SqlErr> {
        match self.kind() {
            ErrorKind::UniqueViolation => Some(SqlErr::UniqueConstraintViolation(self.message.clone())),
            ErrorKind::ForeignKeyViolation => Some(SqlErr::ForeignKeyConstraintViolation(self.message.clone())),
            _ => None,
        }
    }
}

/// Why a statement failed on the driver.
pub(crate) enum Failure {
    /// SQLite said so.
    Sqlite(SqliteFailure),
    /// A stored value did not fit its column's Rust type.
    Decode(String),
    /// Anything else: a value SQLite cannot store, a lost worker.
    Other(String),
}

impl Failure {
    /// Whether another connection holds the lock this statement needs.
    pub(crate) fn is_busy(&self) -> bool {
        // SQLITE_BUSY and its extended codes (the primary code is the low byte).
        matches!(self, Failure::Sqlite(failure) if failure.code & 0xff == 5)
    }

    fn into_runtime(self) -> Result<RuntimeErr, DbErr> {
        match self {
            Failure::Sqlite(failure) => Ok(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Database(Box::new(failure))))),
            Failure::Decode(message) => Err(DbErr::Type(message)),
            Failure::Other(message) => Ok(RuntimeErr::Internal(message)),
        }
    }

    pub(crate) fn into_query_err(self) -> DbErr {
        self.into_runtime().map_or_else(|e| e, DbErr::Query)
    }

    pub(crate) fn into_exec_err(self) -> DbErr {
        self.into_runtime().map_or_else(|e| e, DbErr::Exec)
    }

    pub(crate) fn into_conn_err(self) -> DbErr {
        self.into_runtime().map_or_else(|e| e, DbErr::Conn)
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::SqliteFailure(code, message) => Failure::Sqlite(SqliteFailure {
                code: code.extended_code,
                message: message.unwrap_or_else(|| code.to_string()),
            }),
            other => Failure::Other(other.to_string()),
        }
    }
}
