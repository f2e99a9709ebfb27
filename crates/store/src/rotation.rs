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
//!
//! On PostgreSQL a refresh also comes here *checked* (`rotate_refresh_token_by_hash`): named by
//! its current token rather than its family, with the refresh's checks (client, expiry,
//! revocation, user enabled) in the `WHERE`, and the family, user and groups read back from the
//! rotated rows in the same statement. A refresh then costs one round trip instead of a read and
//! a write. Entries are matched to rows by their new token hash; a batch never holds the same old
//! token twice, so a token presented twice at once rotates once.

use crate::error::{Error, R};
use crate::{Backend, SqlStore};
use sqlx::{AnyPool, Row};
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};
use warden_core::error::StoreError;
use warden_core::model::{Group, RefreshFamily, User};

/// A refresh's family, its user and the user's groups.
type Refreshed = (RefreshFamily, User, Vec<Group>);

/// Rotations written by one statement at most (4 parameters each).
const MAX_BATCH: usize = 128;

pub(crate) enum Rotation {
    ByFamily(ByFamily),
    Checked(Checked),
}

/// `rotate_refresh_token`: the family named, if `old` is still its token.
pub(crate) struct ByFamily {
    family_id: String,
    old: Vec<u8>,
    new: Vec<u8>,
    at: i64,
    done: oneshot::Sender<R<bool>>,
}

/// `rotate_refresh_token_by_hash` on PostgreSQL: whichever family holds `old`, if it passes the
/// refresh checks; answered with the family-user-groups row.
pub(crate) struct Checked {
    client_id: String,
    old: Vec<u8>,
    new: Vec<u8>,
    at: i64,
    done: oneshot::Sender<R<Option<Refreshed>>>,
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
        self.ask(|done| {
            Rotation::ByFamily(ByFamily {
                family_id: family_id.to_owned(),
                old: old.to_vec(),
                new: new.to_vec(),
                at,
                done,
            })
        })
        .await
    }

    /// `Store::rotate_refresh_token_by_hash` as one statement with the read (PostgreSQL, where
    /// each round trip counts): the rotation's `RETURNING` feeds the family-user-groups read.
    pub(crate) async fn rotate_checked_batched(
        &self,
        old: &[u8],
        new: &[u8],
        client_id: &str,
        at: i64,
    ) -> R<Option<Refreshed>> {
        self.ask(|done| {
            Rotation::Checked(Checked {
                client_id: client_id.to_owned(),
                old: old.to_vec(),
                new: new.to_vec(),
                at,
                done,
            })
        })
        .await
    }

    /// Queues a rotation and waits for its answer.
    async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<R<T>>) -> Rotation) -> R<T> {
        let (done, answer) = oneshot::channel();
        self.enqueue(job(done));
        answer.await.map_err(|_| StoreError::Other("the rotation task ended abnormally".into()))?
    }

    fn enqueue(&self, job: Rotation) {
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
        // Never the same family (by id) nor the same old token twice in one statement: each
        // entry's row must be its own to tell who won.
        let (mut by_family, mut checked): (Vec<ByFamily>, Vec<Checked>) = (Vec::new(), Vec::new());
        let mut later = VecDeque::new();
        while let Some(job) = pending.pop_front() {
            match job {
                Rotation::ByFamily(j)
                    if by_family.len() < MAX_BATCH && !by_family.iter().any(|b| b.family_id == j.family_id) =>
                {
                    by_family.push(j)
                }
                Rotation::Checked(j) if checked.len() < MAX_BATCH && !checked.iter().any(|b| b.old == j.old) => {
                    checked.push(j)
                }
                job => later.push_back(job),
            }
        }
        pending = later;
        if !by_family.is_empty() {
            write(backend, &pool, by_family).await;
        }
        if !checked.is_empty() {
            write_checked(&pool, checked).await;
        }
    }
}

async fn write(backend: Backend, pool: &AnyPool, batch: Vec<ByFamily>) {
    let outcome = rotate_many(backend, pool, &batch).await;
    if let Err(e) = &outcome {
        tracing::warn!(error = %e, size = batch.len(), "batched rotation failed; writing one by one");
    }
    for job in batch {
        let answer = match &outcome {
            Ok(winners) => Ok(winners.contains(&job.family_id)),
            Err(_) => match rotate_one(pool, &job.family_id, &job.old, &job.new, job.at).await {
                // The failed statement may have committed before its answer was lost: the new
                // hash in place (random, so no one else's) says this rotation is done, and is
                // not a reuse of the old token.
                Ok(false) => has_token(pool, &job.family_id, &job.new).await,
                other => other,
            },
        };
        let _ = job.done.send(answer);
    }
}

