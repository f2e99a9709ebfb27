//! The store's own error, and how it is worded for the core: in one place.
//!
//! Queries fail with `sqlx::Error`, and a few checks of the store's own (a version that moved, a
//! row that no longer decodes) fail in the core's words already. Both become `Error`, so every
//! query in this crate propagates with `?`; the trait methods hand the core a `StoreError`.

use std::future::Future;
use warden_core::error::StoreError;
use warden_core::store::StoreResult;

/// What a query of this crate can fail with.
#[derive(Debug)]
pub enum Error {
    Sql(sqlx::Error),
    /// Already a reason in the core's terms (`Stale`, a column that does not decode...).
    Store(StoreError),
}

pub(crate) type R<T> = Result<T, Error>;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sql(e) => e.fmt(f),
            Self::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> Self {
        match e {
            Error::Sql(e) => from_sqlx(e),
            Error::Store(e) => e,
        }
    }
}

/// A failure of the store's own, worded for the core as it is.
pub(crate) fn other(message: String) -> Error {
    Error::Store(StoreError::Other(message))
}

/// Runs a query's body and words its failure for the core.
pub(crate) async fn sql<T>(body: impl Future<Output = R<T>>) -> StoreResult<T> {
    Ok(body.await?)
}

fn from_sqlx(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
        // A row it refers to went meanwhile (a pool or user deleted during the write): the
        // caller's race to retry or give up, not a server fault.
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Stale("a record it refers to".into()),
        // PostgreSQL: a NUL in text or an invalid character (22021, 22P05), a value too long for
        // its column (22001) or for a btree index entry (54000). The caller sent it.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22021" | "22P05" | "22001" | "54000")) => {
            StoreError::Unstorable(db.message().to_owned())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

/// An UPDATE of one record by its key: `Stale` when it matched no row (the record was deleted
/// after the caller read it, and the write would silently have done nothing).
pub(crate) fn one_updated(done: sqlx::any::AnyQueryResult, what: &str) -> R<()> {
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale(what.to_owned()).into());
    }
    Ok(())
}
