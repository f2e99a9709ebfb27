//! Issuing, refreshing, verifying and revoking tokens. A refresh token and the access and id
//! tokens issued from it form one family (`origin_jti`); revoking it kills all of them.

use super::signin::AuthResult;
use crate::crypto::keys::{JwtType, KeyRing};
use crate::crypto::random;
use crate::error::{CoreError, CoreResult, Invalid, Refusal};
use crate::model::{Client, Group, Pool, RefreshFamily, SigningAlg, User};
use crate::service::oauth::scopes::COGNITO_ADMIN_SCOPE;
use crate::service::services::Tokens;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    #[serde(rename = "cognito:groups", skip_serializing_if = "Option::is_none", default)]
    pub groups: Option<Vec<String>>,
    pub iss: String,
    pub version: u32,
    pub client_id: String,
    pub origin_jti: String,
    pub event_id: String,
    pub token_use: String,
    pub scope: String,
    pub auth_time: i64,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub username: String,
    /// RFC 9068 access tokens (OIDC door) name their audience, the client.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub aud: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    #[serde(rename = "cognito:groups", skip_serializing_if = "Option::is_none", default)]
    pub groups: Option<Vec<String>>,
    pub iss: String,
    #[serde(rename = "cognito:username")]
    pub username: String,
    /// The role ARNs of the user's groups that have one.
    #[serde(rename = "cognito:roles", skip_serializing_if = "Option::is_none", default)]
    pub roles: Option<Vec<String>>,
    /// The role of the user's group of lowest precedence (see `groups::preferred_role`).
    #[serde(rename = "cognito:preferred_role", skip_serializing_if = "Option::is_none", default)]
    pub preferred_role: Option<String>,
    pub origin_jti: String,
    pub aud: String,
    pub event_id: String,
    pub token_use: String,
    pub auth_time: i64,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub amr: Option<Vec<String>>,
    /// The user's attributes (`email`, `email_verified`, `custom:*`...).
    #[serde(flatten)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// OIDC's `at_hash`: the left half of the SHA-256 of the access token, base64url.
