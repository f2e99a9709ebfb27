//! Refresh-token families: the sessions tokens are issued from.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::model::{Group, RefreshFamily, User};

use super::StoreResult;

/// How a refresh family is looked up.
#[derive(Debug, Clone, Copy)]
pub enum FamilyKey<'a> {
    /// Its id, the tokens' `origin_jti`.
    Id(&'a str),
    /// The SHA-256 of its refresh token.
    TokenHash(&'a [u8]),
}

#[async_trait]
pub trait FamilyStore: Send + Sync {
    /// Inserts a sign-in's family while the user's session epoch is still `user_epoch` (the one
    /// the sign-in read): `Stale`, writing nothing, once their sessions were ended meanwhile.
    async fn insert_family(&self, family: &RefreshFamily, user_epoch: i64) -> StoreResult<()>;
    async fn get_family(&self, id: &str) -> StoreResult<Option<RefreshFamily>>;
    async fn get_family_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<RefreshFamily>>;
    /// A family and its user in one read (the refresh and access-token hot paths).
    async fn get_family_with_user(&self, key: FamilyKey<'_>) -> StoreResult<Option<(RefreshFamily, User)>>;
    /// `get_family_with_user` and the user's groups (in no particular order) in one read: the
    /// refresh paths, which put the groups in the tokens they sign.
    async fn get_family_with_user_and_groups(
        &self,
        key: FamilyKey<'_>,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>>;
    /// Revokes one family (idempotent). Returns false if no such family.
    async fn revoke_family(&self, id: &str, at: Timestamp) -> StoreResult<bool>;
    /// Ends every session of a user, in one transaction: bumps their session epoch (so sign-ins
    /// under way can write nothing more), revokes every live family, and deletes their browser
    /// sessions, open challenges and unredeemed authorization codes (redeemed ones stay, for
    /// replay detection). Returns how many families were revoked.
    async fn revoke_user_families(&self, user_id: &str, at: Timestamp) -> StoreResult<u64>;
    /// Replaces the family's refresh token if `old_hash` is still its current one and the family
    /// is not revoked, and keeps `old_hash` as retired (reuse detection), atomically. False
    /// otherwise.
    async fn rotate_refresh_token(
        &self,
        family_id: &str,
        old_hash: &[u8],
        new_hash: &[u8],
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// A whole refresh with rotation: the family whose current token hash is `old_hash` gets
    /// `new_hash` (the old one retired as by `rotate_refresh_token`) if it was issued to
    /// `client_id`, is neither revoked nor expired at `at`, and its user is enabled. Returns the
    /// family as rotated, its user and the user's groups; `None`, with nothing changed, when any
    /// of that fails (the caller reads to learn why).
    async fn rotate_refresh_token_by_hash(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        client_id: &str,
        at: Timestamp,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>>;
    /// The family a rotated-out refresh token belonged to.
    async fn get_retired_refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<String>>;
}
