//! Failed-attempt counting, per user and per source address, and per user for MFA codes. Attempt
//! ids are the server's own (a client-chosen id, held fixed, would make every failure count once).
//! Keys are hashed, so a username of any length makes a key the store can index.

use super::Warden;
use crate::crypto::random::sha256;
use crate::error::{CoreError, CoreResult};

/// Cognito's answer once a user's failures reach the limit: NotAuthorized (which botocore does
/// not retry), even with the right password, until the window has passed.
fn attempts_exceeded() -> CoreError {
    CoreError::not_authorized("Password attempts exceeded")
}

pub(crate) fn user_key(user_key: &str) -> String {
    format!("user:{}", hex::encode(sha256(user_key.as_bytes())))
}

/// Wrong MFA codes, counted apart from passwords: a right password must not clear them, or a
/// caller who holds the password could guess codes without end.
fn mfa_key(user_id: &str) -> String {
    format!("mfa:{}", hex::encode(sha256(user_id.as_bytes())))
}

pub(crate) fn source_key(source: &str) -> String {
    format!("src:{source}")
}

impl Warden {
    fn window_start(&self) -> i64 {
        self.clock.now() - self.config.throttle.window_secs
    }

    /// Refuses before any work when the user or the source is over its limit; returns the
    /// user's recent failures.
    pub(crate) async fn check_throttle(&self, user: Option<&str>, source: &str) -> CoreResult<u32> {
        let since = self.window_start();
        if self.store.count_failures(&source_key(source), since).await? >= self.config.throttle.per_source {
            return Err(CoreError::TooManyRequests("Too many requests".into()));
        }
        let Some(u) = user else {
            return Ok(0);
        };
        let failures = self.store.count_failures(&user_key(u), since).await?;
        if failures >= self.config.throttle.per_user {
            return Err(attempts_exceeded());
        }
        Ok(failures)
    }

    /// Refuses an MFA answer once the user's wrong codes, over every session, reach the limit.
    pub(crate) async fn check_mfa_throttle(&self, user_id: &str) -> CoreResult<()> {
        if self.store.count_failures(&mfa_key(user_id), self.window_start()).await? >= self.config.throttle.per_user {
            return Err(CoreError::not_authorized("Too many invalid credentials attempts. User temporarily locked."));
        }
        Ok(())
    }

    pub(crate) async fn record_mfa_failure(&self, user_id: &str, attempt_id: &str) -> CoreResult<()> {
        let now = self.clock.now();
        self.store.record_failure(&mfa_key(user_id), attempt_id, now, self.window_start()).await?;
        Ok(())
    }

    pub(crate) async fn clear_mfa_failures(&self, user_id: &str) -> CoreResult<()> {
        Ok(self.store.clear_failures(&mfa_key(user_id)).await?)
    }

    pub(crate) async fn record_failed_attempt(
        &self,
        user: Option<&str>,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<()> {
        let now = self.clock.now();
        let since = self.window_start();
        self.store.record_failure(&source_key(source), attempt_id, now, since).await?;
        if let Some(u) = user {
            self.store.record_failure(&user_key(u), attempt_id, now, since).await?;
        }
        Ok(())
    }

    pub(crate) async fn clear_user_failures(&self, user: &str) -> CoreResult<()> {
        Ok(self.store.clear_failures(&user_key(user)).await?)
    }

    /// Counts one use of a rate-limited action (codes sent) and refuses past `limit`.
    pub(crate) async fn spend_quota(&self, key: &str, attempt_id: &str, limit: u32) -> CoreResult<()> {
        let now = self.clock.now();
        let n = self.store.record_failure(key, attempt_id, now, now - 3600).await?;
        if n > limit {
            return Err(CoreError::LimitExceeded("Attempt limit exceeded, please try after some time.".into()));
        }
        Ok(())
    }
}
