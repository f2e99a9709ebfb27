//! User pools.

use async_trait::async_trait;

use crate::model::Pool;

use super::StoreResult;

#[async_trait]
pub trait PoolStore: Send + Sync {
    async fn insert_pool(&self, pool: &Pool) -> StoreResult<()>;
    async fn get_pool(&self, id: &str) -> StoreResult<Option<Pool>>;
    async fn update_pool(&self, pool: &Pool) -> StoreResult<()>;
    /// Pools ordered by id, after `after` (exclusive).
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<Pool>>;
    /// Deletes the pool and everything in it. Returns false if there was no such pool.
    async fn delete_pool(&self, id: &str) -> StoreResult<bool>;
}
