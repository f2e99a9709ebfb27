//! The token endpoint's grants: authorization_code (single use, PKCE, replay revokes the first
//! redemption's tokens), refresh_token (rotation with reuse detection when the client has it),
//! and client_credentials for service clients with resource-server scopes.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::client_auth::PresentedClient;
use super::scopes::Scopes;
use crate::crypto::keys::JwtType;
use crate::crypto::random;
use crate::error::{CoreError, CoreResult, StoreError};
use crate::error::{Invalid, Refusal};
use crate::model::{Client, Group, OAuthFlow, RefreshFamily, User};
use crate::service::Warden;
use crate::store::FamilyKey;

/// The grant a token request asks for, as a door parsed it. Its members are checked here, after
/// the client is authenticated.
#[derive(Debug, Clone)]
pub enum Grant {
    /// An authorization code, with the redirect URI and PKCE verifier of its request.
    AuthorizationCode { code: Option<String>, redirect_uri: Option<String>, code_verifier: Option<String> },
    /// A refresh token; `scope` may narrow what this answer's tokens carry.
    RefreshToken { refresh_token: Option<String>, scope: Option<String> },
    /// A service client's own tokens for `scope` (all its custom scopes when absent).
    ClientCredentials { scope: Option<String> },
    /// A grant this server does not offer (refused once the client is authenticated).
    Unsupported,
}

/// How the client of a refresh proves itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientProof<'a> {
    /// Authenticated already (the token endpoint's client authentication, a client secret).
    Authenticated,
    /// Not yet: a keyed hash of the token's user, checked once the token names the user (a
    /// client without a secret needs none; `None`: none was given).
    SecretHash(Option<&'a str>),
}

/// A token request: the grant and the client's credentials.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub grant: Grant,
    pub client: PresentedClient,
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

/// A client_credentials access token (RFC 9068; Cognito's claims).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ServiceAccessClaims {
    pub sub: String,
    pub iss: String,
    pub aud: Vec<String>,
    pub version: u32,
    pub client_id: String,
    pub token_use: String,
    pub scope: String,
    pub auth_time: i64,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

const INVALID_REFRESH: &str = "Invalid Refresh Token.";

fn grant_error(msg: &str) -> CoreError {
    CoreError::refused(Refusal::GrantInvalid, msg)
}

fn param<'a>(v: &'a Option<String>, name: &str) -> CoreResult<&'a str> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CoreError::invalid_as(Invalid::Request, format!("{name} is missing")))
}

/// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge, verifier 43-128 unreserved chars.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine;
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::sha256(verifier.as_bytes()));
    well_formed && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

impl Warden {
    /// POST /oauth2/token.
    pub async fn token(&self, req: TokenRequest) -> CoreResult<TokenResponse> {
        let client = self.authenticate_client(&req.client).await?;
        match &req.grant {
            Grant::AuthorizationCode { code, redirect_uri, code_verifier } => {
                self.code_grant(&client, param(code, "code")?, redirect_uri.as_deref(), code_verifier.as_deref()).await
            }
            Grant::RefreshToken { refresh_token, scope } => {
                let token = param(refresh_token, "refresh_token")?;
                self.refresh_grant(&client, token, scope.as_deref(), ClientProof::Authenticated).await
            }
            Grant::ClientCredentials { scope } => self.client_credentials_grant(&client, scope.as_deref()).await,
            Grant::Unsupported => Err(CoreError::invalid_as(Invalid::GrantType, "Unsupported grant_type")),
        }
    }

