//! Identity pools, their identities and temporary credentials.

use async_trait::async_trait;

use crate::model::{Identity, IdentityPool, TemporaryCredentials};

use super::StoreResult;

#[async_trait]
pub trait IdentityStore: Send + Sync {
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    async fn get_identity_pool(&self, id: &str) -> StoreResult<Option<IdentityPool>>;
    async fn update_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    /// Identity pools ordered by id, after `after` (exclusive).
    async fn list_identity_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<IdentityPool>>;
    /// Deletes the identity pool with its identities and credentials.
    async fn delete_identity_pool(&self, id: &str) -> StoreResult<bool>;
    /// The identity of `login` in the pool, created as `candidate` if there is none yet; safe
    /// under concurrency (one identity per login).
    async fn get_or_create_identity(&self, candidate: &Identity) -> StoreResult<Identity>;
    async fn get_identity(&self, id: &str) -> StoreResult<Option<Identity>>;
    async fn insert_credentials(&self, creds: &TemporaryCredentials) -> StoreResult<()>;
    async fn get_credentials(&self, access_key_id: &str) -> StoreResult<Option<TemporaryCredentials>>;
}
