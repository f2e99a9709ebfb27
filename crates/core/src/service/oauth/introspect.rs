//! Introspection (RFC 7662), userinfo (OIDC Core §5.3) and revocation (RFC 7009). Access
//! tokens are Warden JWTs checked against the key ring, the clock, the pool's issuer and their
//! family; refresh tokens are opaque and looked up by hash; self-signed tokens of registered
//! issuers are introspectable too.

use serde_json::{json, Map, Value};

use super::client_auth::PresentedClient;
use crate::crypto::random;
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::model::{Client, Pool, User};
use crate::service::oauth::scopes::COGNITO_ADMIN_SCOPE;
use crate::service::services::OAuth;
use crate::store::FamilyKey;

fn inactive() -> Value {
    json!({ "active": false })
}

fn check_owner(client: &Client, owner: &str) -> CoreResult<()> {
    if client.id == owner {
        Ok(())
    } else {
        Err(CoreError::refused(Refusal::ClientNotAllowed, "The token was issued to another client"))
    }
}

fn user_claims(user: &User, scope: &str, readable: &[String]) -> Value {
    let mut out: Map<String, Value> =
        crate::service::claims::released_claims(user, Some(scope), readable).into_iter().collect();
    out.insert("sub".into(), json!(user.id));
    out.insert("username".into(), json!(user.username));
    Value::Object(out)
}

