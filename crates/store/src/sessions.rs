//! Ending a user's sessions, and the check every sign-in write makes against it.
//!
//! A revocation bumps `users.session_epoch` first, then revokes the families and deletes the
//! browser sessions, challenges and unredeemed authorization codes, all in one transaction. A
//! sign-in's write (a family, a browser session, a challenge, a code) runs in a transaction that
//! checks the epoch the sign-in read, holding the user's row (PostgreSQL: `FOR SHARE`; SQLite's
//! single writer serialises anyway). So either the write commits first and the revocation, which
//! waits for the row, then sees it and ends it, or the revocation commits first and the write
//! sees the new epoch and is refused: nothing begun before a revocation mints tokens after it.

use crate::error::R;
use crate::{Backend, SqlStore};
use sqlx::Row;
use warden_core::error::StoreError;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl SqlStore {
    /// Inside `tx`: the user's session epoch is still `epoch`, and stays so until `tx` ends.
    /// `Stale` when it moved (the sessions were ended meanwhile) or the user is gone.
    pub(crate) async fn hold_session_epoch(&self, tx: &mut Tx<'_>, user_id: &str, epoch: i64) -> R<()> {
        let sql = match self.backend {
            Backend::Postgres => "SELECT session_epoch FROM users WHERE id = $1 FOR SHARE",
            Backend::Sqlite => "SELECT session_epoch FROM users WHERE id = $1",
        };
        let row = sqlx::query(sql).bind(user_id).fetch_optional(&mut **tx).await?;
        match row.map(|r| r.try_get::<i64, _>("session_epoch")).transpose()? {
            Some(now) if now == epoch => Ok(()),
            _ => Err(StoreError::Stale("The user's session".into()).into()),
        }
    }

    /// Runs `write` (its statements) and the epoch check in one transaction: the write first, so
    /// that a SQLite transaction starts as a writer.
    pub(crate) async fn write_in_session<'q>(
        &self,
        user_id: &str,
        epoch: i64,
        write: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> R<()> {
        let mut tx = self.write.begin().await?;
        write.execute(&mut *tx).await?;
        if let Err(e) = self.hold_session_epoch(&mut tx, user_id, epoch).await {
            tx.rollback().await?;
            return Err(e);
        }
        Ok(tx.commit().await?)
    }
}

/// Inside `tx`: ends every session of the user (bumps the epoch first, taking the user's row),
/// revokes their families at `at`, and deletes their live browser sessions, open challenges and
/// unredeemed authorization codes. Returns how many families were revoked.
pub(crate) async fn end_sessions_in(tx: &mut Tx<'_>, user_id: &str, at: i64) -> R<u64> {
    sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let revoked = sqlx::query("UPDATE families SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    // Only what is still live: an expired row can mint nothing, and is the hourly sweep's, so
    // the two never delete the same rows (in different orders, which could deadlock).
    for sql in [
        "DELETE FROM browser_sessions WHERE user_id = $1 AND expires_at > $2",
        "DELETE FROM challenges WHERE user_id = $1 AND expires_at > $2",
        "DELETE FROM authorization_codes WHERE user_id = $1 AND redeemed_at IS NULL AND expires_at > $2",
    ] {
        sqlx::query(sql).bind(user_id).bind(at).execute(&mut **tx).await?;
    }
    Ok(revoked.rows_affected())
}
