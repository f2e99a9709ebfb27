//! `/oauth2/userInfo` (GET and POST; the token in the Authorization header, or in a POST body
//! as `access_token`, RFC 6750 §2).

use std::sync::Arc;

use crate::error::OAuthErrorKind;
use crate::Services;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{Endpoint, OidcError};
use crate::request::{bearer, body_bytes, Form};
use crate::token::no_store;

const E: Endpoint = Endpoint::Resource;

pub async fn get(State(warden): State<Arc<Services>>, headers: HeaderMap) -> Response {
    answer(&warden, bearer(&headers)).await
}

pub async fn post(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let header_token = bearer(&parts.headers);
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body_token = if is_form {
        let bytes = match body_bytes(body, E).await {
            Ok(b) => b,
            Err(e) => return e.into_response(),
        };
        match Form::parse(&bytes).get(E, "access_token") {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        }
    } else {
        None
    };
    if header_token.is_some() && body_token.is_some() {
        return OidcError::new(E, OAuthErrorKind::InvalidRequest, "Send the token one way only").into_response();
    }
    answer(&warden, header_token.or(body_token)).await
}

async fn answer(warden: &Services, token: Option<String>) -> Response {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
        let mut resp = StatusCode::UNAUTHORIZED.into_response();
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"warden\""));
        return no_store(resp);
    };
    match warden.oauth.userinfo(&token).await {
        Ok(claims) => no_store(axum::Json(claims).into_response()),
        Err(e) => OidcError::from_core(E, e).into_response(),
    }
}
