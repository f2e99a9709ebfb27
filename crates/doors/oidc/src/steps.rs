//! What the hosted sign-in's steps (authorize, login, consent, logout) share: the pending
//! request's lifetime and purpose, the CSRF token, the browser's session, and the pages for a
//! failed check or a fault on our side.

use crate::Services;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::crypto::random;
use warden_core::service::oauth::{AuthorizeFailure, SignedInBrowser};

use crate::cookies;
use crate::error::{kind_of, Endpoint, OAuthErrorKind};
use crate::pages::{self, Page};
use crate::respond::authorization_response;

/// How long a login page's pending request stays usable.
pub const REQUEST_TTL_SECS: i64 = 15 * 60;
pub const SEALED_PURPOSE: &str = "authorize";

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

/// The browser's live session in `pool_id`, if its cookie names one.
pub async fn signed_in(warden: &Services, headers: &HeaderMap, pool_id: &str) -> Result<Option<SignedInBrowser>, Page> {
    let Some(cookie) = cookies::get(headers, &cookies::session_name(warden, pool_id)) else {
        return Ok(None);
    };
    warden.oauth.browser_session(pool_id, &cookie).await.map_err(|e| {
        tracing::error!(error = ?e, "browser session lookup failed");
        pages::error_page(StatusCode::SERVICE_UNAVAILABLE, OAuthErrorKind::InvalidRequest, "Try again later")
    })
}

/// The CSRF token of the browser, and the cookie to set when it had none.
pub fn csrf(warden: &Services, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
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
