//! App clients of a pool.

use async_trait::async_trait;

use crate::model::Client;

use super::StoreResult;

#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn insert_client(&self, client: &Client) -> StoreResult<()>;
    async fn get_client(&self, id: &str) -> StoreResult<Option<Client>>;
    async fn update_client(&self, client: &Client) -> StoreResult<()>;
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Client>>;
    /// Deletes the client and its token families.
    async fn delete_client(&self, id: &str) -> StoreResult<bool>;
}
