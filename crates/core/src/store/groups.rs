//! Groups of a pool and their members.

use async_trait::async_trait;

use crate::model::{Group, User};

use super::StoreResult;

#[async_trait]
pub trait GroupStore: Send + Sync {
    /// `StoreError::Conflict` if the pool already has a group of this name (names are exact).
    async fn insert_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;
    /// A pool's groups ordered by name, after `after` (exclusive).
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>>;
    /// Writes the group's description, precedence, role and `updated_at`. False if there was no
    /// such group.
    async fn update_group(&self, group: &Group) -> StoreResult<bool>;
    /// Deletes the group and every membership in it. False if there was no such group.
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Makes the user a member of the group (idempotent). True if they were not one before;
    /// false, writing nothing, when they were or when the group or the user (in that pool) does
    /// not exist.
    async fn add_user_to_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool>;
    /// False if the user was not a member.
    async fn remove_user_from_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool>;
    /// The user's groups ordered by name, after `after` (exclusive). One indexed read: sign-ins
    /// and code grants call it for their tokens.
    async fn list_groups_for_user(&self, user_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>>;
    /// The group's members ordered by normalised username, after `after` (exclusive).
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;
}
