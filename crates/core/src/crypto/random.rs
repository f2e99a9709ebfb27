//! Random identifiers and secrets from the OS generator, and the one-way hash for opaque tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::distributions::{Distribution, Uniform};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const MIXED_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn from_alphabet(alphabet: &[u8], len: usize) -> String {
    let dist = Uniform::from(0..alphabet.len());
    (0..len).map(|_| alphabet[dist.sample(&mut OsRng)] as char).collect()
}

/// 256 bits, base64url: refresh tokens, challenge sessions, authorization codes.
///
/// Never starts with `-`: a token is pasted on command lines (`scribeauth --refresh_token <token>`), where a
/// leading dash reads as an option and the tool refuses it. One draw in 64 would start with one; those are drawn
/// again, which leaves the token ~255.98 bits of entropy.
pub fn opaque_token() -> String {
    let mut b = [0u8; 32];
    loop {
        OsRng.fill_bytes(&mut b);
        // The first character is the top six bits of the first byte; `-` is index 62 of the base64url alphabet.
        if b[0] >> 2 != 62 {
            return URL_SAFE_NO_PAD.encode(b);
        }
    }
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// `<region>_<9 alnum>`, as Cognito shapes pool ids.
pub fn pool_id(region: &str) -> String {
    format!("{region}_{}", from_alphabet(MIXED_ALNUM, 9))
}

/// 26 lowercase alphanumerics, as Cognito shapes client ids.
pub fn client_id() -> String {
    from_alphabet(LOWER_ALNUM, 26)
}

/// 51 lowercase alphanumerics (~263 bits), as Cognito shapes client secrets.
pub fn client_secret() -> String {
    from_alphabet(LOWER_ALNUM, 51)
}

/// `AKIA` + 16 upper alphanumerics.
pub fn access_key_id() -> String {
    format!("AKIA{}", from_alphabet(UPPER_ALNUM, 16))
}

/// `ASIA` + 16 upper alphanumerics: temporary credentials, as AWS shapes them.
pub fn temporary_access_key_id() -> String {
    format!("ASIA{}", from_alphabet(UPPER_ALNUM, 16))
}

/// 40 characters (~238 bits).
pub fn access_key_secret() -> String {
    from_alphabet(MIXED_ALNUM, 40)
}

/// A six-digit code for email or SMS.
pub fn numeric_code() -> String {
    let dist = Uniform::from(0..10u8);
    (0..6).map(|_| (b'0' + dist.sample(&mut OsRng)) as char).collect()
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A temporary password that satisfies Cognito's default policy.
pub fn temporary_password() -> String {
    format!("{}aA1!", from_alphabet(MIXED_ALNUM, 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let p = pool_id("eu-west-2");
        assert!(p.starts_with("eu-west-2_") && p.len() == "eu-west-2_".len() + 9);
        assert_eq!(client_id().len(), 26);
        assert!(access_key_id().starts_with("AKIA"));
        let c = numeric_code();
        assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()));
        assert!(opaque_token().len() >= 43);
        assert_ne!(opaque_token(), opaque_token());
    }

    #[test]
    fn opaque_tokens_never_start_with_a_dash() {
        // Without the redraw, 20,000 draws hold a leading dash with probability 1 - (63/64)^20000 (certain).
        assert!((0..20_000).map(|_| opaque_token()).all(|t| !t.starts_with('-') && t.len() == 43));
        assert!(URL_SAFE_NO_PAD.encode([62u8 << 2]).starts_with('-'), "index 62 is the dash");
    }
}
