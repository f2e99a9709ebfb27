//! sqlx errors to the core's `StoreError`, in one place.

use warden_core::error::StoreError;

pub fn map_err(e: sqlx::Error) -> StoreError {
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
pub(crate) fn one_updated(done: sqlx::any::AnyQueryResult, what: &str) -> Result<(), StoreError> {
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale(what.to_owned()));
    }
    Ok(())
}
