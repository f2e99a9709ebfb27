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
    /// Public keys as JWKs (from the issuer's JWKS URL when it was registered), matched by `kid`.
    #[serde(default)]
    pub jwks: Vec<serde_json::Value>,
    /// The `sub` tokens must carry: the account Warden assigned to this issuer.
    pub sub: String,
    /// Scope word to the permissions it grants (`read`, `write`, `delete`...).
    pub scopes: BTreeMap<String, Vec<String>>,
    /// Longest a token may live: `exp` further ahead than this is refused.
    pub max_ttl_secs: i64,
    pub created_at: Timestamp,
}
