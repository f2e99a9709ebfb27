//! Resource servers and their scopes.

use async_trait::async_trait;

use crate::model::ResourceServer;

use super::StoreResult;

#[async_trait]
pub trait ResourceServerStore: Send + Sync {
    /// `StoreError::Conflict` if the pool already has a server with this identifier.
    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<Option<ResourceServer>>;
    /// A pool's servers ordered by identifier, after `after` (exclusive).
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>>;
    /// False if there was no such server.
    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<bool>;
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool>;
}
