//! Self-managed issuers: customers sign their own tokens (RS256 or ES256) with a key Warden knows;
//! Warden checks them and maps their scopes to permissions. Verification uses the parsed keys
//! of `issuer_cache.rs`; issuers with a JWKS URL are kept current by `issuer_refresh.rs`.

use super::issuer_cache::ParsedIssuer;
use super::issuer_refresh::valid_jwks_url;
use crate::error::Refusal;
use crate::model::Issuer;
use crate::service::services::Federation;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation};

use super::issuer_keys::{jwk_key, pem_key};
use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Default)]
pub struct IssuerSpec {
    pub iss: String,
    pub public_keys_pem: Vec<String>,
    /// JWKs (`{"kty": "RSA", "n": ..., "e": ..., "kid": ...}` or EC P-256).
    pub jwks: Vec<serde_json::Value>,
    /// The issuer's JWKS URL: its keys are fetched now (unless `jwks` are given) and kept current.
    pub jwks_url: Option<String>,
    pub sub: String,
    pub scopes: BTreeMap<String, Vec<String>>,
    pub max_ttl_secs: i64,
}

/// A verified self-signed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfSignedCaller {
    pub iss: String,
    pub sub: String,
    pub scopes: Vec<String>,
    pub permissions: BTreeSet<String>,
    pub exp: i64,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
    exp: i64,
    /// Not before (RFC 7519 §4.1.5), checked on Warden's clock with a minute's leeway.
    #[serde(default)]
    nbf: Option<i64>,
}

/// How far an issuer's clock may run ahead of Warden's for `nbf`.
const NBF_LEEWAY_SECS: i64 = 60;

#[derive(Debug, Deserialize)]
struct IssOnly {
    #[serde(default)]
    iss: Option<String>,
}

fn refuse(reason: impl Into<String>) -> CoreError {
    CoreError::refused(Refusal::TokenInvalid, reason.into())
}

impl Federation {
    /// Registers (or replaces) an issuer. With a JWKS URL and no JWKs given, the keys are
    /// fetched now: an issuer whose keys cannot be had is not registered.
    pub async fn add_issuer(&self, mut spec: IssuerSpec) -> CoreResult<Issuer> {
        if spec.iss.trim().is_empty() || spec.sub.trim().is_empty() {
            return Err(CoreError::invalid("an issuer needs an iss and a sub"));
        }
        let mut jwks_fetched_at = None;
        if let Some(url) = &spec.jwks_url {
            if !valid_jwks_url(url) {
                return Err(CoreError::invalid(format!(
                    "the JWKS URL {url} must be https (plain http only to this machine)"
                )));
            }
            if spec.jwks.is_empty() {
                spec.jwks = self
                    .fetch_jwks(url)
                    .await
                    .map_err(|e| CoreError::invalid(format!("could not fetch the JWKS from {url}: {e}")))?;
                jwks_fetched_at = Some(self.kernel.clock.now());
            }
        }
        if spec.public_keys_pem.is_empty() && spec.jwks.is_empty() {
            return Err(CoreError::invalid("an issuer needs at least one public key (PEM or JWK)"));
        }
        if !spec
            .public_keys_pem
            .iter()
            .all(|pem| pem_key(Algorithm::RS256, pem).or_else(|| pem_key(Algorithm::ES256, pem)).is_some())
        {
            return Err(CoreError::invalid("public keys must be RSA or P-256 public keys in PEM"));
        }
        if !spec
            .jwks
            .iter()
            .all(|j| jwk_key(Algorithm::RS256, None, j).or_else(|| jwk_key(Algorithm::ES256, None, j)).is_some())
        {
            return Err(CoreError::invalid("JWKs must be RSA or P-256 public keys"));
        }
        if spec.scopes.is_empty() || spec.scopes.iter().any(|(s, p)| s.is_empty() || s.contains(' ') || p.is_empty()) {
            return Err(CoreError::invalid("map each scope to one or more permissions"));
        }
        if !(60..=86_400).contains(&spec.max_ttl_secs) {
            return Err(CoreError::invalid("the longest token lifetime must be between 60 seconds and one day"));
        }
        let issuer = Issuer {
            iss: spec.iss,
            public_keys_pem: spec.public_keys_pem,
            jwks: spec.jwks,
            jwks_url: spec.jwks_url,
            jwks_fetched_at,
            sub: spec.sub,
            scopes: spec.scopes,
            max_ttl_secs: spec.max_ttl_secs,
            created_at: self.kernel.clock.now(),
        };
        let _writing = self.issuers.lock_writes().await;
        self.kernel.store.put_issuer(&issuer).await?;
        self.issuers.put(issuer.clone());
        Ok(issuer)
    }

