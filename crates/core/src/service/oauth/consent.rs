//! Consent for third-party clients: the hosted pages ask once per user and client (and again
//! when the client asks for more scopes, or with prompt=consent); first-party clients skip it.

use super::authorize::ValidAuthorize;
use super::scopes::Scopes;
use crate::error::CoreResult;
use crate::service::services::OAuth;

impl OAuth {
    /// Whether the user must be asked before a code is issued for `valid`.
    pub async fn needs_consent(&self, valid: &ValidAuthorize, user_id: &str) -> CoreResult<bool> {
        if !valid.client.settings.require_consent {
            return Ok(false);
        }
        if valid.prompt.consent {
            return Ok(true);
        }
        let Some(granted) = self.kernel.store.get_consent(user_id, &valid.client.id).await? else {
            return Ok(true);
        };
        let granted = Scopes::parse(&granted)?;
        Ok(valid.scope.0.iter().any(|s| !granted.contains(s)))
    }

    /// Remembers that the user consented to the request's scopes (added to earlier ones).
    pub async fn grant_consent(&self, valid: &ValidAuthorize, user_id: &str) -> CoreResult<()> {
        let mut scopes = match self.kernel.store.get_consent(user_id, &valid.client.id).await? {
            Some(s) => Scopes::parse(&s)?,
            None => Scopes::default(),
        };
        scopes.0.extend(valid.scope.0.iter().cloned());
        self.kernel
            .store
            .put_consent(user_id, &valid.client.id, &scopes.to_string_sorted(), self.kernel.clock.now())
            .await?;
        Ok(())
    }
}
