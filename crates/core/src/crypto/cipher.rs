//! Secrets at rest (signing keys, client secrets, access-key secrets, TOTP seeds) are sealed with
//! AES-256-GCM under the master key. Output: 12-byte random nonce || ciphertext+tag.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

use crate::error::CoreError;

#[derive(Clone)]
pub struct MasterKey(Aes256Gcm);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(**redacted**)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(Aes256Gcm::new(bytes.into()))
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
}
