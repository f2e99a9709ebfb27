//! The key ring: RS256 and ES256 signing keys, stored sealed under the master key, kept parsed in
//! memory.
//!
//! A key's `retired_at` is when it stops signing. Rotation publishes the new key at once but
//! retires the old one only [`NEW_KEY_LEAD_SECS`] later, so a verifier that cached the JWKS
//! (or fetched it from an instance that had not re-read the ring yet) already holds the new key
//! when the first token signed with it arrives; `--now` hands over at once (a leaked key). At
//! any moment the oldest key not yet retired signs. A retired key stays in the JWKS, and
//! verifies, until every token it can have signed has expired ([`RETIRED_KEY_RETENTION_SECS`]);
//! after that it neither verifies nor is loaded. Withdrawing a retired key ends that early (on
//! each instance at its next re-read of the ring, a minute at most).

mod material;

use std::sync::{Arc, RwLock};

use aws_lc_rs::rand::SystemRandom;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

pub use crate::model::SigningAlg;
use material::{generate, load, LoadedKey, Pair};

use crate::clock::Timestamp;
use crate::crypto::cipher::MasterKey;
use crate::error::{CoreError, CoreResult};
use crate::model::SigningKeyRecord;
use crate::store::Store;

/// How long a retired key stays published: the longest token lifetime (access and id tokens
/// live at most a day) plus clock skew.
pub const RETIRED_KEY_RETENTION_SECS: i64 = 86_400 + 600;

/// How long a new key is published before it signs: the JWKS `max-age` (300 s), plus the
/// interval at which running instances re-read the ring (60 s), plus margin.
pub const NEW_KEY_LEAD_SECS: i64 = 600;

/// When a rotation's new key starts signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// After [`NEW_KEY_LEAD_SECS`]: verifiers see the key before any token carries it.
    Scheduled,
    /// At once: the old key is not to be trusted (verifiers with a cached JWKS re-fetch it on
    /// the unknown `kid`).
    Immediate,
}

/// True once a key retired at `retired_at` has outlived every token it can have signed.
fn expired(retired_at: Option<Timestamp>, now: Timestamp) -> bool {
    retired_at.is_some_and(|t| now - t >= RETIRED_KEY_RETENTION_SECS)
}

pub struct KeyRing {
    keys: RwLock<Vec<LoadedKey>>,
    rng: SystemRandom,
    /// RSA signatures in flight on the blocking pool, at most two per core: enough to keep the
    /// cores busy across hand-offs (one per core left a quarter idle in the benchmark), few
    /// enough that waiters queue first come, first served instead of time-slicing (unbounded,
    /// client_credentials RS256 p99 doubled).
    rsa_signers: tokio::sync::Semaphore,
}

impl Default for KeyRing {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { keys: RwLock::default(), rng: SystemRandom::new(), rsa_signers: tokio::sync::Semaphore::new(2 * cores) }
    }
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

async fn generate_blocking(alg: SigningAlg, master: &MasterKey, now: Timestamp) -> CoreResult<SigningKeyRecord> {
    let master = master.clone();
    tokio::task::spawn_blocking(move || generate(alg, &master, now))
        .await
        .map_err(|e| CoreError::internal(format!("key generation task: {e}")))?
}

impl KeyRing {
    /// Loads every stored key; creates an RS256 and an ES256 key when there is no active one.
    pub async fn load_or_create(store: &dyn Store, master: &MasterKey, now: Timestamp) -> CoreResult<Self> {
        let ring = Self::default();
        ring.reload(store, master, now).await?;
        for alg in [SigningAlg::RS256, SigningAlg::ES256] {
            if !ring.has_unretired(alg) {
                store.insert_signing_key(&generate_blocking(alg, master, now).await?).await?;
                ring.reload(store, master, now).await?;
            }
        }
        Ok(ring)
    }

    /// Whether a key of `alg` has no retirement set (a rotation never retires the newest key).
    fn has_unretired(&self, alg: SigningAlg) -> bool {
        self.keys.read().expect("key ring lock").iter().any(|k| k.alg == alg && k.retired_at.is_none())
    }

    /// Re-reads the keys from the store (another instance may have added, retired or withdrawn
    /// one). Keys past their retention are left out: they verify nothing and are not worth
    /// opening. True when a key this ring held has left it (what it verified is no longer so).
    pub async fn reload(&self, store: &dyn Store, master: &MasterKey, now: Timestamp) -> CoreResult<bool> {
        let mut records = store.list_signing_keys().await?;
        records.retain(|r| !expired(r.retired_at, now));
        self.replace(records, master)
    }

