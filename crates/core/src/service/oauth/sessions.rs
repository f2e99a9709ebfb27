//! Hosted-login browser sessions: single sign-on across the clients of a pool. The cookie value
//! is random and stored only as its hash; a session ends at logout, on expiry, when the user is
//! disabled or deleted, and whenever the user's tokens are all revoked (global sign-out, an
//! administrator's sign-out, password set or reset, a forgotten password reset).

use crate::crypto::random;
use crate::error::CoreResult;
use crate::model::{BrowserSession, User, UserStatus};
use crate::service::services::OAuth;

/// A browser's live session and its user.
#[derive(Debug, Clone)]
pub struct SignedInBrowser {
    pub user: User,
    pub auth_time: i64,
    pub amr: String,
    /// The user's session epoch when this browser signed in: what it issues is refused once
    /// the user's sessions were ended since.
    pub user_epoch: i64,
}

impl OAuth {
    /// Starts a session for a user who just signed in on the hosted pages; returns the cookie value.
    pub async fn start_browser_session(
        &self,
        pool_id: &str,
        user: &User,
        auth_time: i64,
        amr: &str,
    ) -> CoreResult<String> {
        let cookie = random::opaque_token();
        let now = self.kernel.clock.now();
        let session = BrowserSession {
            id_hash: random::sha256(cookie.as_bytes()),
            pool_id: pool_id.to_owned(),
            user_id: user.id.clone(),
            auth_time,
            amr: amr.to_owned(),
            created_at: now,
            expires_at: now + self.kernel.config.browser_session_ttl_secs,
            user_epoch: user.session_epoch,
        };
        self.kernel.store.insert_browser_session(&session).await?;
        Ok(cookie)
    }

    /// The browser's session in `pool_id`, if the cookie names a live one whose user is enabled.
    pub async fn browser_session(&self, pool_id: &str, cookie: &str) -> CoreResult<Option<SignedInBrowser>> {
        let Some(session) = self.kernel.store.get_browser_session(&random::sha256(cookie.as_bytes())).await? else {
            return Ok(None);
        };
        if session.pool_id != pool_id || session.expires_at <= self.kernel.clock.now() {
            return Ok(None);
        }
        let Some(user) = self.kernel.store.get_user(pool_id, &session.user_id).await? else {
            return Ok(None);
        };
        // A user who must change or reset a password signs in again first.
        if !user.enabled || user.status != UserStatus::Confirmed {
            return Ok(None);
        }
        if user.session_epoch != session.user_epoch {
            return Ok(None);
        }
        Ok(Some(SignedInBrowser {
            user,
            auth_time: session.auth_time,
            amr: session.amr,
            user_epoch: session.user_epoch,
        }))
    }

    /// Ends the browser session the cookie names (logout); unknown cookies are ignored.
    pub async fn end_browser_session(&self, cookie: &str) -> CoreResult<()> {
        self.kernel.store.delete_browser_session(&random::sha256(cookie.as_bytes())).await?;
        Ok(())
    }
}
