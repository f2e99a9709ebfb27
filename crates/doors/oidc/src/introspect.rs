//! `POST /oauth2/introspect` (RFC 7662) and `POST /oauth2/revoke` (RFC 7009), both
//! client-authenticated.

use std::sync::Arc;

use crate::error::OAuthErrorKind;
use crate::Services;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{Endpoint, OidcError};
use crate::request::{body_bytes, presented_client, require_form, used_basic, Form};
use crate::token::no_store;

const E: Endpoint = Endpoint::Management;

async fn read(req: Request) -> Result<(warden_core::service::oauth::PresentedClient, String), OidcError> {
    let (parts, body) = req.into_parts();
    require_form(&parts.headers, E)?;
    let form = Form::parse(&body_bytes(body, E).await?);
    let client = presented_client(&parts.headers, &form, E)?;
    form.get(E, "token_type_hint")?;
    let token = form
        .get(E, "token")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OidcError::new(E, OAuthErrorKind::InvalidRequest, "token is missing"))?;
    Ok((client, token))
}

pub async fn introspect(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let basic = used_basic(req.headers());
    let result = match read(req).await {
        Ok((client, token)) => warden.oauth.introspect(&client, &token).await.map_err(|e| OidcError::from_core(E, e)),
        Err(e) => Err(e),
    };
    match result {
        Ok(answer) => no_store(axum::Json(answer).into_response()),
        Err(e) => e.with_basic(basic).into_response(),
    }
}

pub async fn revoke(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let basic = used_basic(req.headers());
    let result = match read(req).await {
        Ok((client, token)) => warden.oauth.revoke(&client, &token).await.map_err(|e| OidcError::from_core(E, e)),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => e.with_basic(basic).into_response(),
    }
}
