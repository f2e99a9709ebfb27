//! Self-managed token issuers.

use async_trait::async_trait;

use crate::model::Issuer;

use super::StoreResult;

#[async_trait]
pub trait IssuerStore: Send + Sync {
    /// Adds or replaces the issuer with this `iss`.
    async fn put_issuer(&self, issuer: &Issuer) -> StoreResult<()>;
    async fn get_issuer(&self, iss: &str) -> StoreResult<Option<Issuer>>;
    async fn list_issuers(&self) -> StoreResult<Vec<Issuer>>;
    async fn delete_issuer(&self, iss: &str) -> StoreResult<bool>;
    /// Writes `new` (same `iss`) in place of `old` if the stored issuer is still `old`; false,
    /// writing nothing, when it was replaced or removed meanwhile (a key refresh must not undo
    /// that).
    async fn replace_issuer(&self, old: &Issuer, new: &Issuer) -> StoreResult<bool>;
}
