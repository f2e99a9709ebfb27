//! What OAuth grants leave behind: authorization codes, client assertions, consent.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::model::{AuthorizationCode, RefreshFamily};

use super::StoreResult;

#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Inserts the code while the user's session epoch is still `code.user_epoch`; `Stale`
    /// otherwise.
    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    async fn get_authorization_code(&self, code_hash: &[u8]) -> StoreResult<Option<AuthorizationCode>>;
    /// Marks the code redeemed and inserts the family of its tokens, in one transaction; false
    /// (nothing written) if the code was already redeemed or has expired at `at`; `Stale`
    /// (nothing written) if the user's session epoch is no longer `user_epoch`.
    async fn redeem_authorization_code(
        &self,
        code_hash: &[u8],
        at: Timestamp,
        family: &RefreshFamily,
        user_epoch: i64,
    ) -> StoreResult<bool>;
    /// Records a client assertion's `jti` (hashed) until `expires_at`; false if the client
    /// already used it (a replay). Forgets assertions that expired before `now`.
    async fn record_client_assertion(
        &self,
        client_id: &str,
        jti_hash: &[u8],
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// The scopes (space-separated) the user consented to for the client, if any.
    async fn get_consent(&self, user_id: &str, client_id: &str) -> StoreResult<Option<String>>;
    /// Records (replaces) the user's consent for the client.
    async fn put_consent(&self, user_id: &str, client_id: &str, scope: &str, at: Timestamp) -> StoreResult<()>;
}
