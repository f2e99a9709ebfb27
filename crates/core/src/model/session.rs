use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// A refresh token and every access and id token issued from it share one family, whose id is
/// the tokens' `origin_jti`. Revoking the family kills them all.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RefreshFamily {
    pub id: String,
    pub pool_id: String,
    pub client_id: String,
    pub user_id: String,
    /// SHA-256 of the refresh token; the token itself is never stored.
    pub token_hash: Vec<u8>,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// The scopes granted through the OIDC door (space-separated); `None` for a Cognito API
    /// sign-in, whose tokens carry `aws.cognito.signin.user.admin`.
    pub scope: Option<String>,
    /// How the user authenticated (`pwd`, `otp`), space-separated.
    pub amr: String,
}

/// A step of a sign-in after the password. `as_str` is the stored code; doors name the steps
/// in their own words.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    /// A new password in place of a temporary one.
    NewPasswordRequired,
    /// A code from the user's authenticator app.
    SoftwareTokenMfa,
    /// Setting up an authenticator (not yet offered).
    MfaSetup,
}

impl ChallengeKind {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewPasswordRequired => "new_password_required",
            Self::SoftwareTokenMfa => "software_token_mfa",
            Self::MfaSetup => "mfa_setup",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "new_password_required" => Self::NewPasswordRequired,
            "software_token_mfa" => Self::SoftwareTokenMfa,
            "mfa_setup" => Self::MfaSetup,
            _ => return None,
        })
    }
}

/// A pending challenge; the session string handed to the client is hashed into `id_hash`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Challenge {
    pub id_hash: Vec<u8>,
    pub pool_id: String,
    pub client_id: String,
    pub user_id: String,
    pub kind: ChallengeKind,
    pub failures: u32,
    pub auth_time: Timestamp,
    pub expires_at: Timestamp,
    /// Opened by the hosted login pages: completing it signs the browser in instead of
    /// issuing tokens, and only the hosted pages may answer it.
    pub hosted: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CodePurpose {
    ForgotPassword,
    SignUp,
    /// Proving a (new) email address (GetUserAttributeVerificationCode, VerifyUserAttribute).
    VerifyEmail,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForgotPassword => "forgot_password",
            Self::SignUp => "sign_up",
            Self::VerifyEmail => "verify_email",
        }
    }
}

/// A one-time code sent to a user; only its hash is stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Code {
    pub user_id: String,
    pub purpose: CodePurpose,
    pub code_hash: Vec<u8>,
    pub attempts: u32,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The code matched: it is gone and the user update was written in the same transaction.
    Redeemed,
    /// Wrong code; the attempt was counted (the code is dropped after too many).
    Mismatch,
    /// No live code: never sent, already used, or expired.
    Expired,
}

/// The algorithms Warden signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SigningAlg {
    RS256,
    ES256,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "RS256" => Some(Self::RS256),
            "ES256" => Some(Self::ES256),
            _ => None,
        }
    }

    pub fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
            Self::ES256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}

/// A signing key at rest: the private key encrypted under the master key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: String,
    pub private_enc: Vec<u8>,
    pub created_at: Timestamp,
    /// Newest active key signs; retired keys stay in the JWKS until their tokens expire.
    pub retired_at: Option<Timestamp>,
}
