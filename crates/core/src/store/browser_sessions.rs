//! Hosted-login browser sessions.

use async_trait::async_trait;

use crate::model::BrowserSession;

use super::StoreResult;

#[async_trait]
pub trait BrowserSessionStore: Send + Sync {
    /// Inserts the session while the user's session epoch is still `session.user_epoch`;
    /// `Stale` otherwise.
    async fn insert_browser_session(&self, session: &BrowserSession) -> StoreResult<()>;
    async fn get_browser_session(&self, id_hash: &[u8]) -> StoreResult<Option<BrowserSession>>;
    async fn delete_browser_session(&self, id_hash: &[u8]) -> StoreResult<bool>;
}
