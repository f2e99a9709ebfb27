//! `/logout`: a logout request, GET or a relying party's form POST (OIDC RP-Initiated Logout
//! §2), shows a confirmation page (so a cross-site link or form cannot sign the user out
//! unasked); that page's POST, CSRF-checked, ends the browser session and returns to the
//! client's registered logout URI, or shows that the user is signed out.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::service::oauth::LogoutRequest;
use warden_core::CoreError;

use crate::Services;

use crate::cookies;
use crate::error::{kind_of, Endpoint};
use crate::pages::{self, Page};
use crate::request::{body_bytes, Form};
use crate::respond::redirect;
use crate::steps::{csrf, REQUEST_TTL_SECS};

const SEALED_PURPOSE: &str = "logout";

fn error(e: CoreError) -> Response {
    match e {
        e if e.is_server_fault() || matches!(e, CoreError::Conflict(_)) => crate::steps::server_fault(e),
        e => pages::error_page(StatusCode::BAD_REQUEST, kind_of(&e, Endpoint::Management), &e.to_string())
            .into_response(),
    }
}

fn parse(form: &Form) -> Result<LogoutRequest, String> {
    Ok(LogoutRequest {
        client_id: form.one("client_id")?,
        logout_uri: form.one("logout_uri")?,
        post_logout_redirect_uri: form.one("post_logout_redirect_uri")?,
        id_token_hint: form.one("id_token_hint")?,
        state: form.one("state")?,
    })
}

pub async fn confirm(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let form = Form::parse(req.uri().query().unwrap_or("").as_bytes());
    confirmation(&warden, req.headers(), &form).await
}

/// The confirmation page for a logout request's parameters: GET's query, or the form a relying
/// party POSTs. Nothing is ended yet.
async fn confirmation(warden: &Services, headers: &HeaderMap, form: &Form) -> Response {
    let request = match parse(form) {
        Ok(r) => r,
        Err(m) => return error(CoreError::invalid_as(warden_core::error::Invalid::Request, m)),
    };
    let valid = match warden.oauth.validate_logout(&request).await {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let (token, cookie) = csrf(warden, headers);
    let sealed = warden.oauth.seal_for_browser(SEALED_PURPOSE, &request, REQUEST_TTL_SECS);
    let mut page = Page::new("Sign out", pages::logout_confirm(&sealed, &token));
    // The form's answer redirects to the client's logout URI: CSP form-action covers redirects.
    page.form_target = valid.redirect.as_deref().and_then(pages::origin_of);
    page.cookies.extend(cookie);
    page.into_response()
}

pub async fn logout(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = body_bytes(body, Endpoint::Token).await else {
        return pages::error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            crate::error::OAuthErrorKind::InvalidRequest,
            "Too large",
        )
        .into_response();
    };
    let form = Form::parse(&bytes);
    // Neither the confirmation page's CSRF token nor its sealed request: a relying party's
    // logout request sent as a form, answered like the GET.
    let absent = |n: &str| matches!(form.one(n), Ok(None));
    if absent("csrf") && absent("request") {
        return confirmation(&warden, &parts.headers, &form).await;
    }
    let field = |n: &str| form.one(n).ok().flatten();
    if !cookies::csrf_ok(&warden, &parts.headers, field("csrf").as_deref()) {
        return pages::error_page(
            StatusCode::FORBIDDEN,
            crate::error::OAuthErrorKind::InvalidRequest,
            "This form was not sent from this site, or has expired (CSRF check failed).",
        )
        .into_response();
    }
    let request: LogoutRequest =
        match warden.oauth.open_from_browser(SEALED_PURPOSE, &field("request").unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => return error(e),
        };
    let valid = match warden.oauth.validate_logout(&request).await {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let name = cookies::session_name(&warden, &valid.pool_id);
    if let Some(session) = cookies::get(&parts.headers, &name) {
        if let Err(e) = warden.oauth.end_browser_session(&session).await {
            return crate::steps::server_fault(e);
        }
    }
    let clear = cookies::set(&warden, &name, "", "Lax", 0);
    match valid.redirect {
        Some(location) => redirect(&location, true, vec![clear]),
        None => {
            let mut page = pages::signed_out();
            page.cookies.push(clear);
            page.into_response()
        }
    }
}
