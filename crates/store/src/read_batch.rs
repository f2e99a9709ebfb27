//! Coalesced family reads on PostgreSQL.
//!
//! Every token refresh and every access-token check the cache cannot answer reads one family row
//! with its user (and groups). On PostgreSQL a statement of its own costs far more than finding
//! the row: a round trip, the server's bind and executor start-up, and the network stack on both
//! sides (a refresh's one read used as much of the machine as signing a token). So reads that
//! arrive while others are in flight wait for one of a few batch slots, and each batch is one
//! `... WHERE f.id IN ($1, ..., $n)`. A read that finds a slot free runs at once on its own task,
//! with no hand-over (a cross-thread wake-up costs as much as a cheap statement):
//!
//! - each caller gets the row carrying its key (or none), as its own statement would have
//!   returned; one statement sees one snapshot, so a batch's answers are consistent;
//! - a read waits only while every slot is busy: an idle server adds no wait;
//! - batch sizes are padded to powers of two (the first key repeated), so the server prepares
//!   a handful of statements per read shape rather than one per size;
//! - if a batch statement fails, each read in it runs on its own, so it fails only for its own
//!   reason.

use crate::error::{Error, R};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use warden_core::error::StoreError;
use warden_core::store::FamilyKey;

/// Distinct keys read by one statement at most.
const MAX_BATCH: usize = 64;
/// Batch statements in flight at once (each holds one pooled connection while it runs).
const IN_FLIGHT: usize = 4;

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Id(String),
    Hash(Vec<u8>),
}

impl Key {
    fn of(key: FamilyKey<'_>) -> Self {
        match key {
            FamilyKey::Id(id) => Key::Id(id.to_owned()),
            FamilyKey::TokenHash(hash) => Key::Hash(hash.to_vec()),
        }
    }

    fn bind<'q>(&self, q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>) -> AnyQuery<'q> {
        match self {
            Key::Id(id) => q.bind(id.clone()),
            Key::Hash(hash) => q.bind(hash.clone()),
        }
    }

    /// The key a result row carries (the family columns are prefixed `f_` in every read shape).
    fn in_row(&self, row: &AnyRow) -> R<Key> {
        Ok(match self {
            Key::Id(_) => Key::Id(row.try_get("f_id")?),
            Key::Hash(_) => Key::Hash(row.try_get("f_token_hash")?),
        })
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

struct Read {
    /// A one-key read ending in `= $1`.
    sql: &'static str,
    key: Key,
    done: oneshot::Sender<R<Option<AnyRow>>>,
}

/// Reads in flight and reads waiting for a slot. There is no task of its own: a read that finds
/// a free slot runs at once on the caller's task, and whoever frees a slot hands it to the
/// waiting reads as one batch on a new task.
#[derive(Default)]
pub(crate) struct ReadBatcher {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    running: usize,
    waiting: VecDeque<Read>,
}

impl std::fmt::Debug for ReadBatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadBatcher")
    }
}

/// A held slot; freeing it (also when a caller gives up mid-read) passes it to waiting reads.
struct Slot {
    batcher: Arc<ReadBatcher>,
    pool: AnyPool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let batch = {
            let mut state = self.batcher.state.lock().expect("read batch lock");
            if state.waiting.is_empty() {
                state.running -= 1;
                return;
            }
            take_batch(&mut state.waiting)
        };
        // The slot goes on to the batch. Without a runtime (shutting down) the batch's callers
        // are told the read failed, by their dropped senders.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let slot = Slot { batcher: self.batcher.clone(), pool: self.pool.clone() };
            runtime.spawn(async move {
                answer(&slot.pool, batch).await;
                drop(slot);
            });
        }
    }
}

impl ReadBatcher {
    /// The row `sql` (a one-key read ending in `= $1`) finds for `key`: read at once when a slot
    /// is free, otherwise with the other reads waiting for one.
    pub(crate) async fn read(
        self: &Arc<Self>,
        pool: &AnyPool,
        sql: &'static str,
        key: FamilyKey<'_>,
    ) -> R<Option<AnyRow>> {
        let answer = {
            let mut state = self.state.lock().expect("read batch lock");
            if state.running < IN_FLIGHT {
                state.running += 1;
                None
            } else {
                let (done, answer) = oneshot::channel();
                state.waiting.push_back(Read { sql, key: Key::of(key), done });
                Some(answer)
            }
        };
        match answer {
            None => {
                let _slot = Slot { batcher: self.clone(), pool: pool.clone() };
                read_one(pool, sql, &Key::of(key)).await
            }
            Some(answer) => {
                answer.await.map_err(|_| StoreError::Other("a batched read was dropped unanswered".into()))?
            }
        }
    }
}

async fn read_one(pool: &AnyPool, sql: &str, key: &Key) -> R<Option<AnyRow>> {
    key.bind(sqlx::query(sql)).fetch_optional(pool).await.map_err(Error::from)
}

