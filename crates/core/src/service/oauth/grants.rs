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
use crate::model::{Client, OAuthFlow, RefreshFamily};
use crate::service::refresh::{grant_error, ClientProof, TokenResponse};
use crate::service::services::OAuth;

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

/// A token request: the grant and the client's credentials.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub grant: Grant,
    pub client: PresentedClient,
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

impl OAuth {
    /// POST /oauth2/token.
    pub async fn token(&self, req: TokenRequest) -> CoreResult<TokenResponse> {
        let client = self.authenticate_client(&req.client).await?;
        match &req.grant {
            Grant::AuthorizationCode { code, redirect_uri, code_verifier } => {
                self.code_grant(&client, param(code, "code")?, redirect_uri.as_deref(), code_verifier.as_deref()).await
            }
            Grant::RefreshToken { refresh_token, scope } => {
                let token = param(refresh_token, "refresh_token")?;
                self.tokens.refresh_grant(&client, token, scope.as_deref(), ClientProof::Authenticated).await
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
        let code =
            self.kernel.store.get_authorization_code(&code_hash).await?.ok_or_else(|| grant_error("Invalid code"))?;
        if code.redeemed_at.is_some() {
            // RFC 6749 §4.1.2: a replayed code revokes what its first use issued.
            self.kernel.store.revoke_family(&code.family_id, self.kernel.clock.now()).await?;
            return Err(grant_error("The code has already been used"));
        }
        if code.client_id != client.id {
            return Err(grant_error("The code was issued to another client"));
        }
        let now = self.kernel.clock.now();
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
        let pool = self.kernel.pool(&code.pool_id).await?;
        let user =
            self.kernel.store.get_user(&pool.id, &code.user_id).await?.ok_or_else(|| grant_error("Invalid code"))?;
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
            match self.kernel.store.redeem_authorization_code(&code_hash, now, &family, code.user_epoch).await {
                // The user signed out everywhere (or their password changed) since the sign-in.
                Err(StoreError::Stale(_)) => Err(grant_error("The user's session has ended")),
                other => other.map_err(CoreError::from),
            }
        };
        let (redeemed, groups) = tokio::try_join!(redeem, self.tokens.token_groups(&user.id))?;
        if !redeemed {
            self.kernel.store.revoke_family(&code.family_id, now).await?;
            return Err(grant_error("The code has already been used"));
        }
        let (access_token, id_token) =
            self.tokens.sign_pair(&pool, client, &user, &family, code.nonce.as_deref(), &groups).await?;
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
        let pool = self.kernel.pool(&client.pool_id).await?;
        // One read per resource server (several scopes often share one); the servers are the
        // token's audiences.
        let mut audiences: Vec<String> = Vec::new();
        for scope in granted.custom() {
            let (server, _) = scope.rsplit_once('/').unwrap_or((scope, ""));
            if !audiences.iter().any(|a| a == server) {
                audiences.push(server.to_owned());
            }
        }
        if let Some(unknown) = self.kernel.undefined_custom_scopes(&pool.id, granted.custom()).await?.first() {
            return Err(CoreError::invalid_as(Invalid::Scope, format!("Unknown scope {unknown}")));
        }
        let now = self.kernel.clock.now();
        let validity = client.settings.token_validity.access_secs;
        let claims = ServiceAccessClaims {
            sub: client.id.clone(),
            iss: self.kernel.issuer(&pool),
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
            access_token: self.tokens.keys.sign_with(&claims, JwtType::AccessToken, client.signing_alg(), now).await?,
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
