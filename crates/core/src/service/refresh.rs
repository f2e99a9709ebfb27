//! The one refresh rule: a refresh token (with rotation and reuse detection, where the client
//! rotates) for new tokens, whichever door asked: the token endpoint, a refresh-token sign-in,
//! a client refreshing with its own secret.

use crate::crypto::random;
use crate::error::{CoreError, CoreResult, Invalid, Refusal};
use crate::model::{Client, Group, RefreshFamily, User};
use crate::service::oauth::scopes::Scopes;
use crate::service::services::Tokens;
use crate::service::signin::AuthResult;
use crate::store::FamilyKey;
use serde::Serialize;

/// How the client of a refresh proves itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientProof<'a> {
    /// Authenticated already (the token endpoint's client authentication, a client secret).
    Authenticated,
    /// Not yet: a keyed hash of the token's user, checked once the token names the user (a
    /// client without a secret needs none; `None`: none was given).
    SecretHash(Option<&'a str>),
}

/// RFC 6749 §5.1.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

const INVALID_REFRESH: &str = "Invalid Refresh Token.";

pub(crate) fn grant_error(msg: &str) -> CoreError {
    CoreError::refused(Refusal::GrantInvalid, msg)
}

impl Tokens {
    /// The one refresh rule, for every door: the token endpoint's refresh grant, the Cognito
    /// API's refresh flows. A client whose tokens rotate gets a new refresh token and its old one
    /// retired (a retired token that comes back ends the whole family); `scope` narrows this
    /// answer's tokens (RFC 6749 §6).
    pub(crate) async fn refresh_grant(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
        proof: ClientProof<'_>,
    ) -> CoreResult<TokenResponse> {
        let hash = random::sha256(token.as_bytes());
        let now = self.kernel.clock.now();
        let narrowed = scope.is_some_and(|s| !s.is_empty());
        if client.settings.refresh_token_rotation && !narrowed && proof == ClientProof::Authenticated {
            // The common case in one step; any refusal is explained by the reads below.
            let fresh = random::opaque_token();
            let new_hash = random::sha256(fresh.as_bytes());
            if let Some((family, user, groups)) =
                self.kernel.store.rotate_refresh_token_by_hash(&hash, &new_hash, &client.id, now).await?
            {
                return self.refreshed(client, family, user, groups, Some(fresh)).await;
            }
        }
        let Some((family, user, groups)) =
            self.kernel.store.get_family_with_user_and_groups(FamilyKey::TokenHash(&hash)).await?
        else {
            if let Some(family_id) = self.kernel.store.get_retired_refresh_token(&hash).await? {
                // A rotated-out token came back: someone holds a copy. End the whole family.
                tracing::warn!(family = %family_id, "refresh token reuse; revoking its family");
                self.kernel.store.revoke_family(&family_id, now).await?;
            }
            return Err(grant_error(INVALID_REFRESH));
        };
        if family.client_id != client.id {
            return Err(grant_error(INVALID_REFRESH));
        }
        if family.revoked_at.is_some() {
            return Err(grant_error("Refresh Token has been revoked"));
        }
        if family.expires_at <= now {
            return Err(grant_error("Refresh Token has expired"));
        }
        if let ClientProof::SecretHash(given) = proof {
            self.kernel.check_secret_hash(client, given, &[&user.username, &user.id])?;
        }
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
        }
        // A narrower scope (RFC 6749 §6) shapes this answer's tokens only; the family keeps its grant.
        let mut family = family;
        if let Some(requested) = scope.filter(|s| !s.is_empty()) {
            let granted =
                Scopes::parse(family.scope.as_deref().unwrap_or(crate::service::oauth::scopes::COGNITO_ADMIN_SCOPE))?;
            let requested = Scopes::parse(requested)?;
            if requested.0.iter().any(|s| !granted.contains(s)) {
                return Err(CoreError::invalid_as(Invalid::Scope, "The scope exceeds what was granted"));
            }
            family.scope = Some(requested.to_string_sorted());
        }
        let new_refresh = if client.settings.refresh_token_rotation {
            let fresh = random::opaque_token();
            if !self
                .kernel
                .store
                .rotate_refresh_token(&family.id, &hash, &random::sha256(fresh.as_bytes()), now)
                .await?
            {
                return Err(grant_error(INVALID_REFRESH));
            }
            Some(fresh)
        } else {
            None
        };
        self.refreshed(client, family, user, groups, new_refresh).await
    }

    /// The tokens of a refresh that passed every check.
    async fn refreshed(
        &self,
        client: &Client,
        family: RefreshFamily,
        user: User,
        mut groups: Vec<Group>,
        new_refresh: Option<String>,
    ) -> CoreResult<TokenResponse> {
        let pool = self.kernel.pool(&family.pool_id).await?;
        let family = self
            .still_granted(client, family)
            .await?
            .ok_or_else(|| grant_error("The client may no longer use any scope this token was granted"))?;
        crate::service::group_claims::token_order(&mut groups);
        let (access_token, id_token) = self.sign_pair(&pool, client, &user, &family, None, &groups).await?;
        let openid = family.scope.as_deref().is_none_or(|s| s.split(' ').any(|s| s == "openid"));
        Ok(TokenResponse {
            access_token,
            id_token: openid.then_some(id_token),
            refresh_token: new_refresh,
            token_type: "Bearer",
            expires_in: client.settings.token_validity.access_secs,
            scope: family.scope.clone(),
        })
    }

    /// A family's grant as it stands now: only the scopes its client still allows, and of those
    /// custom scopes only the ones a resource server still defines (an administrator may have
    /// narrowed the client or deleted the API since). `None` when nothing is left.
    pub(crate) async fn still_granted(
        &self,
        client: &Client,
        mut family: RefreshFamily,
    ) -> CoreResult<Option<RefreshFamily>> {
        let Some(granted) = family.scope.as_deref() else {
            return Ok(Some(family));
        };
        let Some(allowed) = Scopes::still_allowed(client, granted) else {
            return Ok(None);
        };
        let undefined = self.kernel.undefined_custom_scopes(&family.pool_id, allowed.split(' ')).await?;
        let kept: Vec<&str> = allowed.split(' ').filter(|s| !undefined.contains(s)).collect();
        if kept.is_empty() {
            return Ok(None);
        }
        family.scope = Some(kept.join(" "));
        Ok(Some(family))
    }

    /// A refresh through a sign-in call: new access and id tokens in the same family, by the one
    /// refresh rule (`refresh_grant`). The refresh token is not rotated (Cognito's behaviour,
    /// which scribeauth depends on): a client whose tokens rotate is refused here, since a refresh
    /// that leaves the token current would let a stolen copy go unnoticed.
    pub(crate) async fn refresh(
        &self,
        client: &Client,
        refresh_token: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<AuthResult> {
        if client.settings.refresh_token_rotation {
            return Err(CoreError::refused(
                Refusal::NotPermitted,
                "Refresh token rotation is on for this client: refresh with the token endpoint or its rotating refresh",
            ));
        }
        let answer = self.refresh_grant(client, refresh_token, None, ClientProof::SecretHash(secret_hash)).await?;
        Ok(AuthResult {
            access_token: answer.access_token,
            id_token: answer.id_token,
            refresh_token: None,
            expires_in: answer.expires_in,
        })
    }
}