impl OAuth {
    /// POST /oauth2/introspect: any token of the authenticated client's pool, or of a
    /// registered self-managed issuer. Everything else is `{"active": false}`.
    pub async fn introspect(&self, presented: &PresentedClient, token: &str) -> CoreResult<Value> {
        let client = self.authenticate_client(presented).await?;
        // RFC 7662 §2.1 and §4: only an authenticated caller may introspect; a public client's
        // id is not a credential (else anyone could scan tokens).
        if !client.is_confidential() {
            return Err(CoreError::refused(Refusal::ClientCredentials, "Introspection needs client authentication"));
        }
        let pool = self.kernel.pool(&client.pool_id).await?;
        let now = self.kernel.clock.now();
        if token.matches('.').count() == 2 {
            if let Some(claims) = self.tokens.verified_claims(token).await? {
                return self.introspect_access(&pool, &claims, now).await;
            }
            return Ok(match self.federation.verify_self_signed(token).await {
                Ok(Some(caller)) => json!({
                    "active": true,
                    "token_type": "Bearer",
                    "iss": caller.iss,
                    "sub": caller.sub,
                    "scope": caller.scopes.join(" "),
                    "exp": caller.exp,
                    "aud": self.kernel.config.self_signed_audience,
                    "permissions": caller.permissions,
                }),
                Ok(None) | Err(_) => inactive(),
            });
        }
        let hash = random::sha256(token.as_bytes());
        let Some((family, user)) = self.kernel.store.get_family_with_user(FamilyKey::TokenHash(&hash)).await? else {
            return Ok(inactive());
        };
        if family.pool_id != pool.id || family.revoked_at.is_some() || family.expires_at <= now || !user.enabled {
            return Ok(inactive());
        }
        Ok(json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": family.client_id,
            "sub": user.id,
            "username": user.username,
            "iss": self.kernel.issuer(&pool),
            "scope": family.scope.unwrap_or_else(|| COGNITO_ADMIN_SCOPE.into()),
            "iat": family.created_at,
            "exp": family.expires_at,
        }))
    }

    async fn introspect_access(&self, pool: &Pool, claims: &Value, now: i64) -> CoreResult<Value> {
        let exp = claims["exp"].as_i64().unwrap_or(0);
        if claims["token_use"] != "access" || exp <= now || claims["iss"] != self.kernel.issuer(pool).as_str() {
            return Ok(inactive());
        }
        if claims.get("origin_jti").is_some() {
            // A user's token: the same checks as every other use of it, and of this pool.
            match self.tokens.check_access_claims(claims).await {
                Ok((_, token_pool, _)) if token_pool.id == pool.id => {}
                Ok(_) => return Ok(inactive()),
                Err(e) if e.is_server_fault() => return Err(e),
                Err(_) => return Ok(inactive()),
            }
        } else if claims["sub"] != claims["client_id"] {
            // Only client_credentials tokens have no family, and their subject is the client.
            return Ok(inactive());
        } else {
            // A service token lives as long as its client: a deleted client's tokens are dead
            // (as at the gateway), and they must be of this pool's client.
            match self.kernel.client(claims["client_id"].as_str().unwrap_or_default()).await {
                Ok(client) if client.pool_id == pool.id => {}
                Ok(_) => return Ok(inactive()),
                Err(e) if e.is_server_fault() => return Err(e),
                Err(_) => return Ok(inactive()),
            }
        }
        let mut out = Map::new();
        out.insert("active".into(), Value::Bool(true));
        out.insert("token_type".into(), json!("Bearer"));
        for name in ["scope", "client_id", "sub", "username", "exp", "iat", "iss", "aud", "jti", "auth_time"] {
            if !claims[name].is_null() {
                out.insert(name.into(), claims[name].clone());
            }
        }
        Ok(Value::Object(out))
    }

    /// GET/POST /oauth2/userInfo: the user's claims released by the token's scopes (all
    /// readable attributes with `aws.cognito.signin.user.admin`, as Cognito does).
    pub async fn userinfo(&self, access_token: &str) -> CoreResult<Value> {
        let bad = |msg: &str| CoreError::refused(Refusal::BearerInvalid, msg);
        let (claims, _pool, user) = self.tokens.verify_access_token(access_token).await.map_err(|e| match e {
            e if e.is_server_fault() => e,
            e => bad(&e.to_string()),
        })?;
        let scopes: Vec<&str> = claims.scope.split(' ').collect();
        let admin = scopes.contains(&COGNITO_ADMIN_SCOPE);
        if !admin && !scopes.contains(&"openid") {
            return Err(CoreError::refused(Refusal::InsufficientScope, "The token has no openid scope"));
        }
        // The token's client reads only its ReadAttributes (a deleted client's tokens are dead
        // already: their family went with it).
        let client = self.kernel.client(&claims.client_id).await.map_err(|e| match e {
            e if e.is_server_fault() => e,
            _ => bad("The token's client no longer exists"),
        })?;
        Ok(user_claims(&user, &claims.scope, &client.settings.read_attributes))
    }

    /// POST /oauth2/revoke: a refresh token, or an access token of a family that has not
    /// expired, ends its family. Anything else (an unknown token, an ID token, an expired access
    /// token) is answered as done and changes nothing (RFC 7009 §2.2): an ID token travels to
    /// backends and into logout URLs, and must not be a way to sign its user out.
    pub async fn revoke(&self, presented: &PresentedClient, token: &str) -> CoreResult<()> {
        let client = self.authenticate_client(presented).await?;
        if !client.settings.enable_token_revocation {
            return Err(CoreError::invalid_as(Invalid::TokenType, "Revocation is off for this client"));
        }
        let family_id = if token.matches('.').count() == 2 {
            match self.tokens.verify_own::<Value>(token).await? {
                Some(claims)
                    if claims["token_use"] != "access"
                        || claims["exp"].as_i64().is_none_or(|exp| exp <= self.kernel.clock.now()) =>
                {
                    return Ok(());
                }
                Some(claims) => match claims["origin_jti"].as_str() {
                    Some(id) => id.to_owned(),
                    None if claims["token_use"] == "access" => {
                        return Err(CoreError::invalid_as(
                            Invalid::TokenType,
                            "client_credentials tokens expire; they cannot be revoked",
                        ));
                    }
                    None => return Ok(()),
                },
                None => return Ok(()),
            }
        } else {
            match self.kernel.store.get_family_by_token_hash(&random::sha256(token.as_bytes())).await? {
                Some(f) => f.id,
                None => match self.kernel.store.get_retired_refresh_token(&random::sha256(token.as_bytes())).await? {
                    Some(id) => id,
                    None => return Ok(()),
                },
            }
        };
        let Some(family) = self.kernel.store.get_family(&family_id).await? else {
            return Ok(());
        };
        check_owner(&client, &family.client_id)?;
        self.kernel.store.revoke_family(&family.id, self.kernel.clock.now()).await?;
        Ok(())
    }
}
