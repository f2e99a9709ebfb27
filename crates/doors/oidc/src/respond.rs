//! Sending an authorization response (a code or an error) to the client's redirect URI: a
//! redirect with the parameters in the query, or a self-submitting form (form_post).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::service::oauth::{AuthorizeRedirect, ResponseMode};

use crate::pages;

/// `after_post`: answer a form submission with 303 (the browser then GETs the target).
pub fn authorization_response(mut r: AuthorizeRedirect, after_post: bool, cookies: Vec<HeaderValue>) -> Response {
    if let Some(e) = r.error.take() {
        let kind = crate::error::kind_of(&e, crate::error::Endpoint::Management);
        let description = if e.is_server_fault() { "Try again later".to_owned() } else { e.to_string() };
        r.params.splice(
            0..0,
            [("error".to_owned(), kind.as_str().to_owned()), ("error_description".to_owned(), description)],
        );
    }
    match r.response_mode {
        ResponseMode::FormPost => {
            let mut page = pages::form_post(&r.redirect_uri, &r.params);
            page.cookies = cookies;
            page.into_response()
        }
        ResponseMode::Query => {
            let location = match url::Url::parse(&r.redirect_uri) {
                Ok(mut url) => {
                    url.query_pairs_mut().extend_pairs(r.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    url.to_string()
                }
                Err(_) => r.redirect_uri.clone(),
            };
            redirect(&location, after_post, cookies)
        }
    }
}

/// A redirect that is never cached.
pub fn redirect(location: &str, after_post: bool, cookies: Vec<HeaderValue>) -> Response {
    let status = if after_post { StatusCode::SEE_OTHER } else { StatusCode::FOUND };
    let mut resp = status.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    for c in cookies {
        h.append(header::SET_COOKIE, c);
    }
    resp
}
