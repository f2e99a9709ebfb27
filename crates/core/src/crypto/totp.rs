//! RFC 6238 TOTP (SHA-1, 6 digits, 30 s) via `totp-rs`, with the accepted time step returned so
//! that a code is never accepted twice.

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret as TotpSecret, TOTP};

use crate::error::CoreError;
use crate::Secret;

pub const STEP: i64 = 30;

/// 20 random bytes, returned with their base32 form (what authenticator apps take).
pub fn new_secret() -> (Secret<Vec<u8>>, Secret<String>) {
    let mut bytes = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let b32 = TotpSecret::Raw(bytes.clone()).to_encoded().to_string();
    (Secret::new(bytes), Secret::new(b32))
}

fn totp(secret: &[u8]) -> Result<TOTP, CoreError> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP as u64, secret.to_vec())
        .map_err(|e| CoreError::internal(format!("totp: {e}")))
}

/// The time step whose code matches, within one step of skew. The caller refuses a step at or
/// below the last one it accepted (a reused code).
pub fn verify(secret: &Secret<Vec<u8>>, code: &str, now: i64) -> Result<Option<i64>, CoreError> {
    let t = totp(secret.expose())?;
    let current = now / STEP;
    for step in [current, current - 1, current + 1] {
        if step < 0 {
            continue;
        }
        let expected = t.generate((step * STEP) as u64);
        if expected.as_bytes().ct_eq(code.trim().as_bytes()).into() {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// The code at `now` for a base32 secret (as AssociateSoftwareToken hands it out); for tests and
/// command-line tools.
pub fn code_for_base32(secret_b32: &str, now: i64) -> Result<String, CoreError> {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|_| CoreError::invalid("secret is not base32"))?;
    code_at(&bytes, now)
}

/// The code at `now`; for tests and the CLI.
pub fn code_at(secret: &[u8], now: i64) -> Result<String, CoreError> {
    Ok(totp(secret)?.generate(now as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_within_one_step_of_skew() {
        let (secret, b32) = new_secret();
        assert!(b32.expose().len() >= 32);
        assert_eq!(
            code_for_base32(b32.expose(), 1_800_000_000).unwrap(),
            code_at(secret.expose(), 1_800_000_000).unwrap()
        );
        assert_eq!(format!("{secret:?} {b32:?}"), "Secret(**redacted**) Secret(**redacted**)");
        let now = 1_800_000_000;
        let code = code_at(secret.expose(), now).unwrap();
        assert_eq!(verify(&secret, &code, now).unwrap(), Some(now / STEP));
        assert_eq!(verify(&secret, &code, now + STEP).unwrap(), Some(now / STEP), "one step late accepted");
        assert_eq!(verify(&secret, &code, now + 3 * STEP).unwrap(), None, "stale refused");
        assert_eq!(verify(&secret, "000000x", now).unwrap(), None);
    }
}
