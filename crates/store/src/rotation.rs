//! Group commit for refresh-token rotation.
//!
//! Every OIDC refresh rotates its family's token: a write. Written one by one, concurrent
//! rotations queue behind each other on SQLite's single writer connection, and each pays a commit
//! (an fsync on PostgreSQL). Here they go to one task that writes whatever has queued up as one
//! `UPDATE ... FROM (VALUES ...)` statement: one commit for the lot. Each caller learns whether
//! its own rotation won, exactly as with a statement of its own:
//!
//! - a batch never holds the same family twice (the second waits for the next batch), so a
//!   family's row is matched by at most one entry and `RETURNING id` names the winners;
//! - the statement is atomic, and the retired-token trigger fires per row as before;
//! - the batch runs on its own task, so a caller that gives up does not cut it short;
//! - if the batch statement fails, each entry is retried on its own, so one bad entry cannot
//!   fail the others.

use std::collections::VecDeque;
use std::sync::Mutex;

use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};
use warden_core::error::StoreError;

use crate::{map_err, Backend, SqlStore};

type R<T> = Result<T, StoreError>;

/// Rotations written by one statement at most (4 parameters each).
const MAX_BATCH: usize = 128;

pub(crate) struct Rotation {
    family_id: String,
    old: Vec<u8>,
    new: Vec<u8>,
    at: i64,
    done: oneshot::Sender<R<bool>>,
}

/// The queue to the batching task, started on first use in the caller's runtime (and again if
/// that runtime has gone, as happens between tests).
#[derive(Default)]
pub(crate) struct Rotator {
    queue: Mutex<Option<mpsc::UnboundedSender<Rotation>>>,
}

impl std::fmt::Debug for Rotator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rotator")
    }
}

impl SqlStore {
    /// Replaces the family's token hash `old` with `new`; false when `old` is no longer current or
    /// the family has been revoked (a revocation between a refresh's read and its rotation wins).
    pub(crate) async fn rotate_batched(&self, family_id: &str, old: &[u8], new: &[u8], at: i64) -> R<bool> {
        let (done, answer) = oneshot::channel();
        let job = Rotation { family_id: family_id.to_owned(), old: old.to_vec(), new: new.to_vec(), at, done };
        {
            let mut queue = self.rotator.queue.lock().expect("rotation queue lock");
            let unsent = match queue.as_ref() {
                Some(tx) => tx.send(job).err().map(|mpsc::error::SendError(job)| job),
                None => Some(job),
            };
            if let Some(job) = unsent {
                // The task holds the pool, not the store: it ends when the last store is dropped.
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(run(self.backend, self.write.clone(), rx));
                let _ = tx.send(job);
                *queue = Some(tx);
            }
        }
        answer.await.map_err(|_| StoreError::Other("the rotation task ended abnormally".into()))?
    }
}

async fn run(backend: Backend, pool: AnyPool, mut rx: mpsc::UnboundedReceiver<Rotation>) {
    let mut pending: VecDeque<Rotation> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match rx.recv().await {
                Some(job) => pending.push_back(job),
                None => return,
            }
        }
        while let Ok(job) = rx.try_recv() {
            pending.push_back(job);
        }
        let mut batch: Vec<Rotation> = Vec::new();
        let mut later = VecDeque::new();
        while let Some(job) = pending.pop_front() {
            if batch.len() < MAX_BATCH && !batch.iter().any(|b| b.family_id == job.family_id) {
                batch.push(job);
            } else {
                later.push_back(job);
            }
        }
        pending = later;
        write(backend, &pool, batch).await;
    }
}

async fn write(backend: Backend, pool: &AnyPool, batch: Vec<Rotation>) {
    match rotate_many(backend, pool, &batch).await {
        Ok(winners) => {
            for job in batch {
                let won = winners.contains(&job.family_id);
                let _ = job.done.send(Ok(won));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, size = batch.len(), "batched rotation failed; writing one by one");
            for job in batch {
                let one = rotate_one(pool, &job.family_id, &job.old, &job.new, job.at).await;
                let _ = job.done.send(one);
            }
        }
    }
}

/// One rotation, one statement: migration 0009's trigger files the old hash among the retired
/// ones within it, so no transaction (and no `detached`) is needed.
async fn rotate_one(pool: &AnyPool, family_id: &str, old: &[u8], new: &[u8], at: i64) -> R<bool> {
    let done = sqlx::query(
        "UPDATE families SET token_hash = $3, rotated_at = $4 WHERE id = $1 AND token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(family_id)
    .bind(old.to_vec())
    .bind(new.to_vec())
    .bind(at)
    .execute(pool)
    .await
    .map_err(map_err)?;
    Ok(done.rows_affected() == 1)
}

/// One statement for the whole batch; returns the ids of the families it rotated.
async fn rotate_many(backend: Backend, pool: &AnyPool, batch: &[Rotation]) -> R<Vec<String>> {
    if let [job] = batch {
        let won = rotate_one(pool, &job.family_id, &job.old, &job.new, job.at).await?;
        return Ok(if won { vec![job.family_id.clone()] } else { Vec::new() });
    }
    let sql = batch_sql(backend, batch.len());
    let mut query = sqlx::query(&sql);
    for job in batch {
        query = query.bind(job.family_id.clone()).bind(job.old.clone()).bind(job.new.clone()).bind(job.at);
    }
    let rows = query.fetch_all(pool).await.map_err(map_err)?;
    rows.iter().map(|r| r.try_get::<String, _>("id").map_err(map_err)).collect()
}

/// `UPDATE families ... FROM (VALUES ...)` for `n` rotations. The VALUES columns are `column1`
/// to `column4` on both engines; PostgreSQL needs their types spelled out.
fn batch_sql(backend: Backend, n: usize) -> String {
    let mut sql = String::from("UPDATE families SET token_hash = v.column3, rotated_at = v.column4 FROM (VALUES ");
    for i in 0..n {
        let p = 4 * i;
        if i > 0 {
            sql.push_str(", ");
        }
        match backend {
            Backend::Sqlite => sql.push_str(&format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4)),
            Backend::Postgres => {
                sql.push_str(&format!("(${}::text, ${}::bytea, ${}::bytea, ${}::bigint)", p + 1, p + 2, p + 3, p + 4))
            }
        }
    }
    sql.push_str(
        ") AS v WHERE families.id = v.column1 AND families.token_hash = v.column2 AND families.revoked_at IS NULL \
         RETURNING families.id",
    );
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_placeholder_set_per_rotation() {
        let sql = batch_sql(Backend::Sqlite, 2);
        assert!(sql.contains("($1, $2, $3, $4), ($5, $6, $7, $8)"), "{sql}");
        let sql = batch_sql(Backend::Postgres, 1);
        assert!(sql.contains("($1::text, $2::bytea, $3::bytea, $4::bigint)"), "{sql}");
    }
}
