//! Secrets at rest (signing keys, client secrets, access-key secrets, TOTP seeds) are sealed with
//! AES-256-GCM under the master key. Output: 12-byte random nonce || ciphertext+tag.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

use crate::error::CoreError;

#[derive(Clone)]
pub struct MasterKey(Aes256Gcm, [u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(**redacted**)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        // A key of its own for MACs, derived (HMAC is a PRF), never the cipher's.
        let mac_key = hmac_sha256(bytes, b"warden master key: MAC key v1");
        Self(Aes256Gcm::new(bytes.into()), mac_key)
    }

    /// A keyed digest of `data` for `purpose`: what is stored in place of a short secret (a
    /// six-digit code) that a plain hash would not hide from whoever reads the database.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> Vec<u8> {
        let mut input = Vec::with_capacity(purpose.len() + 1 + data.len());
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(data);
        hmac_sha256(&self.1, &input).to_vec()
    }

    pub fn generate_bytes() -> [u8; 32] {
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        b
    }

    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CoreError> {
        if sealed.len() < 12 + 16 {
            return Err(CoreError::internal("sealed value too short"));
        }
        let (nonce, ct) = sealed.split_at(12);
        self.0
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| CoreError::internal("sealed value does not open under this master key"))
    }

    pub fn open_string(&self, sealed: &[u8]) -> Result<String, CoreError> {
        String::from_utf8(self.open(sealed)?).map_err(|_| CoreError::internal("sealed value is not UTF-8"))
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let k = MasterKey::from_bytes(&MasterKey::generate_bytes());
        let mut sealed = k.seal(b"secret");
        assert_eq!(k.open(&sealed).unwrap(), b"secret");
        let other = MasterKey::from_bytes(&MasterKey::generate_bytes());
        assert!(other.open(&sealed).is_err());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(k.open(&sealed).is_err());
    }

    #[test]
    fn macs_are_keyed_per_master_key_and_purpose() {
        let a = MasterKey::from_bytes(&[1; 32]);
        let b = MasterKey::from_bytes(&[2; 32]);
        assert_eq!(a.mac("code", b"123456"), a.mac("code", b"123456"));
        assert_ne!(a.mac("code", b"123456"), b.mac("code", b"123456"), "another key, another digest");
        assert_ne!(a.mac("code", b"123456"), a.mac("other", b"123456"), "another purpose, another digest");
        assert_ne!(a.mac("code", b"123456").as_slice(), crate::crypto::random::sha256(b"123456").as_slice());
        assert_eq!(a.mac("code", b"1").len(), 32);
    }
}
