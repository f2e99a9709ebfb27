//! Warden's HTTP tests, one binary (one link of the whole server) with a module per area. Each
//! test spawns a real server on port 0 with a fresh SQLite file or PostgreSQL database
//! (`both_backends!` runs it on both).

#[macro_use]
mod common;
mod oidc;

mod cognito_admin;
mod cognito_auth;
mod cognito_bad_input;
mod cognito_groups;
mod cognito_identity;
mod cognito_oauth_admin;
mod cors;
mod forgot_password;
mod gateway;
mod issuer_jwks_url;
mod lock_out;
mod oidc_flows;
mod oidc_groups;
mod oidc_openidconnect;
mod revocation;
mod self_signed;
mod sign_up_limits;
mod token_state;
