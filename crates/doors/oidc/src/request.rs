//! Reading requests: form bodies, client credentials (Basic or body), bearer tokens, the
//! caller's address.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::error::OAuthErrorKind;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use warden_core::service::oauth::PresentedClient;
use warden_core::Secret;

use crate::error::{Endpoint, OidcError};

/// Bodies larger than this are refused (forms here are small).
pub const MAX_FORM: usize = 64 * 1024;

/// A parsed `application/x-www-form-urlencoded` body. A parameter given twice is an error
/// (RFC 6749 §3.1), reported by `one`.
#[derive(Debug, Default)]
pub struct Form {
    values: HashMap<String, Vec<String>>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            values.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        Self { values }
    }

    /// The single value of `name`; `Err` if it was repeated.
    pub fn one(&self, name: &str) -> Result<Option<String>, String> {
        match self.values.get(name).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([v]) => Ok(Some(v.clone())),
            Some(_) => Err(format!("{name} is repeated")),
        }
    }

    /// Like `one`, as an OAuth `invalid_request` at `endpoint`.
    pub fn get(&self, endpoint: Endpoint, name: &str) -> Result<Option<String>, OidcError> {
        self.one(name).map_err(|m| OidcError::new(endpoint, OAuthErrorKind::InvalidRequest, m))
    }
}

/// Checks the content type of a form POST.
pub fn require_form(headers: &HeaderMap, endpoint: Endpoint) -> Result<(), OidcError> {
    let ok = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    if ok {
        Ok(())
    } else {
        Err(OidcError::new(
            endpoint,
            OAuthErrorKind::InvalidRequest,
            "Content-Type must be application/x-www-form-urlencoded",
        ))
    }
}

/// The client credentials of a request: HTTP Basic (RFC 6749 §2.3.1: id and secret are
/// form-urlencoded inside) and/or `client_id`/`client_secret` in the body.
pub fn presented_client(headers: &HeaderMap, form: &Form, endpoint: Endpoint) -> Result<PresentedClient, OidcError> {
    let bad = |m: &str| OidcError::new(endpoint, OAuthErrorKind::InvalidClient, m).with_basic(true);
    let basic = match headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(v) if v.len() > 6 && v[..6].eq_ignore_ascii_case("basic ") => {
            let decoded = STANDARD.decode(v[6..].trim()).map_err(|_| bad("Malformed Basic credentials"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad("Malformed Basic credentials"))?;
            let (id, secret) = decoded.split_once(':').ok_or_else(|| bad("Malformed Basic credentials"))?;
            let unescape =
                |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            let id = unescape(id).ok_or_else(|| bad("Malformed Basic credentials"))?;
            let secret = unescape(secret).ok_or_else(|| bad("Malformed Basic credentials"))?;
            Some((id, Secret::new(secret)))
        }
        _ => None,
    };
    Ok(PresentedClient {
        basic,
        post_id: form.get(endpoint, "client_id")?,
        post_secret: form.get(endpoint, "client_secret")?.map(Secret::new),
        assertion: form.get(endpoint, "client_assertion")?,
        assertion_type: form.get(endpoint, "client_assertion_type")?,
    })
}

/// Whether the request tried HTTP Basic (for the `WWW-Authenticate` of a 401).
pub fn used_basic(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 6 && v[..6].eq_ignore_ascii_case("basic "))
}

/// The bearer token of `Authorization: Bearer ...`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    (v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ")).then(|| v[7..].trim().to_owned())
}

/// The caller's address, for throttling failed sign-ins.
pub fn source<B>(req: &Request<B>) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Reads a body up to `MAX_FORM` bytes.
pub async fn body_bytes(body: axum::body::Body, endpoint: Endpoint) -> Result<axum::body::Bytes, OidcError> {
    axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| OidcError::new(endpoint, OAuthErrorKind::InvalidRequest, "The request body is too large"))
}
