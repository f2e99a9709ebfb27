//! The consent step for third-party clients: after sign-in, before the code. `POST /consent`
//! (CSRF-checked, signed-in browser only) records the user's answer.

use std::sync::Arc;

use crate::error::OAuthErrorKind;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::error::Refusal;
use warden_core::service::oauth::{AuthorizeRequest, SignedInBrowser, ValidAuthorize};
use warden_core::CoreError;

use crate::Services;

use crate::cookies;
use crate::error::Endpoint;
use crate::pages::{self, Page};
use crate::request::{body_bytes, Form};
use crate::respond::authorization_response;
use crate::steps::{self, csrf, REQUEST_TTL_SECS};

const CONSENT_PURPOSE: &str = "consent";

/// A signed-in browser's next step: the consent page if the client needs it, else the code.
pub async fn proceed(
    warden: &Services,
    headers: &HeaderMap,
    valid: &ValidAuthorize,
    browser: &SignedInBrowser,
    after_post: bool,
    mut cookies: Vec<HeaderValue>,
) -> Response {
    match warden.oauth.needs_consent(valid, &browser.user.id).await {
        Err(e) => return steps::server_fault(e),
        Ok(true) if valid.prompt.none => {
            let issuer = warden.kernel.issuer(&valid.pool);
            let r = valid.error(
                CoreError::refused(Refusal::ConsentRequired, "The user has not consented to this client"),
                issuer,
            );
            return authorization_response(r, after_post, cookies);
        }
        Ok(true) => {
            let (token, cookie) = csrf(warden, headers);
            cookies.extend(cookie);
            let sealed = warden.oauth.seal_for_browser(CONSENT_PURPOSE, &valid.request, REQUEST_TTL_SECS);
            let scopes: Vec<String> = valid.scope.0.iter().cloned().collect();
            let mut page = Page::new("Allow access", pages::consent(&sealed, &token, &valid.client.name, &scopes));
            page.form_target = pages::origin_of(&valid.redirect_uri);
            page.cookies = cookies;
            return page.into_response();
        }
        Ok(false) => {}
    }
    match warden.oauth.issue_authorization_code(valid, browser).await {
        Ok(r) => authorization_response(r, after_post, cookies),
        Err(e) => steps::server_fault(e),
    }
}

pub async fn decide(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = body_bytes(body, Endpoint::Token).await else {
        return pages::error_page(StatusCode::PAYLOAD_TOO_LARGE, OAuthErrorKind::InvalidRequest, "Too large")
            .into_response();
    };
    let form = Form::parse(&bytes);
    let field = |n: &str| form.one(n).ok().flatten();
    if !cookies::csrf_ok(&warden, &parts.headers, field("csrf").as_deref()) {
        return pages::error_page(
            StatusCode::FORBIDDEN,
            OAuthErrorKind::InvalidRequest,
            "CSRF check failed; start again.",
        )
        .into_response();
    }
    let request: AuthorizeRequest =
        match warden.oauth.open_from_browser(CONSENT_PURPOSE, &field("request").unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => {
                return pages::error_page(StatusCode::BAD_REQUEST, OAuthErrorKind::InvalidRequest, &e.to_string())
                    .into_response()
            }
        };
    let valid = match warden.oauth.validate_authorize(request).await {
        Ok(v) => v,
        Err(f) => return steps::failure(f, true),
    };
    let browser = match steps::signed_in(&warden, &parts.headers, &valid.pool.id).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return pages::error_page(
                StatusCode::BAD_REQUEST,
                OAuthErrorKind::InvalidRequest,
                "Your sign-in has ended; start again.",
            )
            .into_response();
        }
        Err(page) => return page.into_response(),
    };
    if field("decision").as_deref() != Some("allow") {
        let issuer = warden.kernel.issuer(&valid.pool);
        return authorization_response(
            valid.error(CoreError::refused(Refusal::AccessDenied, "The user declined"), issuer),
            true,
            vec![],
        );
    }
    if let Err(e) = warden.oauth.grant_consent(&valid, &browser.user.id).await {
        return steps::server_fault(e);
    }
    match warden.oauth.issue_authorization_code(&valid, &browser).await {
        Ok(r) => authorization_response(r, true, vec![]),
        Err(e) => steps::server_fault(e),
    }
}
