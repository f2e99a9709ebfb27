//! The key ring: RS256 signing keys, stored sealed under the master key, kept parsed in memory.
//! The newest unretired key signs; every key stays in the JWKS so tokens it signed still verify.

use std::sync::RwLock;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::Timestamp;
use crate::crypto::cipher::MasterKey;
use crate::crypto::random::sha256;
use crate::error::{CoreError, CoreResult};
use crate::model::SigningKeyRecord;
use crate::store::Store;

struct LoadedKey {
    kid: String,
    /// Parsed once: signing must not re-parse the key per token.
    pair: KeyPair,
    /// `base64url({"alg":"RS256","kid":...,"typ":"JWT"})`, the JWS header every token shares.
    header_b64: String,
    /// The same with `"typ":"at+jwt"` (RFC 9068 access tokens).
    header_at_b64: String,
    decoding: DecodingKey,
    jwk: Value,
    retired: bool,
}

#[derive(Default)]
pub struct KeyRing {
    keys: RwLock<Vec<LoadedKey>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.keys.read().map(|k| k.len()).unwrap_or(0);
        write!(f, "KeyRing({n} keys)")
    }
}

/// The JWS `typ` header of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtType {
    Jwt,
    /// `at+jwt`, RFC 9068 access tokens.
    AccessToken,
}

/// Why a token did not verify.
#[derive(Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a JWT, wrong algorithm, bad signature, or claims that do not parse.
    Invalid,
    /// Signed with a key this ring does not hold (yet).
    UnknownKey,
}

impl KeyRing {
    /// Loads every stored key; creates the first one when there is none.
    pub async fn load_or_create(store: &dyn Store, master: &MasterKey, now: Timestamp) -> CoreResult<Self> {
        let ring = Self::default();
        ring.reload(store, master).await?;
        if ring.keys.read().expect("key ring lock").is_empty() {
            let record = tokio::task::spawn_blocking({
                let master = master.clone();
                move || generate_rsa(&master, now)
            })
            .await
            .map_err(|e| CoreError::internal(format!("key generation task: {e}")))??;
            store.insert_signing_key(&record).await?;
            ring.reload(store, master).await?;
        }
        Ok(ring)
    }

    /// Re-reads the keys from the store (another instance may have added one).
    pub async fn reload(&self, store: &dyn Store, master: &MasterKey) -> CoreResult<()> {
        let records = store.list_signing_keys().await?;
        self.replace(records, master)
    }

    fn replace(&self, mut records: Vec<SigningKeyRecord>, master: &MasterKey) -> CoreResult<()> {
        records.sort_by_key(|r| r.created_at);
        let loaded = records.iter().map(|r| load(r, master)).collect::<CoreResult<Vec<_>>>()?;
        *self.keys.write().expect("key ring lock") = loaded;
        Ok(())
    }

    /// Signs `claims` with the newest active key: a compact JWS (RFC 7515) whose signature is
    /// RSASSA-PKCS1-v1_5 SHA-256 from aws-lc-rs over `header.payload`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> CoreResult<String> {
        self.sign_typed(claims, JwtType::Jwt)
    }

    /// Signs with the given `typ` header.
    pub fn sign_typed<T: Serialize>(&self, claims: &T, typ: JwtType) -> CoreResult<String> {
        let payload = serde_json::to_vec(claims).map_err(|e| CoreError::internal(format!("claims: {e}")))?;
        let keys = self.keys.read().expect("key ring lock");
        let key = keys.iter().rev().find(|k| !k.retired).ok_or_else(|| CoreError::internal("no active signing key"))?;
        let header = match typ {
            JwtType::Jwt => &key.header_b64,
            JwtType::AccessToken => &key.header_at_b64,
        };
        let mut jws = String::with_capacity(header.len() + payload.len() * 4 / 3 + 350);
        jws.push_str(header);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut jws);
        let mut signature = vec![0u8; key.pair.public_modulus_len()];
        key.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, jws.as_bytes(), &mut signature)
            .map_err(|_| CoreError::internal("RSA signing failed"))?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jws);
        Ok(jws)
    }

    /// Checks the signature (RS256 only, by `kid`) and parses the claims. Expiry, issuer and
    /// audience are the caller's to check, against its own clock.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::Invalid);
        }
        let kid = header.kid.ok_or(VerifyError::Invalid)?;
        let keys = self.keys.read().expect("key ring lock");
        let key = keys.iter().find(|k| k.kid == kid).ok_or(VerifyError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation).map(|d| d.claims).map_err(|_| VerifyError::Invalid)
    }

    /// The public keys as a JWK Set.
    pub fn jwks(&self) -> Value {
        let keys = self.keys.read().expect("key ring lock");
        json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }
}

