//! Identity pools: federated identities for user-pool users (GetId), their temporary credentials
//! (GetCredentialsForIdentity) and OpenID tokens (GetOpenIdToken).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::tokens::IdClaims;
use crate::crypto::random;
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::model::{Identity, IdentityPool, IdentityProvider, TemporaryCredentials};
use crate::secret::Secret;
use crate::service::services::Federation;
use crate::store::FamilyKey;

const UNAUTHENTICATED: &str = "unauth:";

/// New unauthenticated identities one source address may make in an hour (GetId without Logins).
pub const UNAUTHENTICATED_PER_SOURCE_HOUR: u32 = 300;

fn bad_login() -> CoreError {
    CoreError::refused(Refusal::TokenInvalid, "Invalid login token. Not a valid OpenId Connect identity token.")
}

fn logins_mismatch() -> CoreError {
    CoreError::refused(
        Refusal::TokenInvalid,
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

/// The user pool a provider name designates: `cognito-idp.<region>.amazonaws.com/<poolId>`, or
/// this deployment's own issuer URL for the pool.
fn provider_pool_id<'a>(provider_name: &'a str, public_url: &str) -> Option<&'a str> {
    if let Some(rest) = provider_name.strip_prefix("cognito-idp.") {
        let (host, pool) = rest.split_once('/')?;
        return (host.ends_with(".amazonaws.com") && !pool.is_empty() && !pool.contains('/')).then_some(pool);
    }
    let pool = provider_name.strip_prefix(public_url.trim_end_matches('/'))?.strip_prefix('/')?;
    (!pool.is_empty() && !pool.contains('/')).then_some(pool)
}

#[derive(Debug, Clone, Default)]
pub struct IdentityPoolSpec {
    pub name: String,
    pub allow_unauthenticated: bool,
    pub providers: Vec<IdentityProvider>,
}

