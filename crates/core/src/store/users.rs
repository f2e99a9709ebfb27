//! Users of a pool.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::model::User;

use super::StoreResult;

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `StoreError::Conflict` if the (case-insensitive) username is taken in the pool.
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, pool_id: &str, user_id: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_username(&self, pool_id: &str, username: &str) -> StoreResult<Option<User>>;
    /// Users whose attribute `name` equals `value` exactly (email, phone_number aliases).
    async fn find_users_by_attribute(&self, pool_id: &str, name: &str, value: &str) -> StoreResult<Vec<User>>;
    /// Writes `user` if the stored row is still at `user.version`, and bumps both; otherwise
    /// `StoreError::Stale` and nothing is written (the user changed or was deleted meanwhile).
    async fn update_user(&self, user: &mut User) -> StoreResult<()>;
    /// Users ordered by normalised username, after `after` (exclusive).
    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<User>>;
    /// Deletes the user with its families, challenges and codes.
    async fn delete_user(&self, pool_id: &str, user_id: &str) -> StoreResult<bool>;
    /// Writes `user` and ends every session of theirs (as `revoke_user_families`), in one
    /// transaction (password resets, admin password changes, disabling). Version-checked as
    /// `update_user`; `user.session_epoch` is bumped with the stored one.
    async fn update_user_revoking_families(&self, user: &mut User, at: Timestamp) -> StoreResult<()>;
}
