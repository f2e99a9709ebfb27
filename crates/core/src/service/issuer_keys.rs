//! Verification keys from an issuer's JWKs or PEM public keys, each only for the algorithm it
//! suits (no RS/ES confusion).

use jsonwebtoken::{Algorithm, DecodingKey};

/// A JWK's key, if it suits `alg` and, when the token names a `kid`, is that key.
pub(crate) fn jwk_key(alg: Algorithm, kid: Option<&str>, jwk: &serde_json::Value) -> Option<DecodingKey> {
    let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).ok()?;
    if kid.is_some() && parsed.common.key_id.as_deref() != kid {
        return None;
    }
    use jsonwebtoken::jwk::AlgorithmParameters::{EllipticCurve, RSA};
    if !matches!((&parsed.algorithm, alg), (RSA(_), Algorithm::RS256) | (EllipticCurve(_), Algorithm::ES256)) {
        return None;
    }
    DecodingKey::from_jwk(&parsed).ok()
}

/// A PEM public key's key, if it suits `alg`.
pub(crate) fn pem_key(alg: Algorithm, pem: &str) -> Option<DecodingKey> {
    match alg {
        Algorithm::RS256 => DecodingKey::from_rsa_pem(pem.as_bytes()).ok(),
        Algorithm::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()).ok(),
        _ => None,
    }
}
