//! Each pool's JWKS and OpenID discovery document, at Cognito's paths.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use warden_core::{CoreError, Warden};

async fn pool_or_404(warden: &Warden, pool_id: &str) -> Result<warden_core::model::Pool, Response> {
    match warden.pool(pool_id).await {
        Ok(p) => Ok(p),
        Err(CoreError::ResourceNotFound(m)) => {
            Err((StatusCode::NOT_FOUND, Json(json!({ "error": "not_found", "message": m }))).into_response())
        }
        Err(e) => {
            tracing::error!(error = ?e, "pool lookup failed");
            Err((StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": "unavailable" }))).into_response())
        }
    }
}

pub async fn jwks(State(warden): State<Arc<Warden>>, Path(pool_id): Path<String>) -> Response {
    match pool_or_404(&warden, &pool_id).await {
        Ok(_) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(warden.jwks())).into_response(),
        Err(r) => r,
    }
}

pub async fn discovery(State(warden): State<Arc<Warden>>, Path(pool_id): Path<String>) -> Response {
    let pool = match pool_or_404(&warden, &pool_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let issuer = warden.issuer(&pool);
    let base = warden.config().public_url.trim_end_matches('/').to_owned();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{base}/{}/.well-known/jwks.json", pool.id),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [],
        "response_types_supported": [],
        "grant_types_supported": [],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "cognito:username", "email", "email_verified"],
    }))
    .into_response()
}
