//! The core's configuration: a value passed in, never a global.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's recommendation for argon2id: 19 MiB, t=2, p=1.
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottleConfig {
    /// Failed sign-ins allowed for one user from one source address (an IPv6 /64) within
    /// `window_secs`; past it, that address is refused for that user ("Password attempts
    /// exceeded"). Wrong MFA codes are counted per user against the same number.
    pub per_user: u32,
    /// Failed sign-ins allowed for one user from every source address it has not signed in
    /// from before, together, within `window_secs`: the ceiling that bounds a guesser with many
    /// addresses. Past it only unfamiliar addresses are refused; an address or a browser that
    /// signed in as the user before keeps working. Never below `per_user`.
    pub per_user_ceiling: u32,
    /// Failed sign-ins allowed per source address within `window_secs` before TooManyRequests.
    pub per_source: u32,
    pub window_secs: i64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self { per_user: 5, per_user_ceiling: 50, per_source: 50, window_secs: 900 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoreConfig {
    /// Base URL of this deployment; pool issuers are `<public_url>/<poolId>`.
    pub public_url: String,
    /// The region in pool ids and credential scopes.
    pub region: String,
    pub argon2: Argon2Params,
    /// How many password hashes may run at once (defaults to the number of cores).
    pub hash_workers: usize,
    /// How many password hashes may wait for a worker before sign-ins are refused.
    pub hash_queue: usize,
    pub throttle: ThrottleConfig,
    /// Lifetime of a forgot-password or sign-up confirmation code, in seconds.
    pub code_ttl_secs: i64,
    /// Lifetime of a challenge session (a new password, a TOTP code), in seconds.
    pub challenge_ttl_secs: i64,
    /// Lifetime of identity-pool temporary credentials, in seconds.
    pub credentials_ttl_secs: i64,
    /// The `aud` self-signed tokens must carry.
    pub self_signed_audience: String,
    /// Lifetime of an OAuth authorization code, in seconds.
    pub authorization_code_ttl_secs: i64,
    /// Lifetime of a hosted-login browser session (single sign-on), in seconds.
    pub browser_session_ttl_secs: i64,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            region: "eu-west-2".into(),
            argon2: Argon2Params::default(),
            hash_workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            hash_queue: 1024,
            throttle: ThrottleConfig::default(),
            code_ttl_secs: 3600,
            challenge_ttl_secs: 180,
            credentials_ttl_secs: 3600,
            self_signed_audience: "https://apis.scribelabs.ai".into(),
            authorization_code_ttl_secs: 300,
            browser_session_ttl_secs: 3600,
        }
    }
}
