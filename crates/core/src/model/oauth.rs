//! The OAuth 2.0 / OpenID Connect records: grant types a client may use, resource servers and
//! their scopes, authorization codes, and hosted-login browser sessions.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// Cognito's AllowedOAuthFlows.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum OAuthFlow {
    #[serde(rename = "code")]
    Code,
    #[serde(rename = "implicit")]
    Implicit,
    #[serde(rename = "client_credentials")]
    ClientCredentials,
}

impl OAuthFlow {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Implicit => "implicit",
            Self::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "code" => Self::Code,
            "implicit" => Self::Implicit,
            "client_credentials" => Self::ClientCredentials,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ResourceServerScope {
    pub name: String,
    pub description: String,
}

/// An API whose custom scopes (`<identifier>/<scope>`) clients may be granted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ResourceServer {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<ResourceServerScope>,
    pub created_at: Timestamp,
}

impl ResourceServer {
    /// The full scope names this server defines.
    pub fn scope_names(&self) -> impl Iterator<Item = String> + '_ {
        self.scopes.iter().map(|s| format!("{}/{}", self.identifier, s.name))
    }
}

/// An authorization code; only its hash is stored. `family_id` is chosen when the code is
/// issued, so a replay can revoke the tokens of the first redemption.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthorizationCode {
    pub code_hash: Vec<u8>,
    pub pool_id: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// The S256 PKCE challenge, if the request carried one.
    pub code_challenge: Option<String>,
    pub auth_time: Timestamp,
    /// Authentication methods (`pwd`, `otp`), space-separated.
    pub amr: String,
    pub family_id: String,
    pub expires_at: Timestamp,
    pub redeemed_at: Option<Timestamp>,
    /// The user's session epoch when the browser session that issued the code began.
    #[serde(default)]
    pub user_epoch: i64,
}

/// A signed-in browser on the hosted pages (single sign-on across a pool's clients). The cookie
/// value is hashed into `id_hash`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BrowserSession {
    pub id_hash: Vec<u8>,
    pub pool_id: String,
    pub user_id: String,
    pub auth_time: Timestamp,
    pub amr: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The user's session epoch when the sign-in began (see `User::session_epoch`).
    #[serde(default)]
    pub user_epoch: i64,
}