    fn replace(&self, mut records: Vec<SigningKeyRecord>, master: &MasterKey) -> CoreResult<bool> {
        records.sort_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)));
        let loaded = records.iter().map(|r| load(r, master)).collect::<CoreResult<Vec<_>>>()?;
        let mut keys = self.keys.write().expect("key ring lock");
        let left = keys.iter().any(|old| !loaded.iter().any(|k| k.kid == old.kid));
        *keys = loaded;
        Ok(left)
    }

    /// A new key of `alg`, published at once and signing from the `handover`; the keys it
    /// replaces are retired then (kept for verification). Only keys older than the new one are
    /// retired, so two rotations at once leave the newer key signing, never none. Returns the
    /// new key's id.
    pub async fn rotate(
        &self,
        alg: SigningAlg,
        handover: Handover,
        store: &dyn Store,
        master: &MasterKey,
        now: Timestamp,
    ) -> CoreResult<String> {
        // Keys are ordered by creation time, in seconds: the new one must come after every key
        // it replaces, even one made in the same second.
        self.reload(store, master, now).await?;
        let newest = self.keys.read().expect("key ring lock").iter().map(|k| k.created_at).max();
        let created_at = newest.map_or(now, |t| now.max(t + 1));
        let record = generate_blocking(alg, master, created_at).await?;
        store.insert_signing_key(&record).await?;
        let from = match handover {
            Handover::Scheduled => now + NEW_KEY_LEAD_SECS,
            Handover::Immediate => now,
        };
        store.retire_signing_keys(alg.as_str(), &record.kid, record.created_at, from).await?;
        self.reload(store, master, now).await?;
        Ok(record.kid)
    }

    /// Whether `kid` names a key that has not reached its retirement at `now`.
    pub fn still_signing(&self, kid: &str, now: Timestamp) -> bool {
        self.keys.read().expect("key ring lock").iter().any(|k| k.kid == kid && k.retired_at.is_none_or(|t| t > now))
    }

    /// Withdraws a retired key in the store: at the next `reload` it leaves the JWKS and
    /// verifies nothing more. The key that signs last (not retired) cannot be withdrawn: rotate
    /// first. False when there is no such retired key.
    pub async fn withdraw(kid: &str, store: &dyn Store, now: Timestamp) -> CoreResult<bool> {
        Ok(store.withdraw_signing_key(kid, now - RETIRED_KEY_RETENTION_SECS).await?)
    }

    /// Signs `claims` with the RS256 key that signs at `now`.
    pub async fn sign<T: Serialize>(&self, claims: &T, now: Timestamp) -> CoreResult<String> {
        self.sign_with(claims, JwtType::Jwt, SigningAlg::RS256, now).await
    }

    /// A compact JWS (RFC 7515) over `header.payload`, signed by aws-lc-rs with the key of `alg`
    /// that signs at `now`.
    ///
    /// An RSA-2048 signature takes a few hundred microseconds of CPU: made on an async worker
    /// it would hold up every request queued behind it on that worker (the refresh benchmark
    /// lost a third of its throughput to that), so it runs on the blocking pool. ECDSA P-256
    /// takes a few tens of microseconds and stays inline.
    pub async fn sign_with<T: Serialize>(
        &self,
        claims: &T,
        typ: JwtType,
        alg: SigningAlg,
        now: Timestamp,
    ) -> CoreResult<String> {
        let unsigned = self.unsigned(claims, typ, alg, now)?;
        let [token] = self.sign_all(alg, [unsigned]).await?;
        Ok(token)
    }

    /// Two tokens signed with the key of `alg` that signs at `now`; for RS256 both signatures
    /// are made in one trip to the blocking pool.
    pub async fn sign_both<A: Serialize, B: Serialize>(
        &self,
        (a, a_typ): (&A, JwtType),
        (b, b_typ): (&B, JwtType),
        alg: SigningAlg,
        now: Timestamp,
    ) -> CoreResult<(String, String)> {
        let unsigned = [self.unsigned(a, a_typ, alg, now)?, self.unsigned(b, b_typ, alg, now)?];
        let [a, b] = self.sign_all(alg, unsigned).await?;
        Ok((a, b))
    }

    /// `header.payload` of a compact JWS (RFC 7515) for the key of `alg` that signs at `now`
    /// (the oldest not yet retired), and that key.
    fn unsigned<T: Serialize>(
        &self,
        claims: &T,
        typ: JwtType,
        alg: SigningAlg,
        now: Timestamp,
    ) -> CoreResult<(String, Arc<Pair>)> {
        let payload = serde_json::to_vec(claims).map_err(|e| CoreError::internal(format!("claims: {e}")))?;
        let keys = self.keys.read().expect("key ring lock");
        let key = keys
            .iter()
            .find(|k| k.alg == alg && k.retired_at.is_none_or(|t| t > now))
            .ok_or_else(|| CoreError::internal(format!("no active {} signing key", alg.as_str())))?;
        let header = match typ {
            JwtType::Jwt => &key.header_b64,
            JwtType::AccessToken => &key.header_at_b64,
        };
        let mut jws = String::with_capacity(header.len() + payload.len() * 4 / 3 + 350);
        jws.push_str(header);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut jws);
        Ok((jws, key.pair.clone()))
    }

    /// Appends each signature (aws-lc-rs).
    async fn sign_all<const N: usize>(
        &self,
        alg: SigningAlg,
        unsigned: [(String, Arc<Pair>); N],
    ) -> CoreResult<[String; N]> {
        let sign = move |rng: &SystemRandom, unsigned: [(String, Arc<Pair>); N]| {
            let mut out = Vec::with_capacity(N);
            for (mut jws, pair) in unsigned {
                let signature = pair.sign(rng, jws.as_bytes())?;
                jws.push('.');
                URL_SAFE_NO_PAD.encode_string(&signature, &mut jws);
                out.push(jws);
            }
            Ok::<_, CoreError>(out.try_into().unwrap_or_else(|_| unreachable!("one token per input")))
        };
        match alg {
            SigningAlg::RS256 => {
                let _turn = self.rsa_signers.acquire().await.map_err(|_| CoreError::internal("signing closed"))?;
                let rng = self.rng.clone();
                tokio::task::spawn_blocking(move || sign(&rng, unsigned))
                    .await
                    .map_err(|e| CoreError::internal(format!("signing task: {e}")))?
            }
            SigningAlg::ES256 => sign(&self.rng, unsigned),
        }
    }

    /// Checks the signature (RS256 or ES256, by `kid`, the header's algorithm matching the
    /// key's; a key retired longer than its retention verifies nothing) and parses the claims.
    /// Expiry, issuer and audience are the caller's to check, against its own clock.
    pub fn verify<T: DeserializeOwned>(&self, token: &str, now: Timestamp) -> Result<T, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Invalid)?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(VerifyError::Invalid);
        }
        let kid = header.kid.ok_or(VerifyError::Invalid)?;
        let keys = self.keys.read().expect("key ring lock");
        let key = keys.iter().find(|k| k.kid == kid).ok_or(VerifyError::UnknownKey)?;
        if key.alg.jwt() != header.alg || expired(key.retired_at, now) {
            return Err(VerifyError::Invalid);
        }
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation).map(|d| d.claims).map_err(|_| VerifyError::Invalid)
    }

    /// The public keys as a JWK Set: active keys, and retired ones still within their
    /// retention.
    pub fn jwks(&self, now: Timestamp) -> Value {
        let keys = self.keys.read().expect("key ring lock");
        let published = keys.iter().filter(|k| !expired(k.retired_at, now));
        json!({ "keys": published.map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn ring() -> (KeyRing, MasterKey) {
        let master = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let ring = KeyRing::default();
        let records =
            vec![generate(SigningAlg::RS256, &master, 1).unwrap(), generate(SigningAlg::ES256, &master, 1).unwrap()];
        ring.replace(records, &master).unwrap();
        (ring, master)
    }

    #[tokio::test]
    async fn signs_and_verifies_rs256_with_kid() {
        let (ring, _) = ring();
        let token = ring.sign(&json!({ "sub": "u", "n": 1 }), 1).await.unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        let jwks = ring.jwks(1);
        let rsa = jwks["keys"].as_array().unwrap().iter().find(|k| k["kty"] == "RSA").unwrap();
        assert_eq!(rsa["kid"], header.kid.unwrap().as_str());
        let claims: Value = ring.verify(&token, 1).unwrap();
        assert_eq!(claims, json!({ "sub": "u", "n": 1 }));
    }

    #[tokio::test]
    async fn refuses_tampering_none_and_hs256_confusion() {
        let (ring, _) = ring();
        let token = ring.sign(&json!({ "sub": "u" }), 1).await.unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#);
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(ring.verify::<Value>(&tampered, 1).unwrap_err(), VerifyError::Invalid);
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"x"}"#);
        assert_eq!(ring.verify::<Value>(&format!("{none_header}.{}.", parts[1]), 1).unwrap_err(), VerifyError::Invalid);
        // HS256 keyed with the public modulus must not pass as RS256.
        let jwks = ring.jwks(1);
        let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kty"] == "RSA").unwrap();
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: jwk["kid"].as_str().map(str::to_owned),
                ..jsonwebtoken::Header::new(Algorithm::HS256)
            },
            &json!({ "sub": "admin" }),
            &jsonwebtoken::EncodingKey::from_secret(jwk["n"].as_str().unwrap().as_bytes()),
        )
        .unwrap();
        assert_eq!(ring.verify::<Value>(&hs, 1).unwrap_err(), VerifyError::Invalid);
        let (other, _) = super::tests::ring();
        assert_eq!(other.verify::<Value>(&token, 1).unwrap_err(), VerifyError::UnknownKey);
    }

    #[tokio::test]
    async fn keys_at_rest_open_only_with_the_master_key() {
        let master = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let record = generate(SigningAlg::ES256, &master, 1).unwrap();
        let wrong = MasterKey::from_bytes(&MasterKey::generate_bytes());
        assert!(load(&record, &wrong).is_err());
        assert!(load(&record, &master).is_ok());
    }

    #[tokio::test]
    async fn es256_signs_and_verifies_and_algorithms_cannot_be_swapped() {
        let (ring, _) = ring();
        let token = ring.sign_with(&json!({ "sub": "u" }), JwtType::AccessToken, SigningAlg::ES256, 1).await.unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(token.split('.').nth(2).map(|s| URL_SAFE_NO_PAD.decode(s).unwrap().len()), Some(64));
        let claims: Value = ring.verify(&token, 1).unwrap();
        assert_eq!(claims["sub"], "u");
        let jwks = ring.jwks(1);
        let ec = jwks["keys"].as_array().unwrap().iter().find(|k| k["kty"] == "EC").unwrap();
        assert_eq!(ec["crv"], "P-256");
        assert_eq!(ec["kid"], header.kid.clone().unwrap().as_str());
        // An ES256 key id under an RS256 header is refused.
        let parts: Vec<&str> = token.split('.').collect();
        let swapped = URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "kid": header.kid, "typ": "JWT" }).to_string());
        assert_eq!(
            ring.verify::<Value>(&format!("{swapped}.{}.{}", parts[1], parts[2]), 1).unwrap_err(),
            VerifyError::Invalid
        );
    }

    fn kid_of_token(token: &str) -> String {
        jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
    }

    #[tokio::test]
    async fn retired_keys_publish_and_verify_for_the_retention_only() {
        let master = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let mut old = generate(SigningAlg::RS256, &master, 1).unwrap();
        let new = generate(SigningAlg::RS256, &master, 100).unwrap();
        let ring = KeyRing::default();
        old.retired_at = Some(100);
        ring.replace(vec![old.clone(), new.clone()], &master).unwrap();
        let by_new = ring.sign(&json!({ "n": 1 }), 100).await.unwrap();
        assert_eq!(kid_of_token(&by_new), new.kid);
        // A token the old key signed just before its retirement.
        let ring_before = KeyRing::default();
        let mut still = old.clone();
        still.retired_at = None;
        ring_before.replace(vec![still], &master).unwrap();
        let by_old = ring_before.sign(&json!({ "n": 0 }), 99).await.unwrap();
        assert_eq!(kid_of_token(&by_old), old.kid);

        let last = 100 + RETIRED_KEY_RETENTION_SECS - 1;
        assert_eq!(ring.jwks(last)["keys"].as_array().unwrap().len(), 2);
        assert!(ring.verify::<Value>(&by_old, last).is_ok());
        let gone = 100 + RETIRED_KEY_RETENTION_SECS;
        assert_eq!(ring.jwks(gone)["keys"].as_array().unwrap().len(), 1);
        assert_eq!(ring.verify::<Value>(&by_old, gone).unwrap_err(), VerifyError::Invalid, "past its retention");
        assert!(ring.verify::<Value>(&by_new, gone).is_ok());
    }

    #[tokio::test]
    async fn a_rotated_key_is_published_before_it_signs() {
        let master = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let mut old = generate(SigningAlg::RS256, &master, 1).unwrap();
        let new = generate(SigningAlg::RS256, &master, 100).unwrap();
        // What a scheduled rotation at 100 leaves: the old key retires at 100 + lead.
        old.retired_at = Some(100 + NEW_KEY_LEAD_SECS);
        let ring = KeyRing::default();
        ring.replace(vec![old.clone(), new.clone()], &master).unwrap();
        let kids = |now| {
            ring.jwks(now)["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(kids(100), vec![old.kid.clone(), new.kid.clone()], "the new key is published at once");
        let ring = &ring;
        let signer = |now| async move { kid_of_token(&ring.sign(&json!({}), now).await.unwrap()) };
        assert_eq!(signer(100).await, old.kid, "but does not sign yet");
        assert_eq!(signer(100 + NEW_KEY_LEAD_SECS - 1).await, old.kid);
        assert_eq!(signer(100 + NEW_KEY_LEAD_SECS).await, new.kid, "it signs from the handover");
    }
}