pub(crate) fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    let digest = random::sha256(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

pub(crate) fn invalid_access_token() -> CoreError {
    CoreError::refused(Refusal::TokenInvalid, "Invalid Access Token")
}

impl Tokens {
    /// The user's groups in token order: one indexed read, on every sign-in and code grant
    /// (refreshes get them with their family, `Store::get_family_with_user_and_groups`).
    pub(crate) async fn token_groups(&self, user_id: &str) -> CoreResult<Vec<Group>> {
        let mut groups = self
            .kernel
            .store
            .list_groups_for_user(user_id, None, crate::service::group_claims::MAX_TOKEN_GROUPS)
            .await?;
        crate::service::group_claims::token_order(&mut groups);
        Ok(groups)
    }

    /// Signs a fresh access and id token in `family`. A family granted through the OIDC door
    /// (`scope` set) gets RFC 9068 access tokens (`typ: at+jwt`, `aud`) with its scopes, and id
    /// tokens with `at_hash`, `amr` and the request's `nonce`; one from the Cognito API gets
    /// Cognito's shapes. `groups` are the user's, in token order (`Tokens::token_groups`): both
    /// tokens name them in `cognito:groups` (left out when there are none), and the id token
    /// carries their roles as Cognito does.
    pub(crate) async fn sign_pair(
        &self,
        pool: &Pool,
        client: &Client,
        user: &User,
        family: &RefreshFamily,
        nonce: Option<&str>,
        groups: &[Group],
    ) -> CoreResult<(String, String)> {
        let now = self.kernel.clock.now();
        let group_names = (!groups.is_empty()).then(|| groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>());
        let roles = super::group_claims::roles(groups);
        let validity = client.settings.token_validity;
        let iss = self.kernel.issuer(pool);
        let event_id = random::uuid();
        let oidc = family.scope.is_some();
        let access = AccessClaims {
            sub: user.id.clone(),
            groups: group_names.clone(),
            iss: iss.clone(),
            version: 2,
            client_id: client.id.clone(),
            origin_jti: family.id.clone(),
            event_id: event_id.clone(),
            token_use: "access".into(),
            scope: family.scope.clone().unwrap_or_else(|| COGNITO_ADMIN_SCOPE.into()),
            auth_time: family.auth_time,
            exp: now + validity.access_secs,
            iat: now,
            jti: random::uuid(),
            username: user.username.clone(),
            aud: oidc.then(|| client.id.clone()),
        };
        let alg = if oidc { client.signing_alg() } else { SigningAlg::RS256 };
        let mut id = IdClaims {
            sub: user.id.clone(),
            groups: group_names,
            iss,
            username: user.username.clone(),
            preferred_role: super::group_claims::preferred_role(groups),
            roles: (!roles.is_empty()).then_some(roles),
            origin_jti: family.id.clone(),
            aud: client.id.clone(),
            event_id,
            token_use: "id".into(),
            auth_time: family.auth_time,
            exp: now + validity.id_secs,
            iat: now,
            jti: random::uuid(),
            nonce: nonce.map(str::to_owned),
            at_hash: None,
            amr: oidc.then(|| family.amr.split_whitespace().map(str::to_owned).collect()),
            attributes: super::claims::released_claims(user, family.scope.as_deref(), &client.settings.read_attributes),
        };
        if !oidc {
            // Cognito's tokens do not refer to each other: both signatures in one go.
            return self.keys.sign_both((&access, JwtType::Jwt), (&id, JwtType::Jwt), alg, now).await;
        }
        // The id token carries the access token's hash, so the access token is signed first.
        let access_token = self.keys.sign_with(&access, JwtType::AccessToken, alg, now).await?;
        id.at_hash = Some(at_hash(&access_token));
        Ok((access_token, self.keys.sign_with(&id, JwtType::Jwt, alg, now).await?))
    }

    /// A sign-in's tokens: a new family with a new refresh token. `scope` is set for grants of
    /// the OIDC door (see `sign_pair`).
    pub(crate) async fn issue_tokens(
        &self,
        pool: &Pool,
        client: &Client,
        user: &User,
        auth_time: i64,
        scope: Option<String>,
        amr: &str,
    ) -> CoreResult<AuthResult> {
        let now = self.kernel.clock.now();
        let refresh = random::opaque_token();
        let family = RefreshFamily {
            id: random::uuid(),
            pool_id: pool.id.clone(),
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            token_hash: random::sha256(refresh.as_bytes()),
            auth_time,
            created_at: now,
            expires_at: now + client.settings.token_validity.refresh_secs,
            revoked_at: None,
            scope,
            amr: amr.to_owned(),
        };
        // The family's write and the groups' read are independent: run them side by side.
        let ((), groups) = tokio::try_join!(
            async { self.kernel.store.insert_family(&family, user.session_epoch).await.map_err(CoreError::from) },
            self.token_groups(&user.id)
        )?;
        let (access_token, id_token) = self.sign_pair(pool, client, user, &family, None, &groups).await?;
        Ok(AuthResult {
            access_token,
            id_token: Some(id_token),
            refresh_token: Some(refresh),
            expires_in: client.settings.token_validity.access_secs,
        })
    }

    /// RevokeToken: 200 for an unknown token; a known one kills its whole family. A token of
    /// another client is refused.
    pub async fn revoke_token(&self, client_id: &str, client_secret: Option<&str>, token: &str) -> CoreResult<()> {
        let client = self.kernel.client(client_id).await?;
        self.kernel.check_client_secret(&client, client_secret)?;
        if !client.settings.enable_token_revocation {
            return Err(CoreError::invalid_as(Invalid::Unsupported, "Token revocation is not enabled for this client"));
        }
        let Some(family) = self.kernel.store.get_family_by_token_hash(&random::sha256(token.as_bytes())).await? else {
            return Ok(());
        };
        if family.client_id != client.id {
            return Err(CoreError::refused(Refusal::ClientNotOwner, "The token was not issued to this client"));
        }
        self.kernel.store.revoke_family(&family.id, self.kernel.clock.now()).await?;
        Ok(())
    }

    /// GlobalSignOut: every refresh token of the user, and the tokens issued from them.
    pub async fn global_sign_out(&self, access_token: &str) -> CoreResult<()> {
        let (_, _, user) = self.verify_self_service_token(access_token).await?;
        self.kernel.store.revoke_user_families(&user.id, self.kernel.clock.now()).await?;
        Ok(())
    }

    /// The pool's public keys (retired ones until their tokens have expired).
    pub fn jwks(&self) -> serde_json::Value {
        self.keys.jwks(self.kernel.clock.now())
    }

    /// `warden keys rotate`: a new key of `alg`, published at once and signing from the
    /// `handover`; the old one keeps verifying until its tokens have expired.
    pub async fn rotate_signing_key(
        &self,
        alg: crate::model::SigningAlg,
        handover: crate::crypto::keys::Handover,
    ) -> CoreResult<String> {
        self.keys.rotate(alg, handover, &*self.kernel.store, &self.kernel.master, self.kernel.clock.now()).await
    }

    /// `warden keys withdraw`: a retired key leaves the JWKS and verifies nothing more, at
    /// once on this instance; running servers at their next re-read of the ring (a minute at
    /// most). A key still signing (a scheduled handover not yet due) is refused: `rotate --now`
    /// first.
    pub async fn withdraw_signing_key(&self, kid: &str) -> CoreResult<()> {
        let now = self.kernel.clock.now();
        if self.keys.still_signing(kid, now) {
            return Err(CoreError::invalid(format!(
                "signing key {kid} still signs until its handover: run `warden keys rotate --now` first"
            )));
        }
        if KeyRing::withdraw(kid, &*self.kernel.store, now).await? {
            self.reload_keys_at(now).await
        } else {
            Err(CoreError::not_found(format!(
                "no retired signing key {kid}: only a key a rotation has replaced can be withdrawn"
            )))
        }
    }

    /// Re-reads the signing keys (another instance may have rotated or withdrawn them); when a
    /// key left the ring, the claims it verified are forgotten.
    pub async fn reload_signing_keys(&self) -> CoreResult<()> {
        self.reload_keys_at(self.kernel.clock.now()).await
    }

    pub(crate) async fn reload_keys_at(&self, now: crate::clock::Timestamp) -> CoreResult<()> {
        if self.keys.reload(&*self.kernel.store, &self.kernel.master, now).await? {
            self.kernel.store.tokens.keys_withdrawn();
        }
        Ok(())
    }
}
