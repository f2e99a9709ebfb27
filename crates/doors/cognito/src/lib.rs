//! The Cognito user-pool door: AWS JSON 1.1 (`POST /` dispatched on
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`), plus each pool's JWKS and OpenID
//! discovery document. Operations live in `ops/`, one file per resource; errors become Cognito's
//! dialect in `error.rs` only.

mod dispatch;
mod error;
mod ops;
mod shapes;
mod signature;
mod wellknown;
mod wire;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use warden_core::Warden;

pub use error::DoorError;

/// The door's routes: `POST /` and `/{poolId}/.well-known/*`.
pub fn router(warden: Arc<Warden>) -> Router {
    Router::new()
        .route("/", post(dispatch::handle))
        .route("/{pool_id}/.well-known/jwks.json", get(wellknown::jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(wellknown::discovery))
        .with_state(warden)
}