async fn has_token(pool: &AnyPool, family_id: &str, hash: &[u8]) -> R<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM families WHERE id = $1 AND token_hash = $2")
        .bind(family_id)
        .bind(hash.to_vec())
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// The checked rotations of one turn as one statement; each entry is answered with the row whose
/// (new) token hash is its own. If the statement fails, each is tried alone.
async fn write_checked(pool: &AnyPool, batch: Vec<Checked>) {
    let outcome = rotate_checked(pool, &batch).await;
    if let Err(e) = &outcome {
        tracing::warn!(error = %e, size = batch.len(), "batched checked rotation failed; writing one by one");
    }
    for job in batch {
        let answer = match &outcome {
            Ok(found) => Ok(found.iter().find(|(f, ..)| f.token_hash == job.new).cloned()),
            Err(_) => match rotate_checked(pool, std::slice::from_ref(&job)).await.map(|mut found| found.pop()) {
                // As in `write`: the batch may have committed; the new hash in place says so.
                Ok(None) => by_new_hash(pool, &job.new).await,
                other => other,
            },
        };
        let _ = job.done.send(answer);
    }
}

async fn by_new_hash(pool: &AnyPool, hash: &[u8]) -> R<Option<Refreshed>> {
    let row = sqlx::query(crate::families::POSTGRES_BY_TOKEN_HASH).bind(hash.to_vec()).fetch_optional(pool).await?;
    row.as_ref().map(crate::families::family_user_groups).transpose()
}

async fn rotate_checked(pool: &AnyPool, batch: &[Checked]) -> R<Vec<Refreshed>> {
    // Four lists, one item per entry: hex, space-separated (the Any driver binds no arrays).
    let mut lists = [String::new(), String::new(), String::new(), String::new()];
    for job in batch {
        let items = [hex::encode(&job.old), hex::encode(&job.new), hex::encode(&job.client_id), job.at.to_string()];
        for (list, item) in lists.iter_mut().zip(items) {
            if !list.is_empty() {
                list.push(' ');
            }
            list.push_str(&item);
        }
    }
    let [old, new, clients, at] = lists;
    let rows = sqlx::query(&CHECKED_SQL).bind(old).bind(new).bind(clients).bind(at).fetch_all(pool).await?;
    rows.iter().map(crate::families::family_user_groups).collect()
}

/// PostgreSQL: the rotation of families named by their current token, each only if issued to the
/// client given, live at the time given and of an enabled user, then the family-user-groups read
/// over the rotated rows, in one statement. The entries come as four lists, so one statement text
/// serves every batch size: prepared once per connection, and soon planned once.
static CHECKED_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut sql = String::from(
        "WITH v AS (SELECT decode(t.old, 'hex') AS old, decode(t.new, 'hex') AS new, \
         convert_from(decode(t.client_id, 'hex'), 'UTF8') AS client_id, t.at::bigint AS at \
         FROM unnest(string_to_array($1::text, ' '), string_to_array($2::text, ' '), \
         string_to_array($3::text, ' '), string_to_array($4::text, ' ')) AS t (old, new, client_id, at)), \
         rotated AS (UPDATE families SET token_hash = v.new, rotated_at = v.at FROM v \
         WHERE families.token_hash = v.old AND families.client_id = v.client_id AND families.revoked_at IS NULL \
         AND families.expires_at > v.at \
         AND EXISTS (SELECT 1 FROM users e WHERE e.id = families.user_id AND e.enabled <> 0) \
         RETURNING families.*) ",
    );
    sql.push_str(crate::families::POSTGRES_ROTATED);
    sql
});

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
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One statement for the whole batch; returns the ids of the families it rotated.
async fn rotate_many(backend: Backend, pool: &AnyPool, batch: &[ByFamily]) -> R<Vec<String>> {
    if let [job] = batch {
        let won = rotate_one(pool, &job.family_id, &job.old, &job.new, job.at).await?;
        return Ok(if won { vec![job.family_id.clone()] } else { Vec::new() });
    }
    let sql = batch_sql(backend, batch.len());
    let mut query = sqlx::query(&sql);
    for job in batch {
        query = query.bind(job.family_id.clone()).bind(job.old.clone()).bind(job.new.clone()).bind(job.at);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(|r| r.try_get::<String, _>("id").map_err(Error::from)).collect()
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
