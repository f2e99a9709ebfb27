//! Failed-attempt counting, per user and per source address, and per user for MFA codes. Attempt
//! ids are the server's own (a client-chosen id, held fixed, would make every failure count once).
//! Keys are hashed, so a username of any length makes a key the store can index.
//!
//! An attempt is counted before its password or code is checked and taken back if it succeeds:
//! counted after, a burst of concurrent guesses would all pass a limit none of them had reached.

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

    /// Counts a password attempt against the source address and the user before the password
    /// is checked; refuses, counting nothing, when either is at its limit. A failure then needs
    /// nothing more; a success calls [`Self::password_attempt_succeeded`].
    pub(crate) async fn reserve_password_attempt(&self, user: &str, source: &str, attempt_id: &str) -> CoreResult<()> {
        let (src, usr) = (source_key(source), user_key(user));
        let limits = [(src.as_str(), self.config.throttle.per_source), (usr.as_str(), self.config.throttle.per_user)];
        let now = self.clock.now();
        match self.store.reserve_attempt(&limits, attempt_id, now, self.window_start()).await? {
            None => Ok(()),
            Some(0) => Err(CoreError::TooManyRequests("Too many requests".into())),
            Some(_) => Err(attempts_exceeded()),
        }
    }

    /// The right password: the attempt does not count against the source, and the user's
    /// failures are forgotten.
    pub(crate) async fn password_attempt_succeeded(
        &self,
        user: &str,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<()> {
        self.store.release_attempt(&source_key(source), attempt_id).await?;
        Ok(self.store.clear_failures(&user_key(user)).await?)
    }

    /// Counts an MFA answer against the user, over every session, before it is checked; refuses
    /// once the user's wrong codes reach the limit.
    pub(crate) async fn reserve_mfa_attempt(&self, user_id: &str, attempt_id: &str) -> CoreResult<()> {
        let key = mfa_key(user_id);
        let now = self.clock.now();
        let limits = [(key.as_str(), self.config.throttle.per_user)];
        if self.store.reserve_attempt(&limits, attempt_id, now, self.window_start()).await?.is_some() {
            return Err(CoreError::not_authorized("Too many invalid credentials attempts. User temporarily locked."));
        }
        Ok(())
    }

    /// An MFA answer that is not to count (a replayed right code).
    pub(crate) async fn release_mfa_attempt(&self, user_id: &str, attempt_id: &str) -> CoreResult<()> {
        Ok(self.store.release_attempt(&mfa_key(user_id), attempt_id).await?)
    }

    pub(crate) async fn clear_mfa_failures(&self, user_id: &str) -> CoreResult<()> {
        Ok(self.store.clear_failures(&mfa_key(user_id)).await?)
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
