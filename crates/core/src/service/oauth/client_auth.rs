//! Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3):
//! client_secret_basic, client_secret_post, private_key_jwt (RFC 7523, each assertion's `jti`
//! usable once), and none for public clients. Every failure is a refusal of the client's credentials.

use crate::crypto::random;
use crate::model::Client;
use crate::secret::Secret;
use crate::service::issuer_keys::jwk_key;
use crate::service::lookup::SecretCheck;
use crate::service::services::OAuth;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};

pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest an assertion may live (its `exp` at most this far ahead).
const MAX_ASSERTION_TTL_SECS: i64 = 600;

/// The credentials a request presented, as the door found them.
#[derive(Debug, Clone, Default)]
pub struct PresentedClient {
    /// From `Authorization: Basic` (already form-decoded).
    pub basic: Option<(String, Secret<String>)>,
    /// `client_id` in the body.
    pub post_id: Option<String>,
    /// `client_secret` in the body.
    pub post_secret: Option<Secret<String>>,
    /// `client_assertion` and `client_assertion_type` (private_key_jwt).
    pub assertion: Option<String>,
    pub assertion_type: Option<String>,
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    exp: i64,
    jti: String,
}

fn client_refused(msg: &str) -> CoreError {
    CoreError::refused(Refusal::ClientCredentials, msg)
}

fn bad_request(msg: &str) -> CoreError {
    CoreError::invalid_as(Invalid::Request, msg)
}

impl OAuth {
    /// Authenticates the client. A confidential client proves itself by exactly one method;
    /// a public client presents only its id.
    pub async fn authenticate_client(&self, presented: &PresentedClient) -> CoreResult<Client> {
        if presented.assertion.is_some() || presented.assertion_type.is_some() {
            return self.authenticate_with_assertion(presented).await;
        }
        let (id, secret) = match (&presented.basic, &presented.post_id, &presented.post_secret) {
            (Some(_), _, Some(_)) => return Err(bad_request("Use one client authentication method")),
            (Some((id, _)), Some(post_id), None) if post_id != id => {
                return Err(bad_request("client_id does not match the credentials"));
            }
            (Some((id, secret)), _, None) => (id.as_str(), Some(secret)),
            (None, Some(id), secret) => (id.as_str(), secret.as_ref()),
            (None, None, _) => return Err(client_refused("Client authentication is required")),
        };
        let client = self.known_client(id).await?;
        match (self.kernel.compare_client_secret(&client, secret.map(|s| s.expose().as_str()))?, secret) {
            (SecretCheck::Matches, _) => Ok(client),
            // A public client: no secret, no keys, and none presented.
            (SecretCheck::Public, None) => Ok(client),
            _ => Err(client_refused("Client authentication failed")),
        }
    }

    async fn known_client(&self, id: &str) -> CoreResult<Client> {
        match self.kernel.client(id).await {
            Ok(c) => Ok(c),
            Err(e) if e.is_server_fault() => Err(e),
            Err(_) => Err(client_refused("Client authentication failed")),
        }
    }

    /// RFC 7523 §3: iss = sub = the client, aud = this authorization server, exp bounded,
    /// signed by one of the client's registered keys, jti never seen before.
    async fn authenticate_with_assertion(&self, presented: &PresentedClient) -> CoreResult<Client> {
        if presented.basic.is_some() || presented.post_secret.is_some() {
            return Err(bad_request("Use one client authentication method"));
        }
        if presented.assertion_type.as_deref() != Some(JWT_BEARER_ASSERTION) {
            return Err(client_refused("client_assertion_type must be jwt-bearer"));
        }
        let assertion = presented.assertion.as_deref().ok_or_else(|| client_refused("client_assertion is missing"))?;
        let header =
            jsonwebtoken::decode_header(assertion).map_err(|_| client_refused("Malformed client assertion"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(client_refused("The assertion must be signed with RS256 or ES256"));
        }
        let unverified = jsonwebtoken::dangerous::insecure_decode::<AssertionClaims>(assertion)
            .map_err(|_| client_refused("The assertion needs iss, sub, exp and jti"))?;
        let client_id = unverified.claims.sub.clone();
        if presented.post_id.as_deref().is_some_and(|id| id != client_id) {
            return Err(client_refused("client_id does not match the assertion"));
        }
        let client = self.known_client(&client_id).await?;
        if client.settings.jwks.is_empty() {
            return Err(client_refused("The client has no keys registered for private_key_jwt"));
        }
        let pool = self.kernel.pool(&client.pool_id).await?;
        let base = self.kernel.config.public_url.trim_end_matches('/');
        let audiences = [
            self.kernel.issuer(&pool),
            format!("{base}/oauth2/token"),
            format!("{base}/oauth2/introspect"),
            format!("{base}/oauth2/revoke"),
        ];
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.set_audience(&audiences);
        validation.set_required_spec_claims(&["iss", "sub", "aud", "exp", "jti"]);
        let claims = client
            .settings
            .jwks
            .iter()
            .filter_map(|jwk| jwk_key(header.alg, header.kid.as_deref(), jwk))
            .find_map(|key| jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation).ok())
            .ok_or_else(|| client_refused("The assertion's signature or audience is not valid"))?
            .claims;
        if claims.iss != client.id || claims.sub != client.id {
            return Err(client_refused("The assertion's iss and sub must be the client id"));
        }
        let now = self.kernel.clock.now();
        if claims.exp <= now {
            return Err(client_refused("The assertion has expired"));
        }
        if claims.exp - now > MAX_ASSERTION_TTL_SECS {
            return Err(client_refused("The assertion's exp is too far ahead"));
        }
        let jti = random::sha256(claims.jti.as_bytes());
        if !self.kernel.store.record_client_assertion(&client.id, &jti, claims.exp, now).await? {
            return Err(client_refused("The assertion was already used"));
        }
        Ok(client)
    }
}
