use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// A user pool an identity pool trusts: its provider name as clients send it in `Logins`
/// (`cognito-idp.<region>.amazonaws.com/<poolId>`) and the app client whose id tokens count.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityProvider {
    pub provider_name: String,
    pub client_id: String,
    #[serde(default)]
    pub server_side_token_check: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdentityPool {
    /// `<region>:<uuid>`
    pub id: String,
    pub name: String,
    pub allow_unauthenticated: bool,
    pub providers: Vec<IdentityProvider>,
    /// `authenticated` / `unauthenticated` to a role: the named set of permissions credentials get.
    pub roles: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One federated identity: the same login always maps to the same id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Identity {
    /// `<region>:<uuid>`
    pub id: String,
    pub pool_id: String,
    /// `<user pool id>:<sub>`: who this identity is.
    pub login: String,
    pub created_at: Timestamp,
}

/// Temporary AWS-style credentials handed to an identity. The secret is sealed under the master
/// key (verifying a SigV4 signature needs it); the session token is stored only as a hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_enc: Vec<u8>,
    pub session_token_hash: Vec<u8>,
    pub identity_id: String,
    /// The user pool user behind it, and the token family it came from: a global sign-out
    /// revokes the family and with it these credentials.
    pub user_id: String,
    pub family_id: String,
    pub role: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}
