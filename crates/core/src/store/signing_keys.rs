//! The signing-key ring.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::model::SigningKeyRecord;

use super::StoreResult;

#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()>;
    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Retires, from `at`, every key of `alg` older than the key `kid` created at `created_at`
    /// (created before it, or in the same second with a smaller kid) that is not retired by
    /// then; returns how many. Newer keys are left alone: of two rotations at once, the newer
    /// key stays unretired.
    async fn retire_signing_keys(&self, alg: &str, kid: &str, created_at: Timestamp, at: Timestamp)
        -> StoreResult<u64>;
    /// Sets a retired key's `retired_at` to `at` (withdrawing it early); false when `kid` is
    /// not a retired key (unknown, or the one no rotation has replaced).
    async fn withdraw_signing_key(&self, kid: &str, at: Timestamp) -> StoreResult<bool>;
}
