//! Failed-attempt counting, per user and per source address. A client's retries of one call share
//! an attempt id and are counted once.

use super::Warden;
use crate::error::{CoreError, CoreResult};

pub(crate) fn user_key(user_key: &str) -> String {
    format!("user:{user_key}")
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
            return Err(CoreError::LimitExceeded("Attempt limit exceeded, please try after some time.".into()));
        }
        Ok(failures)
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
