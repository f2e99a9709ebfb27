//! `scribeauth`: the Scribe Auth client API in Rust.
//!
//! A port of the PyPI `scribeauth` 1.2.0 library: it signs users in through the AWS Cognito
//! user-pool wire protocol (AWS JSON 1.1), so it works against AWS Cognito and against Warden
//! alike. Point it at Warden with an explicit endpoint, or with the environment variables boto3
//! honours (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, then `AWS_ENDPOINT_URL`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), scribeauth::Error> {
//! use scribeauth::{PoolConfiguration, ScribeAuth, TokensOrChallenge};
//! let auth = ScribeAuth::new(PoolConfiguration::new("client-id", "eu-west-2_pool"));
//! match auth.get_tokens_with_password("alice", "Sup3r-Secret!").await? {
//!     TokensOrChallenge::Tokens(t) => println!("{}", t.access_token),
//!     TokensOrChallenge::Challenge(c) => println!("answer {}", c.challenge_name),
//! }
//! # Ok(()) }
//! ```

mod auth;
#[cfg(test)]
mod canned;
mod endpoint;
mod error;
mod federated;
mod signer;
mod wire;

pub use auth::{Challenge, PoolConfiguration, ScribeAuth, Tokens, TokensOrChallenge};
pub use endpoint::{resolve_endpoint, resolve_identity_endpoint, DEFAULT_REGION};
pub use error::Error;
pub use federated::{get_signature_for_request, Credentials};
pub use signer::{decode_self_signed_jwt, SelfManagedSigner, SCRIBE_AUDIENCE};
