//! The kernel's own answers: configuration, time, readiness, issuer URLs.

use crate::config::CoreConfig;
use crate::error::CoreResult;
use crate::service::services::Kernel;

/// The path segment of the identity-token issuer (no pool id looks like it).
pub const IDENTITY_ISSUER_PATH: &str = "identity";

impl Kernel {
    /// Waits until codes handed to the delivery have been sent: before the process ends.
    pub async fn flush_delivery(&self) {
        self.delivery.flush().await;
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Reachability of the store, for readiness probes.
    pub async fn ready(&self) -> CoreResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The issuer of identity pools' OpenID tokens (GetOpenIdToken): `<public URL>/identity`,
    /// whose metadata and JWKS the OIDC door serves where a pool's would be.
    pub fn identity_issuer(&self) -> String {
        format!("{}/{IDENTITY_ISSUER_PATH}", self.config.public_url.trim_end_matches('/'))
    }

    /// The issuer of a pool's tokens.
    pub fn issuer(&self, pool: &crate::model::Pool) -> String {
        pool.settings
            .issuer
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.config.public_url.trim_end_matches('/'), pool.id))
    }
}
