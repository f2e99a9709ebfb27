//! The hourly sweep: what has expired is deleted, once nothing can need it.

use crate::error::CoreResult;
use crate::service::services::Kernel;
use crate::store::SweepBefore;

/// How long an access or id token can outlive its family's refresh token (the longest token
/// life, a day, refreshed at the last moment); temporary credentials got with that id token at
/// its last moment live `credentials_ttl_secs` more, and are checked against the family too.
const TOKEN_AFTERLIFE_SECS: i64 = 86_400;

/// How long a redeemed or expired authorization code is kept, so a replay is still recognised
/// (and the first redemption's tokens revoked, RFC 6749 §4.1.2).
const CODE_REPLAY_WINDOW_SECS: i64 = 86_400;

/// Slack for clock differences between instances.
const SKEW_SECS: i64 = 600;

impl Kernel {
    /// Deletes expired families, challenges, codes, browser sessions, temporary credentials,
    /// client assertions, failed attempts older than the throttle window and sign-in addresses
    /// no longer familiar. Returns how many rows went. Safe to run on every instance at once.
    pub async fn sweep_expired(&self) -> CoreResult<u64> {
        let now = self.clock.now();
        let before = SweepBefore {
            families: now - TOKEN_AFTERLIFE_SECS - self.config.credentials_ttl_secs.max(0) - SKEW_SECS,
            authorization_codes: now - CODE_REPLAY_WINDOW_SECS,
            short_lived: now - SKEW_SECS,
            failures: now - self.config.throttle.window_secs.max(3600) - SKEW_SECS,
            sign_in_sources: now - super::throttle::REMEMBER_SECS - SKEW_SECS,
        };
        Ok(self.store.sweep(&before).await?)
    }
}
