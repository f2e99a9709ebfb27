//! `/oauth2/authorize` (GET and POST): check the request, then either answer at once (a code
//! for a browser already signed in, `login_required` for prompt=none) or show the login page.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::crypto::random;
use warden_core::error::Refusal;
use warden_core::service::oauth::{AuthorizeFailure, AuthorizeRequest, SignedInBrowser, ValidAuthorize};
use warden_core::{CoreError, Warden};

use crate::cookies;
use crate::error::{kind_of, Endpoint, OAuthErrorKind};
use crate::pages::{self, LoginForm, Page};
use crate::request::{body_bytes, Form};
use crate::respond::authorization_response;

/// How long a login page's pending request stays usable.
pub const REQUEST_TTL_SECS: i64 = 15 * 60;
pub const SEALED_PURPOSE: &str = "authorize";

pub async fn get(State(warden): State<Arc<Warden>>, req: Request) -> Response {
    let form = Form::parse(req.uri().query().unwrap_or("").as_bytes());
    handle(&warden, req.headers(), &form).await
}

pub async fn post(State(warden): State<Arc<Warden>>, req: Request) -> Response {
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

/// A failed check, as a page or as an error at the redirect URI.
pub fn failure(f: AuthorizeFailure, after_post: bool) -> Response {
    match f {
        AuthorizeFailure::Page(e) if e.is_server_fault() => server_fault(e),
        AuthorizeFailure::Page(e) => {
            pages::error_page(StatusCode::BAD_REQUEST, kind_of(&e, Endpoint::Management), &e.to_string())
                .into_response()
        }
        AuthorizeFailure::Redirect(r) => authorization_response(r, after_post, vec![]),
    }
}

async fn handle(warden: &Warden, headers: &HeaderMap, form: &Form) -> Response {
    let request = match parse(form) {
        Ok(r) => r,
        Err(msg) => {
            return pages::error_page(StatusCode::BAD_REQUEST, OAuthErrorKind::InvalidRequest, &msg).into_response()
        }
    };
    let valid = match warden.validate_authorize(request).await {
        Ok(v) => v,
        Err(f) => return failure(f, false),
    };
    let browser = match signed_in(warden, headers, &valid.pool.id).await {
        Ok(b) => b,
        Err(page) => return page.into_response(),
    };
    if let Some(browser) = browser.filter(|b| valid.session_suffices(b, warden.now())) {
        return crate::consent::proceed(warden, headers, &valid, &browser, false, vec![]).await;
    }
    if valid.prompt.none {
        let issuer = warden.issuer(&valid.pool);
        return authorization_response(
            valid.error(CoreError::refused(Refusal::LoginRequired, "The user is not signed in"), issuer),
            false,
            vec![],
        );
    }
    login_page(warden, headers, &valid, None, StatusCode::OK)
}

/// The browser's live session in `pool_id`, if its cookie names one.
pub async fn signed_in(warden: &Warden, headers: &HeaderMap, pool_id: &str) -> Result<Option<SignedInBrowser>, Page> {
    let Some(cookie) = cookies::get(headers, &cookies::session_name(warden, pool_id)) else {
        return Ok(None);
    };
    warden.browser_session(pool_id, &cookie).await.map_err(|e| {
        tracing::error!(error = ?e, "browser session lookup failed");
        pages::error_page(StatusCode::SERVICE_UNAVAILABLE, OAuthErrorKind::InvalidRequest, "Try again later")
    })
}

/// The CSRF token of the browser, and the cookie to set when it had none.
pub fn csrf(warden: &Warden, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let name = cookies::csrf_name(warden);
    match cookies::get(headers, &name) {
        Some(v) => (v, None),
        None => {
            let v = random::opaque_token();
            let c = cookies::set(warden, &name, &v, "Strict", REQUEST_TTL_SECS * 4);
            (v, Some(c))
        }
    }
}

/// The login page for a checked request.
pub fn login_page(
    warden: &Warden,
    headers: &HeaderMap,
    valid: &ValidAuthorize,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf, cookie) = csrf(warden, headers);
    let sealed = warden.seal_for_browser(SEALED_PURPOSE, &valid.request, REQUEST_TTL_SECS);
    let form = LoginForm { request: &sealed, csrf: &csrf, client_name: &valid.client.name, error };
    let mut page = Page::new("Sign in", pages::login(&form, valid.login_hint.as_deref()));
    page.status = status;
    page.form_target = pages::origin_of(&valid.redirect_uri);
    page.cookies.extend(cookie);
    page.into_response()
}

/// The error page for a step that failed on our side, or, for a request that lost a race (the
/// user's sessions were ended while it was under way), a 409 page saying to start again.
pub fn server_fault(e: warden_core::CoreError) -> Response {
    if matches!(e, warden_core::CoreError::Conflict(_)) {
        return pages::error_page(
            StatusCode::CONFLICT,
            OAuthErrorKind::InvalidRequest,
            "The account's sessions changed while you were signing in; start again",
        )
        .into_response();
    }
    tracing::error!(error = ?e, "authorization failed");
    pages::error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        OAuthErrorKind::InvalidRequest,
        "Something went wrong on our side; try again",
    )
    .into_response()
}