    async fn code_grant(
        &self,
        client: &Client,
        code_value: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> CoreResult<TokenResponse> {
        if !client.allows_oauth(OAuthFlow::Code) {
            return Err(CoreError::refused(Refusal::ClientNotAllowed, "The client may not use this grant"));
        }
        let code_hash = random::sha256(code_value.as_bytes());
        let code = self.store.get_authorization_code(&code_hash).await?.ok_or_else(|| grant_error("Invalid code"))?;
        if code.redeemed_at.is_some() {
            // RFC 6749 §4.1.2: a replayed code revokes what its first use issued.
            self.store.revoke_family(&code.family_id, self.clock.now()).await?;
            return Err(grant_error("The code has already been used"));
        }
        if code.client_id != client.id {
            return Err(grant_error("The code was issued to another client"));
        }
        let now = self.clock.now();
        if code.expires_at <= now {
            return Err(grant_error("The code has expired"));
        }
        if redirect_uri != Some(code.redirect_uri.as_str()) {
            return Err(grant_error("redirect_uri does not match the authorization request"));
        }
        match (&code.code_challenge, code_verifier) {
            (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => {}
            (Some(_), _) => return Err(grant_error("PKCE verification failed")),
            (None, Some(_)) => return Err(grant_error("code_verifier given but the request had no code_challenge")),
            (None, None) => {}
        }
        let pool = self.pool(&code.pool_id).await?;
        let user = self.store.get_user(&pool.id, &code.user_id).await?.ok_or_else(|| grant_error("Invalid code"))?;
        if !user.enabled {
            return Err(grant_error("User is disabled"));
        }
        let refresh = random::opaque_token();
        let family = RefreshFamily {
            id: code.family_id.clone(),
            pool_id: pool.id.clone(),
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            token_hash: random::sha256(refresh.as_bytes()),
            auth_time: code.auth_time,
            created_at: now,
            expires_at: now + client.settings.token_validity.refresh_secs,
            revoked_at: None,
            scope: Some(code.scope.clone()),
            amr: code.amr.clone(),
        };
        let redeem = async {
            match self.store.redeem_authorization_code(&code_hash, now, &family, code.user_epoch).await {
                // The user signed out everywhere (or their password changed) since the sign-in.
                Err(StoreError::Stale(_)) => Err(grant_error("The user's session has ended")),
                other => other.map_err(CoreError::from),
            }
        };
        let (redeemed, groups) = tokio::try_join!(redeem, self.token_groups(&user.id))?;
        if !redeemed {
            self.store.revoke_family(&code.family_id, now).await?;
            return Err(grant_error("The code has already been used"));
        }
        let (access_token, id_token) =
            self.sign_pair(&pool, client, &user, &family, code.nonce.as_deref(), &groups).await?;
        let openid = code.scope.split(' ').any(|s| s == "openid");
        Ok(TokenResponse {
            access_token,
            id_token: openid.then_some(id_token),
            refresh_token: Some(refresh),
            token_type: "Bearer",
            expires_in: client.settings.token_validity.access_secs,
            scope: Some(code.scope),
        })
    }

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
        let now = self.clock.now();
        let narrowed = scope.is_some_and(|s| !s.is_empty());
        if client.settings.refresh_token_rotation && !narrowed && proof == ClientProof::Authenticated {
            // The common case in one step; any refusal is explained by the reads below.
            let fresh = random::opaque_token();
            let new_hash = random::sha256(fresh.as_bytes());
            if let Some((family, user, groups)) =
                self.store.rotate_refresh_token_by_hash(&hash, &new_hash, &client.id, now).await?
            {
                return self.refreshed(client, family, user, groups, Some(fresh)).await;
            }
        }
        let Some((family, user, groups)) =
            self.store.get_family_with_user_and_groups(FamilyKey::TokenHash(&hash)).await?
        else {
            if let Some(family_id) = self.store.get_retired_refresh_token(&hash).await? {
                // A rotated-out token came back: someone holds a copy. End the whole family.
                tracing::warn!(family = %family_id, "refresh token reuse; revoking its family");
                self.store.revoke_family(&family_id, now).await?;
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
            self.check_secret_hash(client, given, &[&user.username, &user.id])?;
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
            if !self.store.rotate_refresh_token(&family.id, &hash, &random::sha256(fresh.as_bytes()), now).await? {
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
        let pool = self.pool(&family.pool_id).await?;
        let family = self
            .still_granted(client, family)
            .await?
            .ok_or_else(|| grant_error("The client may no longer use any scope this token was granted"))?;
        crate::service::groups::token_order(&mut groups);
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
        let undefined = self.undefined_custom_scopes(&family.pool_id, allowed.split(' ')).await?;
        let kept: Vec<&str> = allowed.split(' ').filter(|s| !undefined.contains(s)).collect();
        if kept.is_empty() {
            return Ok(None);
        }
        family.scope = Some(kept.join(" "));
        Ok(Some(family))
    }

    async fn client_credentials_grant(&self, client: &Client, scope: Option<&str>) -> CoreResult<TokenResponse> {
        if !client.is_confidential() {
            return Err(CoreError::refused(Refusal::ClientNotAllowed, "A public client cannot use client_credentials"));
        }
        if !client.allows_oauth(OAuthFlow::ClientCredentials) {
            return Err(CoreError::refused(Refusal::ClientNotAllowed, "The client may not use this grant"));
        }
        let requested = Scopes::parse(scope.unwrap_or(""))?;
        let mut granted = Scopes::grant(client, &requested)?;
        // Only resource-server scopes: there is no user to consent to openid, email...
        if !requested.is_empty() && requested.0.iter().any(|s| !s.contains('/')) {
            return Err(CoreError::invalid_as(Invalid::Scope, "client_credentials takes only custom scopes"));
        }
        granted.0.retain(|s| s.contains('/'));
        if granted.is_empty() {
            return Err(CoreError::invalid_as(Invalid::Scope, "The client has no custom scopes to grant"));
        }
        let pool = self.pool(&client.pool_id).await?;
        // One read per resource server (several scopes often share one); the servers are the
        // token's audiences.
        let mut audiences: Vec<String> = Vec::new();
        for scope in granted.custom() {
            let (server, _) = scope.rsplit_once('/').unwrap_or((scope, ""));
            if !audiences.iter().any(|a| a == server) {
                audiences.push(server.to_owned());
            }
        }
        if let Some(unknown) = self.undefined_custom_scopes(&pool.id, granted.custom()).await?.first() {
            return Err(CoreError::invalid_as(Invalid::Scope, format!("Unknown scope {unknown}")));
        }
        let now = self.clock.now();
        let validity = client.settings.token_validity.access_secs;
        let claims = ServiceAccessClaims {
            sub: client.id.clone(),
            iss: self.issuer(&pool),
            aud: audiences,
            version: 2,
            client_id: client.id.clone(),
            token_use: "access".into(),
            scope: granted.to_string_sorted(),
            auth_time: now,
            exp: now + validity,
            iat: now,
            jti: random::uuid(),
        };
        Ok(TokenResponse {
            access_token: self.keys.sign_with(&claims, JwtType::AccessToken, client.signing_alg(), now).await?,
            id_token: None,
            refresh_token: None,
            token_type: "Bearer",
            expires_in: validity,
            scope: Some(claims.scope),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn pkce_s256_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!pkce_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
        assert!(!pkce_matches("short", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }
}
