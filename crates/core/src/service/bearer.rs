//! Verifying a bearer access token for a resource server (the gateway, the tower layer): a
//! user's token (any door's; its family must be live) or a service client's client_credentials
//! token (signature, expiry, issuer; the client must still exist).

use crate::error::CoreError;
use crate::service::services::Tokens;
use serde_json::Value;

/// Who a verified bearer token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerIdentity {
    /// The user's `sub`, or the service client's id.
    pub sub: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// The pool issuer that signed it, and that pool's id.
    pub issuer: String,
    pub pool_id: String,
    /// True for a client_credentials token (no user).
    pub service: bool,
}

/// Why a bearer token is refused.
#[derive(Debug)]
pub enum BearerError {
    /// Not one of this deployment's access tokens (maybe another issuer's).
    NotOurs,
    /// Ours, but expired, revoked or otherwise no longer good: the reason.
    Refused(String),
    /// A server fault.
    Internal(CoreError),
}

impl Tokens {
    pub async fn verify_bearer_token(&self, token: &str) -> Result<BearerIdentity, BearerError> {
        let claims = self.verified_claims(token).await.map_err(BearerError::Internal)?.ok_or(BearerError::NotOurs)?;
        if claims["token_use"] != "access" {
            return Err(BearerError::Refused("not an access token".into()));
        }
        if claims.get("origin_jti").is_some() {
            return match self.check_access_claims(&claims).await {
                Ok((claims, pool, _)) => Ok(BearerIdentity {
                    sub: claims.sub,
                    client_id: claims.client_id,
                    scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
                    issuer: self.kernel.issuer(&pool),
                    pool_id: pool.id.clone(),
                    service: false,
                }),
                Err(e) if e.is_server_fault() => Err(BearerError::Internal(e)),
                Err(e) => Err(BearerError::Refused(e.to_string())),
            };
        }
        self.verify_service_token(&claims).await
    }

    async fn verify_service_token(&self, claims: &Value) -> Result<BearerIdentity, BearerError> {
        let refused = |m: &str| BearerError::Refused(m.to_owned());
        let (Some(sub), Some(client_id), Some(exp), Some(iss)) =
            (claims["sub"].as_str(), claims["client_id"].as_str(), claims["exp"].as_i64(), claims["iss"].as_str())
        else {
            return Err(refused("Invalid Access Token"));
        };
        if sub != client_id {
            return Err(refused("Invalid Access Token"));
        }
        if exp <= self.kernel.clock.now() {
            return Err(refused("Access Token has expired"));
        }
        let client = match self.kernel.client(client_id).await {
            Ok(c) => c,
            Err(e) if e.is_server_fault() => return Err(BearerError::Internal(e)),
            Err(_) => return Err(refused("The client no longer exists")),
        };
        let pool = self.kernel.pool(&client.pool_id).await.map_err(|_| refused("The client no longer exists"))?;
        if self.kernel.issuer(&pool) != iss {
            return Err(refused("Invalid Access Token"));
        }
        Ok(BearerIdentity {
            sub: sub.to_owned(),
            client_id: client_id.to_owned(),
            scopes: claims["scope"].as_str().unwrap_or("").split_whitespace().map(str::to_owned).collect(),
            issuer: iss.to_owned(),
            pool_id: pool.id.clone(),
            service: true,
        })
    }
}
