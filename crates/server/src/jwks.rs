//! Fetching self-managed issuers' JWKS over HTTP (the core's `JwksFetcher`), and the background
//! task that keeps their keys current.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::Value;
use warden_core::jwks::JwksFetcher;
use warden_core::Warden;

/// The whole request, connection to last byte.
const TIMEOUT: Duration = Duration::from_secs(5);
/// A JWKS larger than this is refused (a few dozen keys fit in a tenth of it).
const MAX_BODY: usize = 256 * 1024;
/// How often the background task looks for issuers whose keys are due (`warden_core::service::
/// REFRESH_SECS` after their last fetch).
const TICK: Duration = Duration::from_secs(60);

/// GETs a JWKS over http or https: only a 200 whose body (at most `MAX_BODY`) is a JSON object
/// with a `keys` array is accepted. Redirects are not followed.
pub struct HttpJwksFetcher {
    client: reqwest::Client,
}

impl HttpJwksFetcher {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("warden/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("JWKS client: {e}"))?;
        Ok(Self { client })
    }
}

#[async_trait]
impl JwksFetcher for HttpJwksFetcher {
    async fn fetch(&self, url: &str) -> Result<Vec<Value>, String> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err("not an http(s) URL".into());
        }
        let mut resp = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/jwk-set+json, application/json")
            .send()
            .await
            .map_err(describe)?;
        if resp.status() != StatusCode::OK {
            return Err(format!("HTTP {}", resp.status()));
        }
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(format!("the JWKS is larger than {MAX_BODY} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!("the JWKS is larger than {MAX_BODY} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        // The body is not quoted in errors: they are logged.
        let doc: Value = serde_json::from_slice(&body).map_err(|_| "the body is not JSON".to_owned())?;
        match doc.get("keys") {
            Some(Value::Array(keys)) => Ok(keys.clone()),
            _ => Err("the body has no `keys` array".into()),
        }
    }
}

/// A request error and its causes (`connection refused`...), without the URL (callers name it).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Every `TICK` (and once at start), refreshes the keys of the issuers that are due. Failures
/// are logged by the core and leave the old keys in place.
pub fn spawn_refresh(warden: Arc<Warden>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = warden.federation.refresh_due_issuer_keys().await {
                tracing::warn!(error = %e, "could not look for issuer keys to refresh");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn serve(status: u16, body: &'static str) -> String {
        let app = axum::Router::new()
            .fallback(move || async move { (axum::http::StatusCode::from_u16(status).unwrap(), body.to_owned()) });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        url
    }

    #[tokio::test]
    async fn only_a_200_with_a_keys_array() {
        let f = HttpJwksFetcher::new().unwrap();
        let ok = serve(200, r#"{"keys":[{"kty":"RSA","kid":"a"}]}"#).await;
        assert_eq!(f.fetch(&ok).await.unwrap().len(), 1);
        assert_eq!(f.fetch(&serve(404, r#"{"keys":[]}"#).await).await.unwrap_err(), "HTTP 404 Not Found");
        assert_eq!(f.fetch(&serve(302, "").await).await.unwrap_err(), "HTTP 302 Found", "redirects are not followed");
        assert!(f.fetch(&serve(200, "<html>").await).await.unwrap_err().contains("not JSON"));
        assert!(f.fetch(&serve(200, r#"{"keys":{}}"#).await).await.unwrap_err().contains("keys"));
        assert!(f.fetch("ftp://example.com/jwks").await.is_err());
    }

    #[tokio::test]
    async fn large_bodies_are_refused() {
        let big: &'static str =
            Box::leak(format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(MAX_BODY)).into_boxed_str());
        let f = HttpJwksFetcher::new().unwrap();
        assert!(f.fetch(&serve(200, big).await).await.unwrap_err().contains("larger than"));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/jwks.json", l.local_addr().unwrap());
        drop(l);
        assert!(HttpJwksFetcher::new().unwrap().fetch(&url).await.is_err());
    }
}
