//! Checking this deployment's tokens: a JWT's signature and claims (from memory when this
//! exact token was verified lately), an access token with its live family and user.
use super::token_state::FamilyAndUser;
use crate::crypto::keys::VerifyError;
use crate::error::{CoreError, CoreResult, Refusal};
use crate::model::{Pool, User};
use crate::service::oauth::scopes::COGNITO_ADMIN_SCOPE;
use crate::service::services::Tokens;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

use super::tokens::{invalid_access_token, AccessClaims};

impl Tokens {
    /// Checks one of this deployment's JWTs and parses its claims (`Tokens::verify_own`), from
    /// memory when this exact token was verified in the last `CLAIMS_TTL`.
    pub(crate) async fn verified_claims(&self, token: &str) -> crate::error::CoreResult<Option<Arc<Value>>> {
        let hash = crate::crypto::random::sha256(token.as_bytes());
        let now = self.kernel.clock.now();
        let (found, generation) = self.kernel.store.tokens.claims(&hash, now);
        if found.is_some() {
            return Ok(found);
        }
        let Some(claims) = self.verify_own::<Value>(token).await? else {
            return Ok(None);
        };
        let claims = Arc::new(claims);
        self.kernel.store.tokens.put_claims(hash, claims.clone(), generation, now);
        Ok(Some(claims))
    }

    /// A family by id with its user, from memory when read in the last `FAMILY_TTL` and nothing
    /// this process wrote since could have changed it.
    pub(crate) async fn family_with_user(&self, id: &str) -> crate::error::CoreResult<Option<FamilyAndUser>> {
        let now = self.kernel.clock.now();
        let (found, generation) = self.kernel.store.tokens.family(id, now);
        if let Some(found) = found {
            return Ok(found);
        }
        let found = self.kernel.store.get_family_with_user(crate::store::FamilyKey::Id(id)).await?.map(Arc::new);
        self.kernel.store.tokens.put_family(id, found.clone(), generation, now);
        Ok(found)
    }

    /// Checks one of this deployment's JWTs against the key ring (re-read when the `kid` is
    /// unknown, at most once a second: another instance may have rotated) and parses its claims.
    /// `None` when it is not a token this deployment signed; expiry and issuer are the caller's
    /// to check.
    pub(crate) async fn verify_own<T: serde::de::DeserializeOwned>(&self, token: &str) -> CoreResult<Option<T>> {
        let now = self.kernel.clock.now();
        match self.keys.verify(token, now) {
            Ok(claims) => Ok(Some(claims)),
            Err(VerifyError::UnknownKey) => {
                // One re-read at a time; whoever waited checks again first.
                let mut reloaded_at = self.keys_reloaded_at.lock().await;
                if let Ok(claims) = self.keys.verify(token, now) {
                    return Ok(Some(claims));
                }
                if *reloaded_at >= now {
                    // Re-read this second already: a key it did not bring is not ours.
                    return Ok(None);
                }
                self.reload_keys_at(now).await?;
                *reloaded_at = now;
                Ok(self.keys.verify(token, now).ok())
            }
            Err(VerifyError::Invalid) => Ok(None),
        }
    }

    /// Verifies an access token: signature, expiry, issuer, and that neither its family nor its
    /// user has been revoked or disabled. Returns the claims and the user.
    pub async fn verify_access_token(&self, token: &str) -> CoreResult<(AccessClaims, Pool, User)> {
        let claims = self.verified_claims(token).await?.ok_or_else(invalid_access_token)?;
        let (claims, pool, found) = self.check_access_claims(&claims).await?;
        Ok((claims, pool, found.1.clone()))
    }

    /// The checks of `verify_access_token` on claims whose signature is already verified: the
    /// one place that decides whether a user's access token is still good (the Cognito door,
    /// userinfo, introspection and bearer tokens at the gateway all come here).
    pub(crate) async fn check_access_claims(
        &self,
        claims: &serde_json::Value,
    ) -> CoreResult<(AccessClaims, Pool, super::token_state::FamilyAndUser)> {
        let invalid = invalid_access_token;
        let claims = AccessClaims::deserialize(claims).map_err(|_| invalid())?;
        if claims.token_use != "access" {
            return Err(invalid());
        }
        if claims.exp <= self.kernel.clock.now() {
            return Err(CoreError::refused(Refusal::TokenInvalid, "Access Token has expired"));
        }
        let found = self.family_with_user(&claims.origin_jti).await?.ok_or_else(invalid)?;
        let (family, user) = (&found.0, &found.1);
        let pool = self.kernel.pool(&family.pool_id).await.map_err(|_| invalid())?;
        if claims.iss != self.kernel.issuer(&pool)
            || family.user_id != claims.sub
            || family.client_id != claims.client_id
        {
            return Err(invalid());
        }
        if family.revoked_at.is_some() {
            return Err(CoreError::refused(Refusal::Disabled, "Access Token has been revoked"));
        }
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
        }
        Ok((claims, pool, found))
    }

    /// An access token for the Cognito API's self-service operations (GetUser, ChangePassword,
    /// GlobalSignOut, MFA set-up): it must carry `aws.cognito.signin.user.admin`, as Cognito
    /// requires, so a token granted only `openid` or custom scopes cannot change the account.
    pub async fn verify_self_service_token(&self, token: &str) -> CoreResult<(AccessClaims, Pool, User)> {
        let verified = self.verify_access_token(token).await?;
        if !verified.0.scope.split(' ').any(|s| s == COGNITO_ADMIN_SCOPE) {
            return Err(CoreError::refused(Refusal::NotPermitted, "Access Token does not have required scopes"));
        }
        Ok(verified)
    }
}
