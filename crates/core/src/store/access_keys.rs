//! Long-lived access keys of the admin API.

use async_trait::async_trait;

use crate::model::AccessKey;

use super::StoreResult;

#[async_trait]
pub trait AccessKeyStore: Send + Sync {
    async fn insert_access_key(&self, key: &AccessKey) -> StoreResult<()>;
    async fn get_access_key(&self, id: &str) -> StoreResult<Option<AccessKey>>;
    async fn list_access_keys(&self) -> StoreResult<Vec<AccessKey>>;
    async fn delete_access_key(&self, id: &str) -> StoreResult<bool>;
}
