//! Failed-attempt counting: per user and source address, per user over unfamiliar addresses,
//! per source address, and per user for MFA codes. Attempt ids are the server's own (a
//! client-chosen id, held fixed, would make every failure count once). Keys are hashed, so a
//! username of any length makes a key the store can index.
//!
//! Nobody elsewhere can lock a user out: wrong passwords from one address refuse that address
//! for that user (`per_user`), not the user everywhere. What bounds a guesser with many addresses
//! is a per-user ceiling over every address the user has not signed in from (`per_user_ceiling`);
//! past it, an address the user signed in from in the last 90 days, or a browser holding the
//! remembered-browser token the hosted pages set after a sign-in, still gets its own
//! `per_user` tries. Attempts are refused by a read that records nothing, so an attacker who
//! keeps trying is let in again a window after his failures, not after he stops.
//!
//! A user's attempt is counted before its password or code is checked, and taken back if it
//! succeeds or cannot be checked (an overloaded hashing queue, a store error): counted after, a
//! burst of concurrent guesses would all pass a limit none of them had reached. A source
//! address's failures are counted after (its limit is checked before), so sign-ins in flight
//! from one address, all right, are never refused for each other.

use base64::Engine;
use subtle::ConstantTimeEq;

use crate::crypto::random::sha256;
use crate::error::{CoreError, CoreResult};
use crate::error::{Limit, Refusal};
use crate::service::services::Kernel;

/// How long an address a user signed in from stays familiar, and how long a remembered-browser
/// token is good for (seconds).
pub const REMEMBER_SECS: i64 = 90 * 86_400;

/// The answer once a user's failures reach the limit, even with the right password, until the
/// window has passed: a refusal, not a throttle (the Cognito door words it as Cognito does, an
/// error botocore does not retry).
fn attempts_exceeded() -> CoreError {
    CoreError::refused(Refusal::AttemptsExceeded, "Password attempts exceeded")
}

/// The per-user ceiling's key: failures from addresses the user has not signed in from.
pub(crate) fn user_key(user_key: &str) -> String {
    format!("user:{}", hex::encode(sha256(user_key.as_bytes())))
}

/// A key for one user at one source address (an IPv6 /64): `usrc` counts its failures, `seen`
/// remembers a sign-in from there (the address is familiar).
fn user_source(prefix: &str, user: &str, source: &str) -> String {
    format!("{prefix}:{}", hex::encode(sha256(format!("{user}\n{}", source_bucket(source)).as_bytes())))
}

fn user_source_key(user: &str, source: &str) -> String {
    user_source("usrc", user, source)
}

fn seen_key(user: &str, source: &str) -> String {
    user_source("seen", user, source)
}

/// Wrong MFA codes, counted apart from passwords: a right password must not clear them, or a
/// caller who holds the password could guess codes without end.
fn mfa_key(user_id: &str) -> String {
    format!("mfa:{}", hex::encode(sha256(user_id.as_bytes())))
}

pub(crate) fn source_key(source: &str) -> String {
    format!("src:{}", source_bucket(source))
}

/// What counts as one source address: an IPv4 address, or an IPv6 address's /64 (one host or
/// site holds a whole /64, and could otherwise take a new address per attempt).
pub(crate) fn source_bucket(source: &str) -> String {
    match source.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => source.to_owned(),
    }
}

impl Kernel {
    fn window_start(&self) -> i64 {
        self.clock.now() - self.config.throttle.window_secs
    }

    /// Refuses a password attempt from a source address at its limit, before anything is read
    /// for it (`reserve_password_attempt` follows).
    pub(crate) async fn check_password_source(&self, source: &str) -> CoreResult<()> {
        if self.store.count_failures(&source_key(source), self.window_start()).await? >= self.config.throttle.per_source
        {
            return Err(CoreError::throttled(Limit::Busy, "Too many requests"));
        }
        Ok(())
    }

    /// Counts a password attempt against the user before the password is checked (once the
    /// source passed `check_password_source`): against the user and this address, and, unless
    /// the address or browser is familiar (`remembered`: the browser showed the user's
    /// remembered-browser token), against the user's ceiling. Refuses, counting nothing, at
    /// either limit. What follows is one of [`Self::password_attempt_failed`],
    /// [`Self::password_attempt_succeeded`] or [`Self::password_attempt_unchecked`].
    pub(crate) async fn reserve_password_attempt(
        &self,
        user: &str,
        source: &str,
        remembered: bool,
        attempt_id: &str,
    ) -> CoreResult<()> {
        let since = self.window_start();
        let now = self.clock.now();
        let per_user = self.config.throttle.per_user;
        let ceiling = self.config.throttle.per_user_ceiling.max(per_user);
        let (pair, usr) = (user_source_key(user, source), user_key(user));
        let both = [(pair.as_str(), per_user), (usr.as_str(), ceiling)];
        match self.store.reserve_attempt(&both, attempt_id, now, since).await? {
            None => Ok(()),
            Some(0) => Err(attempts_exceeded()),
            // Past the ceiling: a familiar address or browser still has its own tries (read only
            // now, so the usual sign-in costs no extra read).
            Some(_) => {
                let familiar =
                    remembered || self.store.signed_in_since(&seen_key(user, source), now - REMEMBER_SECS).await?;
                if !familiar {
                    return Err(attempts_exceeded());
                }
                match self.store.reserve_attempt(&both[..1], attempt_id, now, since).await? {
                    None => Ok(()),
                    Some(_) => Err(attempts_exceeded()),
                }
            }
        }
    }

    /// A wrong password (or an unknown user): the user's attempt stays counted, and the source
    /// address's failure is counted.
    pub(crate) async fn password_attempt_failed(&self, source: &str, attempt_id: &str) -> CoreResult<()> {
        let now = self.clock.now();
        self.store.record_failure(&source_key(source), attempt_id, now, self.window_start()).await?;
        Ok(())
    }

