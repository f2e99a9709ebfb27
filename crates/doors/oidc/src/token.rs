//! `POST /oauth2/token`: every grant, through `OAuth::token`.

use std::sync::Arc;

use crate::Services;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use warden_core::service::oauth::{Grant, TokenRequest};

use crate::error::{Endpoint, OAuthErrorKind, OidcError};
use crate::request::{body_bytes, presented_client, require_form, used_basic, Form};

pub async fn token(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let basic = used_basic(req.headers());
    match run(&warden, req).await {
        Ok(r) => r,
        Err(e) => e.with_basic(basic).into_response(),
    }
}

async fn run(warden: &Services, req: Request) -> Result<Response, OidcError> {
    const E: Endpoint = Endpoint::Token;
    let (parts, body) = req.into_parts();
    require_form(&parts.headers, E)?;
    let form = Form::parse(&body_bytes(body, E).await?);
    // Every parameter is read (a repeated one is refused, RFC 6749 §3.2), then the grant's taken.
    let grant_type = form.get(E, "grant_type")?.filter(|g| !g.is_empty());
    let (code, redirect_uri, code_verifier) =
        (form.get(E, "code")?, form.get(E, "redirect_uri")?, form.get(E, "code_verifier")?);
    let (refresh_token, scope) = (form.get(E, "refresh_token")?, form.get(E, "scope")?);
    let grant = match grant_type.as_deref() {
        None => return Err(OidcError::new(E, OAuthErrorKind::InvalidRequest, "grant_type is missing")),
        Some("authorization_code") => Grant::AuthorizationCode { code, redirect_uri, code_verifier },
        Some("refresh_token") => Grant::RefreshToken { refresh_token, scope },
        Some("client_credentials") => Grant::ClientCredentials { scope },
        Some(_) => Grant::Unsupported,
    };
    let request = TokenRequest { grant, client: presented_client(&parts.headers, &form, E)? };
    let tokens = warden.oauth.token(request).await.map_err(|e| OidcError::from_core(E, e))?;
    Ok(no_store(axum::Json(tokens).into_response()))
}

/// RFC 6749 §5.1: token responses are never cached.
pub fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}
