//! The Cognito user-pool door: AWS JSON 1.1 (`POST /` dispatched on
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`). Operations live in `ops/`, one file
//! per resource; errors become Cognito's dialect in `error.rs` only. Each pool's JWKS and
//! discovery document are the OIDC door's.

mod ctx;
mod dispatch;
mod error;
pub mod names;
mod ops;
mod shapes;
mod signature;
mod wire;

use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use warden_core::Warden;

pub use error::DoorError;

/// The door's route: `POST /`, callable from browser code on any origin as Cognito's is (the
/// Amplify libraries sign users in from the page), so with CORS: no cookies are involved.
pub fn router(warden: Arc<Warden>) -> Router {
    Router::new().route("/", post(dispatch::handle)).layer(cors()).with_state(warden)
}

fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method};
    let allowed = [
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "authorization",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "cache-control",
    ];
    let exposed = ["x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage", "date"];
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::POST])
        .allow_headers(allowed.map(HeaderName::from_static))
        .expose_headers(exposed.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(600))
}