/// Issued credentials, with the secret and session token shown once.
#[derive(Debug, Clone)]
pub struct IssuedCredentials {
    pub identity_id: String,
    pub access_key_id: String,
    pub secret_key: Secret<String>,
    pub session_token: Secret<String>,
    pub expiration: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct OpenIdClaims {
    iss: String,
    sub: String,
    aud: String,
    amr: Vec<String>,
    iat: i64,
    exp: i64,
    jti: String,
}

/// Who a verified login is.
struct Login {
    key: String,
    family_id: String,
    user_id: String,
    provider_name: String,
}

impl Federation {
    pub async fn create_identity_pool(&self, spec: IdentityPoolSpec) -> CoreResult<IdentityPool> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(CoreError::invalid("IdentityPoolName must be 1 to 128 characters"));
        }
        self.check_providers(&spec.providers).await?;
        let now = self.kernel.clock.now();
        let pool = IdentityPool {
            id: format!("{}:{}", self.kernel.config.region, random::uuid()),
            name: name.to_owned(),
            allow_unauthenticated: spec.allow_unauthenticated,
            providers: spec.providers,
            roles: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        };
        self.kernel.store.insert_identity_pool(&pool).await?;
        Ok(pool)
    }

    async fn check_providers(&self, providers: &[IdentityProvider]) -> CoreResult<()> {
        for p in providers {
            let pool_id = provider_pool_id(&p.provider_name, &self.kernel.config.public_url).ok_or_else(|| {
                CoreError::invalid(format!("ProviderName {} is not a user pool of this server", p.provider_name))
            })?;
            self.kernel
                .pool(pool_id)
                .await
                .map_err(|_| CoreError::invalid(format!("User pool {pool_id} does not exist.")))?;
            if !p.client_id.is_empty() {
                self.kernel
                    .pool_client(pool_id, &p.client_id)
                    .await
                    .map_err(|_| CoreError::invalid(format!("Client {} is not a client of {pool_id}", p.client_id)))?;
            }
        }
        Ok(())
    }

    pub async fn identity_pool(&self, id: &str) -> CoreResult<IdentityPool> {
        self.kernel
            .store
            .get_identity_pool(id)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("IdentityPool '{id}' not found.")))
    }

    pub async fn list_identity_pools(&self, after: Option<&str>, limit: u32) -> CoreResult<Vec<IdentityPool>> {
        Ok(self.kernel.store.list_identity_pools(after, limit).await?)
    }

    pub async fn delete_identity_pool(&self, id: &str) -> CoreResult<()> {
        if self.kernel.store.delete_identity_pool(id).await? {
            Ok(())
        } else {
            Err(CoreError::not_found(format!("IdentityPool '{id}' not found.")))
        }
    }

    /// SetIdentityPoolRoles: `authenticated` and `unauthenticated` to role names.
    pub async fn set_identity_pool_roles(&self, id: &str, roles: BTreeMap<String, String>) -> CoreResult<()> {
        let mut pool = self.identity_pool(id).await?;
        for (kind, role) in &roles {
            if kind != "authenticated" && kind != "unauthenticated" {
                return Err(CoreError::invalid(format!(
                    "Invalid role type {kind}: expected authenticated or unauthenticated"
                )));
            }
            if role.trim().is_empty() || role.len() > 2048 {
                return Err(CoreError::invalid(format!("Invalid role for {kind}")));
            }
        }
        pool.roles = roles;
        pool.updated_at = self.kernel.clock.now();
        self.kernel.store.update_identity_pool(&pool).await?;
        Ok(())
    }

    /// Checks the logins against the pool's providers: the id token's signature, expiry, issuer,
    /// audience (the provider's client) and that its session is live.
    async fn verify_logins(&self, pool: &IdentityPool, logins: &BTreeMap<String, String>) -> CoreResult<Option<Login>> {
        let mut found = None;
        for (provider_name, token) in logins {
            let pool_id = provider_pool_id(provider_name, &self.kernel.config.public_url).ok_or_else(|| {
                CoreError::refused(
                    Refusal::TokenInvalid,
                    format!("Invalid login token. Issuer {provider_name} is not configured for this identity pool."),
                )
            })?;
            let provider = pool
                .providers
                .iter()
                .find(|p| provider_pool_id(&p.provider_name, &self.kernel.config.public_url) == Some(pool_id))
                .ok_or_else(|| {
                    CoreError::refused(Refusal::TokenInvalid, "Invalid login token. Issuer doesn't match providerName")
                })?;
            let claims: IdClaims = self.tokens.verify_own(token).await?.ok_or_else(bad_login)?;
            let user_pool = self.kernel.pool(pool_id).await.map_err(|_| bad_login())?;
            if claims.token_use != "id" || claims.iss != self.kernel.issuer(&user_pool) {
                return Err(bad_login());
            }
            if claims.exp <= self.kernel.clock.now() {
                return Err(CoreError::refused(Refusal::TokenInvalid, "Invalid login token. Token expired."));
            }
            if !provider.client_id.is_empty() && claims.aud != provider.client_id {
                return Err(CoreError::refused(
                    Refusal::TokenInvalid,
                    "Invalid login token. Incorrect token audience.",
                ));
            }
            let (family, user) = self
                .kernel
                .store
                .get_family_with_user(FamilyKey::Id(&claims.origin_jti))
                .await?
                .ok_or_else(bad_login)?;
            // The family must be the named pool's: two pools could share an issuer override.
            if family.pool_id != user_pool.id {
                return Err(bad_login());
            }
            if family.revoked_at.is_some() || family.user_id != claims.sub || !user.enabled {
                return Err(CoreError::refused(Refusal::TokenInvalid, "Invalid login token. Token has been revoked."));
            }
            found = Some(Login {
                key: format!("{}:{}", user_pool.id, user.id),
                family_id: family.id,
                user_id: user.id,
                provider_name: provider.provider_name.clone(),
            });
        }
        Ok(found)
    }

    /// GetId: the same user always gets the same identity id.
    pub async fn get_id(
        &self,
        identity_pool_id: &str,
        logins: &BTreeMap<String, String>,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<String> {
        let pool = self.identity_pool(identity_pool_id).await?;
        let login = match self.verify_logins(&pool, logins).await? {
            Some(l) => l.key,
            None if pool.allow_unauthenticated => {
                // Each call makes a new identity that is kept: one address makes a bounded number
                // an hour, so nobody fills the store through an open pool.
                self.kernel
                    .spend_source_quota(
                        "getid",
                        source,
                        attempt_id,
                        UNAUTHENTICATED_PER_SOURCE_HOUR,
                        "Too many unauthenticated identities from this address",
                    )
                    .await?;
                format!("{UNAUTHENTICATED}{}", random::uuid())
            }
            None => {
                return Err(CoreError::refused(
                    Refusal::NotPermitted,
                    "Unauthenticated access is not supported for this identity pool.",
                ))
            }
        };
        let candidate = Identity {
            id: format!("{}:{}", self.kernel.config.region, random::uuid()),
            pool_id: pool.id.clone(),
            login,
            created_at: self.kernel.clock.now(),
        };
        Ok(self.kernel.store.get_or_create_identity(&candidate).await?.id)
    }

    async fn identity_for(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> CoreResult<(IdentityPool, Identity, Option<Login>)> {
        let identity = self
            .kernel
            .store
            .get_identity(identity_id)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("Identity '{identity_id}' not found.")))?;
        let pool = self.identity_pool(&identity.pool_id).await?;
        let login = self.verify_logins(&pool, logins).await?;
        match &login {
            Some(l) if l.key == identity.login => {}
            None if identity.login.starts_with(UNAUTHENTICATED) && pool.allow_unauthenticated => {}
            _ => return Err(logins_mismatch()),
        }
        Ok((pool, identity, login))
    }

    /// GetCredentialsForIdentity: temporary credentials for the pool's role, stored so they can be
    /// verified later, revoked with the user's sessions, and expire.
    pub async fn get_credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> CoreResult<IssuedCredentials> {
        let (pool, identity, login) = self.identity_for(identity_id, logins).await?;
        let kind = if login.is_some() { "authenticated" } else { "unauthenticated" };
        let role = pool.roles.get(kind).cloned().ok_or_else(|| {
            CoreError::invalid_as(
                Invalid::IdentityPoolConfiguration,
                format!("Invalid identity pool configuration. No {kind} role is set for this pool."),
            )
        })?;
        let now = self.kernel.clock.now();
        let secret = random::access_key_secret();
        let session_token = format!("{}{}", random::opaque_token(), random::opaque_token());
        let (user_id, family_id) = login.map(|l| (l.user_id, l.family_id)).unwrap_or_default();
        let creds = TemporaryCredentials {
            access_key_id: random::temporary_access_key_id(),
            secret_enc: self.kernel.master.seal(secret.as_bytes()),
            session_token_hash: random::sha256(session_token.as_bytes()),
            identity_id: identity.id.clone(),
            user_id,
            family_id,
            role: Some(role),
            created_at: now,
            expires_at: now + self.kernel.config.credentials_ttl_secs,
        };
        self.kernel.store.insert_credentials(&creds).await?;
        Ok(IssuedCredentials {
            identity_id: identity.id,
            access_key_id: creds.access_key_id,
            secret_key: Secret::new(secret),
            session_token: Secret::new(session_token),
            expiration: creds.expires_at,
        })
    }

    /// GetOpenIdToken: an id token for the identity, signed by this server.
    pub async fn get_open_id_token(&self, identity_id: &str, logins: &BTreeMap<String, String>) -> CoreResult<String> {
        let (pool, identity, login) = self.identity_for(identity_id, logins).await?;
        let now = self.kernel.clock.now();
        let mut amr = vec![if login.is_some() { "authenticated" } else { "unauthenticated" }.to_owned()];
        if let Some(l) = login {
            amr.push(l.provider_name);
        }
        self.tokens
            .keys
            .sign(
                &OpenIdClaims {
                    iss: self.kernel.identity_issuer(),
                    sub: identity.id,
                    aud: pool.id,
                    amr,
                    iat: now,
                    exp: now + 600,
                    jti: random::uuid(),
                },
                now,
            )
            .await
    }

    /// Checks temporary credentials presented with a request: known, the session token matches,
    /// not expired, and the session they came from is still live. Returns them with the secret
    /// that signs with them.
    pub async fn verify_temporary_credentials(
        &self,
        access_key_id: &str,
        session_token: &str,
    ) -> CoreResult<(TemporaryCredentials, Secret<String>)> {
        let invalid =
            || CoreError::refused(Refusal::TokenInvalid, "The security token included in the request is invalid.");
        let creds = self.kernel.store.get_credentials(access_key_id).await?.ok_or_else(invalid)?;
        if !bool::from(creds.session_token_hash.ct_eq(&random::sha256(session_token.as_bytes()))) {
            return Err(invalid());
        }
        if creds.expires_at <= self.kernel.clock.now() {
            return Err(CoreError::refused(
                Refusal::TokenInvalid,
                "The security token included in the request is expired",
            ));
        }
        if !creds.family_id.is_empty() {
            let live = self
                .tokens
                .family_with_user(&creds.family_id)
                .await?
                .is_some_and(|found| found.0.revoked_at.is_none() && found.1.enabled);
            if !live {
                return Err(CoreError::refused(
                    Refusal::TokenInvalid,
                    "The security token included in the request has been revoked",
                ));
            }
        }
        let secret = Secret::new(self.kernel.master.open_string(&creds.secret_enc)?);
        Ok((creds, secret))
    }
}

#[cfg(test)]
mod tests {
    use super::provider_pool_id;

    #[test]
    fn provider_names() {
        let url = "http://127.0.0.1:8080";
        assert_eq!(provider_pool_id("cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc", url), Some("eu-west-2_abc"));
        assert_eq!(provider_pool_id("cognito-idp.us-east-1.amazonaws.com/us-east-1_x", url), Some("us-east-1_x"));
        assert_eq!(provider_pool_id("http://127.0.0.1:8080/eu-west-2_abc", url), Some("eu-west-2_abc"));
        assert_eq!(provider_pool_id("cognito-idp.evil.com/eu-west-2_abc", url), None);
        assert_eq!(provider_pool_id("accounts.google.com", url), None);
        assert_eq!(provider_pool_id("http://127.0.0.1:8080/a/b", url), None);
    }
}
