//! Sign-in challenges under way.

use async_trait::async_trait;

use crate::model::Challenge;

use super::StoreResult;

#[async_trait]
pub trait ChallengeStore: Send + Sync {
    /// Inserts the challenge while the user's session epoch is still `user_epoch`; `Stale`
    /// otherwise.
    async fn insert_challenge(&self, challenge: &Challenge, user_epoch: i64) -> StoreResult<()>;
    async fn get_challenge(&self, id_hash: &[u8]) -> StoreResult<Option<Challenge>>;
    /// Deletes the challenge; true only for the one caller that deleted it (single use).
    async fn consume_challenge(&self, id_hash: &[u8]) -> StoreResult<bool>;
    /// Counts a failed answer and returns the new count.
    async fn record_challenge_failure(&self, id_hash: &[u8]) -> StoreResult<u32>;
}
