use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// An external issuer of self-signed tokens (Scribe's "self-managed signer"): the customer keeps
/// the private key; Warden holds the public one, the `sub` it assigned, and how the customer's
/// scopes map onto permissions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Issuer {
    /// The tokens' `iss`.
    pub iss: String,
    /// PEM public keys (RSA for RS256, P-256 for ES256); any one may sign.
    pub public_keys_pem: Vec<String>,
    /// Public keys as JWKs, matched by `kid`: given at registration, or the last keys fetched
    /// from `jwks_url`.
    #[serde(default)]
    pub jwks: Vec<serde_json::Value>,
    /// Where the issuer publishes its JWKS; when set, `jwks` is refreshed from it (periodically,
    /// and when a token names an unknown `kid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// When `jwks` was last fetched from `jwks_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_fetched_at: Option<Timestamp>,
    /// The `sub` tokens must carry: the account Warden assigned to this issuer.
    pub sub: String,
    /// Scope word to the permissions it grants (`read`, `write`, `delete`...).
    pub scopes: BTreeMap<String, Vec<String>>,
    /// Longest a token may live: `exp` further ahead than this is refused.
    pub max_ttl_secs: i64,
    pub created_at: Timestamp,
}