    pub async fn list_issuers(&self) -> CoreResult<Vec<Issuer>> {
        Ok(self.kernel.store.list_issuers().await?)
    }

    /// Removes an issuer; this instance refuses its tokens at once, others within `FRESH_SECS`.
    pub async fn remove_issuer(&self, iss: &str) -> CoreResult<()> {
        let _writing = self.issuers.lock_writes().await;
        let removed = self.kernel.store.delete_issuer(iss).await?;
        self.issuers.forget(iss);
        if removed {
            Ok(())
        } else {
            Err(CoreError::not_found(format!("Issuer {iss} does not exist.")))
        }
    }

    /// `Ok(None)` when the token does not name a registered issuer (it may be one of Warden's own
    /// access tokens); otherwise the verified caller, or the reason it is refused.
    pub async fn verify_self_signed(&self, token: &str) -> CoreResult<Option<SelfSignedCaller>> {
        let Ok(header) = jsonwebtoken::decode_header(token) else {
            return Ok(None);
        };
        let Some(iss) = jsonwebtoken::dangerous::insecure_decode::<IssOnly>(token).ok().and_then(|d| d.claims.iss)
        else {
            return Ok(None);
        };
        let Some(mut parsed) = self.cached_issuer(&iss).await? else {
            return Ok(None);
        };
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(refuse(format!("algorithm {:?} is not accepted (RS256 or ES256)", header.alg)));
        }
        if let Some(kid) = header.kid.as_deref() {
            if parsed.record.jwks_url.is_some() && !parsed.knows_kid(kid) {
                // Perhaps the issuer rotated its key: fetch its JWKS (rate-limited) and try once more.
                if let Some(fresh) = self.keys_for_unknown_kid(&parsed, kid).await {
                    parsed = fresh;
                }
            }
        }
        let issuer = &parsed.record;
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.set_audience(&[&self.kernel.config.self_signed_audience]);
        validation.set_issuer(&[&issuer.iss]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        let mut last = refuse(match header.kid {
            Some(_) => "no key of this issuer has the token's kid and algorithm",
            None => "no key of this issuer suits the token's algorithm",
        });
        let mut claims = None;
        for key in parsed.candidates(header.alg, header.kid.as_deref()) {
            match jsonwebtoken::decode::<Claims>(token, key, &validation) {
                Ok(d) => {
                    claims = Some(d.claims);
                    break;
                }
                Err(e) => {
                    last = match e.kind() {
                        jsonwebtoken::errors::ErrorKind::InvalidAudience => refuse("wrong audience"),
                        jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(c) => {
                            refuse(format!("missing claim {c}"))
                        }
                        _ => refuse("bad signature"),
                    }
                }
            }
        }
        let claims = claims.ok_or(last)?;
        if claims.sub != issuer.sub {
            return Err(refuse("wrong sub for this issuer"));
        }
        let now = self.kernel.clock.now();
        if claims.exp <= now {
            return Err(refuse("token expired"));
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + NBF_LEEWAY_SECS) {
            return Err(refuse("token not valid yet (nbf)"));
        }
        if claims.exp - now > issuer.max_ttl_secs {
            return Err(refuse(format!("exp is too far ahead (at most {} seconds)", issuer.max_ttl_secs)));
        }
        let scopes: Vec<String> = claims.scope.split_whitespace().map(str::to_owned).collect();
        if scopes.is_empty() {
            return Err(refuse("no scope"));
        }
        let mut permissions = BTreeSet::new();
        for s in &scopes {
            let granted = issuer.scopes.get(s).ok_or_else(|| refuse(format!("unmapped scope {s}")))?;
            permissions.extend(granted.iter().cloned());
        }
        Ok(Some(SelfSignedCaller { iss: issuer.iss.clone(), sub: claims.sub, scopes, permissions, exp: claims.exp }))
    }

    /// The registered issuer `iss` with its keys parsed, from the cache; the store is read only
    /// when the cache is stale or does not know `iss` (see `issuer_cache.rs`).
    async fn cached_issuer(&self, iss: &str) -> CoreResult<Option<Arc<ParsedIssuer>>> {
        if let Some(known) = self.issuers.lookup(iss, self.kernel.clock.now()) {
            return Ok(known);
        }
        let _writing = self.issuers.lock_writes().await;
        // Another request may have re-read the table while this one waited.
        if let Some(known) = self.issuers.lookup(iss, self.kernel.clock.now()) {
            return Ok(known);
        }
        let all = self.kernel.store.list_issuers().await?;
        let now = self.kernel.clock.now();
        self.issuers.replace_all(all, now);
        Ok(self.issuers.lookup(iss, now).flatten())
    }
}
