//! Self-signed tokens (Scribe's "self-managed signer"): RS256 JWTs with exactly `iss`, `sub`,
//! `aud`, a space-separated `scope` and `exp`, signed with the customer's own private key.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The audience Scribe's APIs expect.
pub const SCRIBE_AUDIENCE: &str = "https://apis.scribelabs.ai";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfSignedClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub scope: String,
    pub exp: i64,
}

#[derive(Clone)]
pub struct SelfManagedSigner {
    key: EncodingKey,
    issuer: String,
    sub: String,
}

impl std::fmt::Debug for SelfManagedSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfManagedSigner")
            .field("issuer", &self.issuer)
            .field("sub", &self.sub)
            .finish_non_exhaustive()
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl SelfManagedSigner {
    /// `private_key_pem`: an RSA private key in PEM (PKCS#1 or PKCS#8). Anything else (a public
    /// key, an EC key, a corrupt key) is refused here, by a test signature, not at the first `sign`.
    pub fn new(private_key_pem: &str, issuer: impl Into<String>, sub: impl Into<String>) -> Result<Self, Error> {
        let key = EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
            .map_err(|e| Error::Unknown(format!("private key: {e}")))?;
        // `from_rsa_pem` only unwraps the PEM; the DER is parsed when signing.
        jsonwebtoken::crypto::sign(b"scribeauth key check", &key, Algorithm::RS256)
            .map_err(|e| Error::Unknown(format!("private key: not an RSA private key that can sign: {e}")))?;
        Ok(Self { key, issuer: issuer.into(), sub: sub.into() })
    }

    /// A token for `scopes`, expiring at `exp` (Unix seconds, absolute), which must be in the
    /// future: a token that is already expired is refused.
    pub fn sign(&self, scopes: &[&str], exp: i64) -> Result<String, Error> {
        let now = unix_now();
        if exp <= now {
            return Err(Error::Unknown(format!(
                "exp must be in the future: {exp} is not after now ({now}) (exp is absolute Unix seconds)"
            )));
        }
        self.sign_unchecked(scopes, exp)
    }

    /// As `sign`, without refusing an `exp` in the past: for testing how a verifier treats expired
    /// tokens.
    pub fn sign_unchecked(&self, scopes: &[&str], exp: i64) -> Result<String, Error> {
        let claims = SelfSignedClaims {
            iss: self.issuer.clone(),
            sub: self.sub.clone(),
            aud: SCRIBE_AUDIENCE.into(),
            scope: scopes.join(" "),
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| Error::Unknown(format!("signing: {e}")))
    }
}

/// Verifies a self-signed token with the issuer's public key (PEM): signature, `exp` and `aud`.
pub fn decode_self_signed_jwt(token: &str, public_key_pem: &str) -> Result<SelfSignedClaims, Error> {
    let key =
        DecodingKey::from_rsa_pem(public_key_pem.as_bytes()).map_err(|e| Error::Unknown(format!("public key: {e}")))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[SCRIBE_AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "aud"]);
    jsonwebtoken::decode::<SelfSignedClaims>(token, &key, &validation)
        .map(|d| d.claims)
        .map_err(|e| Error::Unauthorized(format!("invalid token: {e}")))
}

#[cfg(test)]
mod tests {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    use super::*;

    fn keypair() -> (String, String) {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let public = rsa::RsaPublicKey::from(&private);
        (private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(), public.to_public_key_pem(LineEnding::LF).unwrap())
    }

    fn now() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
    }

    #[test]
    fn signs_exactly_the_five_claims_and_verifies() {
        let (private, public) = keypair();
        let signer = SelfManagedSigner::new(&private, "https://issuer.example", "account-42").unwrap();
        let token = signer.sign(&["read", "write"], now() + 600).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.kid, None);
        let claims = decode_self_signed_jwt(&token, &public).unwrap();
        assert_eq!(claims.scope, "read write");
        assert_eq!(claims.aud, SCRIBE_AUDIENCE);
        assert_eq!((claims.iss.as_str(), claims.sub.as_str()), ("https://issuer.example", "account-42"));
        use base64::Engine;
        let payload: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(payload.as_object().unwrap().len(), 5, "{payload}");
    }

    #[test]
    fn refuses_expired_foreign_and_tampered_tokens() {
        let (private, public) = keypair();
        let (_, other_public) = keypair();
        let signer = SelfManagedSigner::new(&private, "iss", "sub").unwrap();
        let expired = signer.sign_unchecked(&["read"], now() - 3600).unwrap();
        assert!(matches!(decode_self_signed_jwt(&expired, &public), Err(Error::Unauthorized(_))));
        let token = signer.sign(&["read"], now() + 600).unwrap();
        assert!(decode_self_signed_jwt(&token, &other_public).is_err());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert!(decode_self_signed_jwt(&parts.join("."), &public).is_err());
    }

    #[test]
    fn new_refuses_what_cannot_sign() {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;

        let (private, public) = keypair();
        assert!(SelfManagedSigner::new(&private, "i", "s").is_ok());
        let pkcs1 = rsa::RsaPrivateKey::from_pkcs8_pem(&private).unwrap().to_pkcs1_pem(LineEnding::LF).unwrap();
        assert!(SelfManagedSigner::new(&pkcs1, "i", "s").is_ok());
        assert!(SelfManagedSigner::new("not a key", "i", "s").is_err());
        // Both unwrap as PEM (`EncodingKey::from_rsa_pem` accepts them) but cannot sign: a public
        // key, and a well-formed DER `SEQUENCE { INTEGER 0 }` labelled as an RSA private key.
        let not_a_private_key = "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n";
        for pem in [public.as_str(), not_a_private_key] {
            assert!(EncodingKey::from_rsa_pem(pem.as_bytes()).is_ok(), "{pem}");
            let err = SelfManagedSigner::new(pem, "i", "s").unwrap_err();
            assert!(matches!(&err, Error::Unknown(m) if m.starts_with("private key:")), "{err:?}");
        }
    }

    #[test]
    fn sign_refuses_an_exp_that_is_not_in_the_future() {
        let (private, public) = keypair();
        let signer = SelfManagedSigner::new(&private, "iss", "sub").unwrap();
        for exp in [now() - 3600, now(), 0, 600] {
            let err = signer.sign(&["read"], exp).unwrap_err();
            assert!(matches!(&err, Error::Unknown(m) if m.starts_with("exp must be in the future")), "{err:?}");
        }
        let exp = now() + 60;
        let claims = decode_self_signed_jwt(&signer.sign(&["read"], exp).unwrap(), &public).unwrap();
        assert_eq!(claims.exp, exp);
    }
}
