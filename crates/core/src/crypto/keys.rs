//! The key ring: RS256 signing keys, stored sealed under the master key, kept parsed in memory.
//! The newest unretired key signs; every key stays in the JWKS so tokens it signed still verify.

use std::sync::RwLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
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
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
    retired: bool,
}

#[derive(Default)]
pub struct KeyRing {
    keys: RwLock<Vec<LoadedKey>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.keys.read().map(|k| k.len()).unwrap_or(0);
        write!(f, "KeyRing({n} keys)")
    }
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
    pub async fn load_or_create(
        store: &dyn Store,
        master: &MasterKey,
        now: Timestamp,
    ) -> CoreResult<Self> {
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
        let mut records = store.list_signing_keys().await?;
        records.sort_by_key(|r| r.created_at);
        let loaded = records
            .iter()
            .map(|r| load(r, master))
            .collect::<CoreResult<Vec<_>>>()?;
        *self.keys.write().expect("key ring lock") = loaded;
        Ok(())
    }

    /// Signs `claims` with the newest active key.
    pub fn sign<T: Serialize>(&self, claims: &T) -> CoreResult<String> {
        let keys = self.keys.read().expect("key ring lock");
        let key = keys
            .iter()
            .rev()
            .find(|k| !k.retired)
            .ok_or_else(|| CoreError::internal("no active signing key"))?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding)
            .map_err(|e| CoreError::internal(format!("signing: {e}")))
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
        let key = keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or(VerifyError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|_| VerifyError::Invalid)
    }

    /// The public keys as a JWK Set.
    pub fn jwks(&self) -> Value {
        let keys = self.keys.read().expect("key ring lock");
        json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }
}

fn generate_rsa(master: &MasterKey, now: Timestamp) -> CoreResult<SigningKeyRecord> {
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map_err(|e| CoreError::internal(format!("rsa key generation: {e}")))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| CoreError::internal(format!("rsa pem: {e}")))?;
    let public = RsaPublicKey::from(&private);
    let kid = URL_SAFE_NO_PAD.encode(&sha256(&public.n().to_bytes_be())[..16]);
    Ok(SigningKeyRecord {
        kid,
        alg: "RS256".into(),
        private_enc: master.seal(pem.as_bytes()),
        created_at: now,
        retired_at: None,
    })
}

fn load(record: &SigningKeyRecord, master: &MasterKey) -> CoreResult<LoadedKey> {
    if record.alg != "RS256" {
        return Err(CoreError::internal(format!(
            "unsupported key algorithm {}",
            record.alg
        )));
    }
    let pem = master.open(&record.private_enc)?;
    let pem_str =
        std::str::from_utf8(&pem).map_err(|_| CoreError::internal("key pem not UTF-8"))?;
    let private = <RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem_str)
        .map_err(|e| CoreError::internal(format!("stored key: {e}")))?;
    let public = RsaPublicKey::from(&private);
    let n = public.n().to_bytes_be();
    let e = public.e().to_bytes_be();
    let encoding = EncodingKey::from_rsa_pem(&pem)
        .map_err(|e| CoreError::internal(format!("stored key: {e}")))?;
    let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
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
        encoding,
        decoding,
        jwk,
        retired: record.retired_at.is_some(),
    })
}
