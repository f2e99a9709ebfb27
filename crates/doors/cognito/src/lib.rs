//! The Cognito user-pool door: AWS JSON 1.1 (`POST /` dispatched on
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`). Operations live in `ops/`, one file
//! per resource; errors become Cognito's dialect in `error.rs` only. Each pool's JWKS and
//! discovery document are the OIDC door's.

mod dispatch;
mod error;
mod ops;
mod shapes;
mod signature;
mod wire;

use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use warden_core::Warden;

pub use error::DoorError;

/// The door's route: `POST /`.
pub fn router(warden: Arc<Warden>) -> Router {
    Router::new().route("/", post(dispatch::handle)).with_state(warden)
}
