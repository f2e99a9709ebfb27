//! Attempt counters: throttles and quotas.

use async_trait::async_trait;

use crate::clock::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Records one failed attempt under `key`, once per `attempt_id` (a client's retries of the
    /// same call share it), and returns the number of attempts since `since`.
    async fn record_failure(&self, key: &str, attempt_id: &str, at: Timestamp, since: Timestamp) -> StoreResult<u32>;
    async fn count_failures(&self, key: &str, since: Timestamp) -> StoreResult<u32>;
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
    /// Counts `attempt_id` against each `(key, limit)` before the attempt is checked, so that
    /// attempts in flight count: unless a key already holds `limit` attempts since `since`,
    /// then nothing is recorded and that key's index is returned. Serialised per key, so
    /// concurrent attempts cannot together pass a limit.
    async fn reserve_attempt(
        &self,
        keys: &[(&str, u32)],
        attempt_id: &str,
        at: Timestamp,
        since: Timestamp,
    ) -> StoreResult<Option<usize>>;
    /// Takes back one reserved attempt (it succeeded and is not to count).
    async fn release_attempt(&self, key: &str, attempt_id: &str) -> StoreResult<()>;
    /// Remembers a sign-in under `key` (a user and a source address, hashed) at `at`, replacing
    /// an earlier one.
    async fn remember_sign_in(&self, key: &str, at: Timestamp) -> StoreResult<()>;
    /// Whether a sign-in under `key` was remembered at or after `since`.
    async fn signed_in_since(&self, key: &str, since: Timestamp) -> StoreResult<bool>;
}
