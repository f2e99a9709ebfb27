//! `/oauth2/authorize` (GET and POST): check the request, then either answer at once (a code
//! for a browser already signed in, `login_required` for prompt=none) or show the login page.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::error::Refusal;
use warden_core::service::oauth::{AuthorizeRequest, ValidAuthorize};
use warden_core::CoreError;

use crate::Services;

use crate::error::{Endpoint, OAuthErrorKind};
use crate::pages::{self, LoginForm, Page};
use crate::request::{body_bytes, Form};
use crate::respond::authorization_response;
use crate::steps::{csrf, failure, signed_in, REQUEST_TTL_SECS, SEALED_PURPOSE};

pub async fn get(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let form = Form::parse(req.uri().query().unwrap_or("").as_bytes());
    handle(&warden, req.headers(), &form).await
}

pub async fn post(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    debug_assert_eq!(parts.method, Method::POST);
    let bytes = match body_bytes(body, Endpoint::Token).await {
        Ok(b) => b,
        Err(_) => {
            return pages::error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                OAuthErrorKind::InvalidRequest,
                "The request is too large",
            )
            .into_response()
        }
    };
    handle(&warden, &parts.headers, &Form::parse(&bytes)).await
}

fn parse(form: &Form) -> Result<AuthorizeRequest, String> {
    Ok(AuthorizeRequest {
        client_id: form.one("client_id")?,
        redirect_uri: form.one("redirect_uri")?,
        response_type: form.one("response_type")?,
        scope: form.one("scope")?,
        state: form.one("state")?,
        nonce: form.one("nonce")?,
        code_challenge: form.one("code_challenge")?,
        code_challenge_method: form.one("code_challenge_method")?,
        prompt: form.one("prompt")?,
        max_age: form.one("max_age")?,
        login_hint: form.one("login_hint")?,
        id_token_hint: form.one("id_token_hint")?,
        response_mode: form.one("response_mode")?,
        request: form.one("request")?,
        request_uri: form.one("request_uri")?,
    })
}

async fn handle(warden: &Services, headers: &HeaderMap, form: &Form) -> Response {
    let request = match parse(form) {
        Ok(r) => r,
        Err(msg) => {
            return pages::error_page(StatusCode::BAD_REQUEST, OAuthErrorKind::InvalidRequest, &msg).into_response()
        }
    };
    let valid = match warden.oauth.validate_authorize(request).await {
        Ok(v) => v,
        Err(f) => return failure(f, false),
    };
    let browser = match signed_in(warden, headers, &valid.pool.id).await {
        Ok(b) => b,
        Err(page) => return page.into_response(),
    };
    if let Some(browser) = browser.filter(|b| valid.session_suffices(b, warden.kernel.now())) {
        return crate::consent::proceed(warden, headers, &valid, &browser, false, vec![]).await;
    }
    if valid.prompt.none {
        let issuer = warden.kernel.issuer(&valid.pool);
        return authorization_response(
            valid.error(CoreError::refused(Refusal::LoginRequired, "The user is not signed in"), issuer),
            false,
            vec![],
        );
    }
    login_page(warden, headers, &valid, None, StatusCode::OK)
}

/// The login page for a checked request.
pub fn login_page(
    warden: &Services,
    headers: &HeaderMap,
    valid: &ValidAuthorize,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf, cookie) = csrf(warden, headers);
    let sealed = warden.oauth.seal_for_browser(SEALED_PURPOSE, &valid.request, REQUEST_TTL_SECS);
    let form = LoginForm { request: &sealed, csrf: &csrf, client_name: &valid.client.name, error };
    let mut page = Page::new("Sign in", pages::login(&form, valid.login_hint.as_deref()));
    page.status = status;
    page.form_target = pages::origin_of(&valid.redirect_uri);
    page.cookies.extend(cookie);
    page.into_response()
}
