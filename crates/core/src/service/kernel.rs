//! The kernel's own answers: configuration, time, readiness, issuer URLs.

use crate::config::CoreConfig;
use crate::error::CoreResult;
use crate::service::services::Kernel;

/// How long work handed to `after_answer` waits before it starts.
const AFTER_ANSWER_DELAY: std::time::Duration = std::time::Duration::from_millis(20);

/// The path segment of the identity-token issuer (no pool id looks like it).
pub const IDENTITY_ISSUER_PATH: &str = "identity";

impl Kernel {
    /// Waits until the work done after answers (`after_answer`) has finished and codes handed to
    /// the delivery have been sent: before the process ends.
    pub async fn flush_delivery(&self) {
        let mut pending = std::mem::take(&mut *self.background.lock().expect("background work lock"));
        while pending.join_next().await.is_some() {}
        self.delivery.flush().await;
    }

    /// Runs `work` on a task of its own while the answer goes out: for work whose duration
    /// would otherwise tell the caller what it was (a reset code stored and sent for a real user,
    /// where a name no user has costs nothing). One piece at a time, in the order handed over
    /// (the lock is fair), so of two codes sent for one user the one stored last is sent last.
    /// `flush_delivery` waits for it.
    pub(crate) fn after_answer(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let turn = self.background_turn.clone();
        let mut pending = self.background.lock().expect("background work lock");
        while pending.try_join_next().is_some() {}
        pending.spawn(async move {
            // Not while the answer is being written: on a busy machine the work would slow it.
            tokio::time::sleep(AFTER_ANSWER_DELAY).await;
            let _turn = turn.lock().await;
            work.await;
        });
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
