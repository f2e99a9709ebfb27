//! The gateway: what makes a SigV4 signature from `get_signature_for_request`, or a Warden
//! access token, worth something. It verifies the request against Warden (temporary credentials
//! from identity pools, or a live access token), checks the permission the route requires
//! against the caller's role or scopes, and forwards to the upstream with identity headers the
//! upstream can trust. Refusals are 401/403 with a reason and never reach the upstream.
//!
//! `proxy::router` is the `warden gateway` server; `layer` is the same check as a tower layer
//! for Rust services that embed Warden.

mod cache;
mod config;
mod identify;
mod path;
mod proxy;

pub use config::{GatewayConfig, Route};
pub use identify::{Caller, Refusal, Verifier};
pub use proxy::{layer, router};
