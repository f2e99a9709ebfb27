//! One signing key in memory: generated or opened from its sealed record, with its JWS headers,
//! its verifier and its public JWK. RS256 (RSA 2048, PKCS#1 v1.5) and ES256 (P-256) keys come
//! from aws-lc-rs; nothing here is hand-rolled.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde_json::{json, Value};

use crate::clock::Timestamp;
use crate::crypto::cipher::MasterKey;
use crate::crypto::random::sha256;
use crate::error::{CoreError, CoreResult};
use crate::model::{SigningAlg, SigningKeyRecord};

pub(crate) enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

pub(crate) struct LoadedKey {
    pub kid: String,
    pub alg: SigningAlg,
    /// Parsed once: signing must not re-parse the key per token. Shared, so an RSA signature can
    /// be made on a blocking thread.
    pub pair: std::sync::Arc<Pair>,
    /// `base64url({"alg":...,"kid":...,"typ":"JWT"})`.
    pub header_b64: String,
    /// The same with `"typ":"at+jwt"` (RFC 9068 access tokens).
    pub header_at_b64: String,
    pub decoding: DecodingKey,
    pub jwk: Value,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

impl Pair {
    /// The signature over `input`, in JWS form (RSA PKCS#1 v1.5, or ECDSA r||s).
    pub fn sign(&self, rng: &SystemRandom, input: &[u8]) -> CoreResult<Vec<u8>> {
        match self {
            Pair::Rsa(pair) => {
                let mut signature = vec![0u8; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, rng, input, &mut signature)
                    .map_err(|_| CoreError::internal("RSA signing failed"))?;
                Ok(signature)
            }
            Pair::Ec(pair) => {
                let signature = pair.sign(rng, input).map_err(|_| CoreError::internal("ECDSA signing failed"))?;
                Ok(signature.as_ref().to_vec())
            }
        }
    }
}

fn kid_of(public: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&sha256(public)[..16])
}

/// A new key of `alg`, sealed under the master key.
pub fn generate(alg: SigningAlg, master: &MasterKey, now: Timestamp) -> CoreResult<SigningKeyRecord> {
    let (kid, der) = match alg {
        SigningAlg::RS256 => {
            let pair =
                RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| CoreError::internal("RSA key generation failed"))?;
            let der: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| CoreError::internal("RSA key encoding failed"))?;
            (kid_of(pair.public_key().modulus().big_endian_without_leading_zero()), der.as_ref().to_vec())
        }
        SigningAlg::ES256 => {
            let rng = SystemRandom::new();
            let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|_| CoreError::internal("EC key generation failed"))?;
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref())
                .map_err(|_| CoreError::internal("EC key parsing failed"))?;
            (kid_of(pair.public_key().as_ref()), der.as_ref().to_vec())
        }
    };
    Ok(SigningKeyRecord {
        kid,
        alg: alg.as_str().into(),
        private_enc: master.seal(&der),
        created_at: now,
        retired_at: None,
    })
}

fn headers(alg: SigningAlg, kid: &str) -> (String, String) {
    let h = |typ: &str| URL_SAFE_NO_PAD.encode(json!({ "alg": alg.as_str(), "kid": kid, "typ": typ }).to_string());
    (h("JWT"), h("at+jwt"))
}

/// Opens a stored key.
pub fn load(record: &SigningKeyRecord, master: &MasterKey) -> CoreResult<LoadedKey> {
    let alg = SigningAlg::parse(&record.alg)
        .ok_or_else(|| CoreError::internal(format!("unsupported key algorithm {}", record.alg)))?;
    let der = master.open(&record.private_enc)?;
    let bad = |e: String| CoreError::internal(format!("stored key {}: {e}", record.kid));
    let (pair, decoding, jwk) = match alg {
        SigningAlg::RS256 => {
            let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| bad(e.to_string()))?;
            let n = pair.public_key().modulus().big_endian_without_leading_zero().to_vec();
            let e = pair.public_key().exponent().big_endian_without_leading_zero().to_vec();
            let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
            let jwk = json!({
                "kty": "RSA", "alg": "RS256", "use": "sig", "kid": record.kid,
                "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e),
            });
            (Pair::Rsa(pair), decoding, jwk)
        }
        SigningAlg::ES256 => {
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).map_err(|e| bad(e.to_string()))?;
            // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
            let point = pair.public_key().as_ref().to_vec();
            if point.len() != 65 || point[0] != 4 {
                return Err(bad("unexpected EC public key encoding".into()));
            }
            let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
            let decoding = DecodingKey::from_ec_components(&x, &y).map_err(|e| bad(e.to_string()))?;
            let jwk =
                json!({ "kty": "EC", "alg": "ES256", "use": "sig", "kid": record.kid, "crv": "P-256", "x": x, "y": y });
            (Pair::Ec(pair), decoding, jwk)
        }
    };
    let (header_b64, header_at_b64) = headers(alg, &record.kid);
    Ok(LoadedKey {
        kid: record.kid.clone(),
        alg,
        pair: std::sync::Arc::new(pair),
        header_b64,
        header_at_b64,
        decoding,
        jwk,
        created_at: record.created_at,
        retired_at: record.retired_at,
    })
}
