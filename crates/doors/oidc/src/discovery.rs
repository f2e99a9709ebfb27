//! Each pool's OpenID Provider metadata (OIDC Discovery 1.0 and RFC 8414) and JWKS. Only what
//! is really supported is advertised.

use std::sync::Arc;

use crate::Services;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use warden_core::model::Pool;
use warden_core::service::oauth::STANDARD_SCOPES;
use warden_core::service::{IDENTITY_ISSUER_PATH, STANDARD_ATTRIBUTES};

use crate::error::metadata_error;

async fn pool_or_404(warden: &Services, pool_id: &str) -> Result<Pool, Response> {
    warden.kernel.pool(pool_id).await.map_err(metadata_error)
}

/// The claims an id token or userinfo may carry (`custom:*` attributes aside): the token's own
/// (`service/tokens.rs`: `IdClaims`; `cognito:roles` and `cognito:preferred_role` when the user's
/// groups have roles) and userinfo's `username`; with every standard attribute
/// (`STANDARD_ATTRIBUTES`), which `service/claims.rs` releases by scope.
const TOKEN_CLAIMS: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "amr",
    "jti",
    "token_use",
    "origin_jti",
    "event_id",
    "username",
    "cognito:username",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
];

fn metadata(warden: &Services, pool: &Pool) -> Value {
    let base = warden.kernel.config().public_url.trim_end_matches('/').to_owned();
    let auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];
    // What a private_key_jwt client assertion may be signed with (`oauth::client_auth`), the
    // same on every endpoint that authenticates clients (RFC 8414 §2 requires the list there).
    let assertion_algs = ["RS256", "ES256"];
    json!({
        "issuer": warden.kernel.issuer(pool),
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
        "jwks_uri": format!("{base}/{}/.well-known/jwks.json", pool.id),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "introspection_endpoint": format!("{base}/oauth2/introspect"),
        "end_session_endpoint": format!("{base}/logout"),
        "scopes_supported": STANDARD_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": TOKEN_CLAIMS.iter().chain(STANDARD_ATTRIBUTES).collect::<Vec<_>>(),
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}

fn cached(body: Value) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response()
}

/// The identity pools' token issuer (GetOpenIdToken): an ID-token-only provider, so a web
/// identity consumer can find its keys as for any issuer.
fn identity_metadata(warden: &Services) -> Value {
    let issuer = warden.kernel.identity_issuer();
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["iss", "sub", "aud", "amr", "iat", "exp", "jti"],
    })
}

pub async fn openid_configuration(State(warden): State<Arc<Services>>, Path(pool_id): Path<String>) -> Response {
    if pool_id == IDENTITY_ISSUER_PATH {
        return cached(identity_metadata(&warden));
    }
    match pool_or_404(&warden, &pool_id).await {
        Ok(pool) => cached(metadata(&warden, &pool)),
        Err(r) => r,
    }
}

pub async fn authorization_server(State(warden): State<Arc<Services>>, Path(pool_id): Path<String>) -> Response {
    openid_configuration(State(warden), Path(pool_id)).await
}

pub async fn jwks(State(warden): State<Arc<Services>>, Path(pool_id): Path<String>) -> Response {
    if pool_id == IDENTITY_ISSUER_PATH {
        return cached(warden.tokens.jwks());
    }
    match pool_or_404(&warden, &pool_id).await {
        Ok(_) => cached(warden.tokens.jwks()),
        Err(r) => r,
    }
}