/// The oldest read and every waiting read of the same shape, up to `MAX_BATCH` distinct keys
/// (reads of a key already taken ride along); the rest keep their order.
fn take_batch(pending: &mut VecDeque<Read>) -> Vec<Read> {
    let sql = pending.front().map(|r| r.sql).unwrap_or_default();
    let mut keys = 0;
    let mut batch: Vec<Read> = Vec::new();
    let mut rest = VecDeque::with_capacity(pending.len());
    for job in pending.drain(..) {
        let same_shape = job.sql == sql;
        let known = same_shape && batch.iter().any(|b| b.key == job.key);
        if same_shape && (known || keys < MAX_BATCH) {
            keys += usize::from(!known);
            batch.push(job);
        } else {
            rest.push_back(job);
        }
    }
    *pending = rest;
    batch
}

async fn answer(pool: &AnyPool, batch: Vec<Read>) {
    let mut keys: Vec<&Key> = Vec::new();
    for job in &batch {
        if !keys.contains(&&job.key) {
            keys.push(&job.key);
        }
    }
    let found = match (keys.len(), batch_sql(batch[0].sql, keys.len())) {
        (1, _) | (_, None) => Err(None),
        (_, Some(sql)) => read_many(pool, &sql, &keys).await.map_err(Some),
    };
    match found {
        Ok(rows) => {
            for job in batch {
                let _ = job.done.send(Ok(rows.get(&job.key).cloned()));
            }
        }
        Err(e) => {
            if let Some(e) = e {
                tracing::warn!(error = %e, size = batch.len(), "batched read failed; reading one by one");
            }
            for job in batch {
                let _ = job.done.send(read_one(pool, job.sql, &job.key).await);
            }
        }
    }
}

async fn read_many(pool: &AnyPool, sql: &str, keys: &[&Key]) -> R<HashMap<Key, AnyRow>> {
    let mut query = sqlx::query(sql);
    for i in 0..keys.len().next_power_of_two() {
        query = keys.get(i).unwrap_or(&keys[0]).bind(query);
    }
    let mut rows = HashMap::with_capacity(keys.len());
    for row in query.fetch_all(pool).await? {
        rows.insert(keys[0].in_row(&row)?, row);
    }
    Ok(rows)
}

/// `sql` (ending in `<column> = $1`) for `n` keys, padded to the next power of two: `<column> IN
/// ($1, ..., $m)`. `None` if `sql` does not end that way (its reads then run one by one).
fn batch_sql(sql: &str, n: usize) -> Option<String> {
    let head = sql.strip_suffix(" = $1")?;
    let mut out = String::with_capacity(head.len() + 8 * n);
    out.push_str(head);
    out.push_str(" IN (");
    for i in 1..=n.next_power_of_two() {
        if i > 1 {
            out.push_str(", ");
        }
        out.push_str(&format!("${i}"));
    }
    out.push(')');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_key_read_becomes_an_in_list_padded_to_a_power_of_two() {
        assert_eq!(
            batch_sql("SELECT 1 FROM t WHERE f.id = $1", 3).unwrap(),
            "SELECT 1 FROM t WHERE f.id IN ($1, $2, $3, $4)"
        );
        assert_eq!(batch_sql("SELECT 1 FROM t WHERE f.id = $1", 2).unwrap(), "SELECT 1 FROM t WHERE f.id IN ($1, $2)");
        assert_eq!(batch_sql("SELECT 1 FROM t WHERE f.id = $2", 2), None);
    }

    fn job(sql: &'static str, id: &str) -> Read {
        Read { sql, key: Key::Id(id.into()), done: oneshot::channel().0 }
    }

    #[test]
    fn a_batch_takes_one_shape_and_shares_repeated_keys() {
        let mut pending: VecDeque<Read> =
            [job("A", "1"), job("B", "1"), job("A", "2"), job("A", "1"), job("B", "2")].into_iter().collect();
        let batch = take_batch(&mut pending);
        let keys: Vec<_> = batch.iter().map(|r| (r.sql, r.key.clone())).collect();
        assert!(keys == [("A", Key::Id("1".into())), ("A", Key::Id("2".into())), ("A", Key::Id("1".into()))]);
        assert_eq!(pending.iter().map(|r| r.sql).collect::<Vec<_>>(), ["B", "B"]);
    }

    #[test]
    fn a_batch_holds_at_most_max_batch_distinct_keys() {
        let mut pending: VecDeque<Read> = (0..MAX_BATCH + 3).map(|i| job("A", &i.to_string())).collect();
        pending.push_back(job("A", "0"));
        let batch = take_batch(&mut pending);
        assert_eq!(batch.len(), MAX_BATCH + 1, "the repeated key rides along");
        assert_eq!(pending.len(), 3);
    }
}
