//! The OAuth 2.0 / OpenID Connect door. Each user pool is an OpenID Provider whose issuer is
//! `<public_url>/<poolId>`; the endpoints sit at Cognito's hosted-UI paths and are shared by
//! every pool (the client id names the pool):
//!
//! - `/{poolId}/.well-known/openid-configuration`, `/{poolId}/.well-known/jwks.json`,
//!   `/.well-known/oauth-authorization-server/{poolId}` (`discovery.rs`)
//! - `/oauth2/authorize` and the hosted pages: `/login`, `/login/challenge`, `/consent`
//!   (`authorize.rs`, `login.rs`, `consent.rs`, `pages.rs`)
//! - `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/introspect`, `/oauth2/revoke`
//!   (`token.rs`, `userinfo.rs`, `introspect.rs`)
//! - `/logout`: Cognito's logout and OIDC RP-initiated logout (`logout.rs`)
//!
//! Every rule is in `warden_core::service::oauth`; this crate parses HTTP, renders pages, and
//! maps errors to OAuth's dialect in `error.rs` only.

mod authorize;
mod consent;
mod cookies;
mod discovery;
pub mod error;
mod introspect;
mod login;
mod logout;
mod pages;
mod request;
mod respond;
mod steps;
mod token;
mod userinfo;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use warden_core::service::{Accounts, Kernel, OAuth, Tokens};
use warden_core::Warden;

/// The services this door uses: the OAuth rules, the hosted sign-in, the key ring's JWKS, and
/// the kernel's configuration and lookups.
pub struct Services {
    pub kernel: Arc<Kernel>,
    pub tokens: Arc<Tokens>,
    pub accounts: Arc<Accounts>,
    pub oauth: Arc<OAuth>,
}

impl Services {
    fn of(warden: &Warden) -> Self {
        Self {
            kernel: warden.kernel.clone(),
            tokens: warden.tokens.clone(),
            accounts: warden.accounts.clone(),
            oauth: warden.oauth.clone(),
        }
    }
}

/// The door's routes. What a single-page app calls from its own origin (metadata, keys, the
/// token, userinfo and revocation endpoints) answers CORS requests from any origin, without
/// credentials (no cookie is read there); the hosted pages, which the browser navigates to
/// and which carry the session cookie, do not.
pub fn router(warden: Arc<Warden>) -> Router {
    let from_any_origin = Router::new()
        .route("/{pool_id}/.well-known/openid-configuration", get(discovery::openid_configuration))
        .route("/{pool_id}/.well-known/jwks.json", get(discovery::jwks))
        .route("/.well-known/oauth-authorization-server/{pool_id}", get(discovery::authorization_server))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/userInfo", get(userinfo::get).post(userinfo::post))
        .route("/oauth2/introspect", post(introspect::introspect))
        .route("/oauth2/revoke", post(introspect::revoke))
        .layer(cors());
    Router::new()
        .route("/oauth2/authorize", get(authorize::get).post(authorize::post))
        .route("/login", post(login::password))
        .route("/login/challenge", post(login::challenge))
        .route("/consent", post(consent::decide))
        .route("/logout", get(logout::confirm).post(logout::logout))
        .merge(from_any_origin)
        .with_state(Arc::new(Services::of(&warden)))
}

fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
    use axum::http::Method;
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([WWW_AUTHENTICATE])
        .max_age(std::time::Duration::from_secs(600))
}