    /// The right password: this address's failures for the user are forgotten, the attempt is
    /// taken back from the ceiling (whose other failures stay: a guesser's count does not start
    /// again each time the user signs in), and the address becomes familiar.
    pub(crate) async fn password_attempt_succeeded(
        &self,
        user: &str,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<()> {
        self.store.clear_failures(&user_source_key(user, source)).await?;
        self.store.release_attempt(&user_key(user), attempt_id).await?;
        Ok(self.store.remember_sign_in(&seen_key(user, source), self.clock.now()).await?)
    }

    /// The password could not be checked (the hashing queue was full, the store failed): the
    /// attempt does not count, so retries of an overloaded call do not lock the user out.
    pub(crate) async fn password_attempt_unchecked(&self, user: &str, source: &str, attempt_id: &str) {
        for key in [user_source_key(user, source), user_key(user)] {
            if let Err(e) = self.store.release_attempt(&key, attempt_id).await {
                tracing::warn!(error = %e, "could not take back an unchecked sign-in attempt");
            }
        }
    }

    /// A token for a browser that has just signed in as the user `user_id` of `pool_id` (the
    /// hosted pages keep it in a cookie): shown with a later sign-in as that user, it makes the
    /// browser familiar past the per-user ceiling. `<issued at>.<MAC>`, good for `REMEMBER_SECS`.
    pub fn remember_browser(&self, pool_id: &str, user_id: &str) -> String {
        let at = self.clock.now();
        format!("{at}.{}", self.remembered_mac(pool_id, user_id, at))
    }

    /// Whether `token` is a live remembered-browser token for the user `user_id` of `pool_id`.
    pub(crate) fn is_remembered(&self, pool_id: &str, user_id: &str, token: &str) -> bool {
        let Some((at, mac)) = token.split_once('.') else {
            return false;
        };
        let Ok(at) = at.parse::<i64>() else {
            return false;
        };
        let age = self.clock.now() - at;
        (-300..REMEMBER_SECS).contains(&age)
            && bool::from(self.remembered_mac(pool_id, user_id, at).as_bytes().ct_eq(mac.as_bytes()))
    }

    fn remembered_mac(&self, pool_id: &str, user_id: &str, at: i64) -> String {
        let data = format!("{pool_id}\n{user_id}\n{at}");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.master.mac("remembered browser", data.as_bytes()))
    }

    /// Counts an MFA answer against the user, over every session, before it is checked; refuses
    /// once the user's wrong codes reach the limit.
    pub(crate) async fn reserve_mfa_attempt(&self, user_id: &str, attempt_id: &str) -> CoreResult<()> {
        let key = mfa_key(user_id);
        let now = self.clock.now();
        let limits = [(key.as_str(), self.config.throttle.per_user)];
        if self.store.reserve_attempt(&limits, attempt_id, now, self.window_start()).await?.is_some() {
            return Err(CoreError::refused(
                Refusal::AttemptsExceeded,
                "Too many invalid credentials attempts. User temporarily locked.",
            ));
        }
        Ok(())
    }

    /// An MFA answer that is not to count (a replayed right code, one that could not be checked).
    pub(crate) async fn release_mfa_attempt(&self, user_id: &str, attempt_id: &str) -> CoreResult<()> {
        Ok(self.store.release_attempt(&mfa_key(user_id), attempt_id).await?)
    }

    pub(crate) async fn clear_mfa_failures(&self, user_id: &str) -> CoreResult<()> {
        Ok(self.store.clear_failures(&mfa_key(user_id)).await?)
    }

    /// Counts one use of a rate-limited action (codes sent, unauthenticated identities made)
    /// and refuses past `limit` an hour. A refusal is a read that records nothing, so a caller
    /// that keeps retrying is let in again an hour after its first uses, not after it stops.
    pub(crate) async fn spend_quota(&self, key: &str, attempt_id: &str, limit: u32) -> CoreResult<()> {
        self.spend_quotas(&[(key, limit)], attempt_id).await
    }

    /// One use of the hourly quota `what` of the caller's source address (an IPv6 /64), whatever
    /// the call names; past `limit` the caller is told to slow down (`refusal`). Returns the
    /// source's bucket.
    pub(crate) async fn spend_source_quota(
        &self,
        what: &str,
        source: &str,
        attempt_id: &str,
        limit: u32,
        refusal: &str,
    ) -> CoreResult<String> {
        let bucket = source_bucket(source);
        match self.spend_quota(&format!("{what}:{bucket}"), attempt_id, limit).await {
            Err(CoreError::Throttled(..)) => Err(CoreError::throttled(Limit::Busy, refusal)),
            other => other.map(|()| bucket),
        }
    }

    /// One use of each of several hourly quotas, all or none.
    pub(crate) async fn spend_quotas(&self, quotas: &[(&str, u32)], attempt_id: &str) -> CoreResult<()> {
        let now = self.clock.now();
        if self.store.reserve_attempt(quotas, attempt_id, now, now - 3600).await?.is_some() {
            return Err(CoreError::throttled(Limit::Exceeded, "Attempt limit exceeded, please try after some time."));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::source_bucket;

    #[test]
    fn an_ipv6_source_is_its_64() {
        assert_eq!(source_bucket("2001:db8:1:2:aaaa::1"), source_bucket("2001:db8:1:2:bbbb::9"));
        assert_ne!(source_bucket("2001:db8:1:2::1"), source_bucket("2001:db8:1:3::1"));
        assert_eq!(source_bucket("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(source_bucket("192.0.2.7"), "192.0.2.7");
        assert_eq!(source_bucket("unknown"), "unknown");
    }
}
