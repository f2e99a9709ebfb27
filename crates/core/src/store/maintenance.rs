//! Reachability and the sweep of what expired.

use async_trait::async_trait;

use crate::clock::Timestamp;

use super::StoreResult;

/// What the sweep deletes: rows whose expiry (a failure's time) is at or before these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepBefore {
    /// Refresh families: kept past their refresh token's expiry for as long as an access token
    /// refreshed at the last moment lives, since access tokens are checked against them.
    pub families: Timestamp,
    /// Authorization codes: redeemed ones are kept a while for replay detection.
    pub authorization_codes: Timestamp,
    /// Challenges, one-time codes, browser sessions, temporary credentials, client assertions.
    pub short_lived: Timestamp,
    /// Failed attempts older than the throttle window.
    pub failures: Timestamp,
    /// Remembered sign-in addresses no longer familiar.
    pub sign_in_sources: Timestamp,
}

#[async_trait]
pub trait Maintenance: Send + Sync {
    /// Reachability, for `/ready`.
    async fn ping(&self) -> StoreResult<()>;
    /// Deletes what expired before the cut-offs; returns how many rows went.
    async fn sweep(&self, before: &SweepBefore) -> StoreResult<u64>;
}