fn generate_rsa(master: &MasterKey, now: Timestamp) -> CoreResult<SigningKeyRecord> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| CoreError::internal("RSA key generation failed"))?;
    let der: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| CoreError::internal("RSA key encoding failed"))?;
    let kid = URL_SAFE_NO_PAD.encode(&sha256(pair.public_key().modulus().big_endian_without_leading_zero())[..16]);
    Ok(SigningKeyRecord {
        kid,
        alg: "RS256".into(),
        private_enc: master.seal(der.as_ref()),
        created_at: now,
        retired_at: None,
    })
}

fn load(record: &SigningKeyRecord, master: &MasterKey) -> CoreResult<LoadedKey> {
    if record.alg != "RS256" {
        return Err(CoreError::internal(format!("unsupported key algorithm {}", record.alg)));
    }
    let der = master.open(&record.private_enc)?;
    let pair = KeyPair::from_pkcs8(&der).map_err(|e| CoreError::internal(format!("stored key {}: {e}", record.kid)))?;
    let n = pair.public_key().modulus().big_endian_without_leading_zero().to_vec();
    let e = pair.public_key().exponent().big_endian_without_leading_zero().to_vec();
    let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
    let header = json!({ "alg": "RS256", "kid": record.kid, "typ": "JWT" });
    let header_b64 = URL_SAFE_NO_PAD.encode(header.to_string());
    let header_at = json!({ "alg": "RS256", "kid": record.kid, "typ": "at+jwt" });
    let header_at_b64 = URL_SAFE_NO_PAD.encode(header_at.to_string());
    let jwk = json!({
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": record.kid,
        "n": URL_SAFE_NO_PAD.encode(&n),
        "e": URL_SAFE_NO_PAD.encode(&e),
    });
    Ok(LoadedKey {
        kid: record.kid.clone(),
        pair,
        header_b64,
        header_at_b64,
        decoding,
        jwk,
        retired: record.retired_at.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn ring() -> (KeyRing, MasterKey) {
        let master = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let ring = KeyRing::default();
        ring.replace(vec![generate_rsa(&master, 1).unwrap()], &master).unwrap();
        (ring, master)
    }

    #[test]
    fn signs_and_verifies_rs256_with_kid() {
        let (ring, _) = ring();
        let token = ring.sign(&json!({ "sub": "u", "n": 1 })).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(ring.jwks()["keys"][0]["kid"], header.kid.unwrap().as_str());
        let claims: Value = ring.verify(&token).unwrap();
        assert_eq!(claims, json!({ "sub": "u", "n": 1 }));
    }

    #[test]
    fn refuses_tampering_none_and_hs256_confusion() {
        let (ring, _) = ring();
        let token = ring.sign(&json!({ "sub": "u" })).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#);
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(ring.verify::<Value>(&tampered).unwrap_err(), VerifyError::Invalid);
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"x"}"#);
        assert_eq!(ring.verify::<Value>(&format!("{none_header}.{}.", parts[1])).unwrap_err(), VerifyError::Invalid);
        // HS256 keyed with the public modulus must not pass as RS256.
        let jwk = &ring.jwks()["keys"][0];
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: jwk["kid"].as_str().map(str::to_owned),
                ..jsonwebtoken::Header::new(Algorithm::HS256)
            },
            &json!({ "sub": "admin" }),
            &jsonwebtoken::EncodingKey::from_secret(jwk["n"].as_str().unwrap().as_bytes()),
        )
        .unwrap();
        assert_eq!(ring.verify::<Value>(&hs).unwrap_err(), VerifyError::Invalid);
        let (other, _) = super::tests::ring();
        assert_eq!(other.verify::<Value>(&token).unwrap_err(), VerifyError::UnknownKey);
    }

    #[test]
    fn keys_at_rest_open_only_with_the_master_key() {
        let master = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let record = generate_rsa(&master, 1).unwrap();
        let wrong = MasterKey::from_bytes(&MasterKey::generate_bytes());
        assert!(load(&record, &wrong).is_err());
        assert!(load(&record, &master).is_ok());
    }
}
