//! Where a self-managed issuer's published keys come from: a trait, implemented by the server
//! over HTTP. The core never fetches anything itself.

use async_trait::async_trait;

#[async_trait]
pub trait JwksFetcher: Send + Sync + 'static {
    /// The `keys` array of the JWKS document at `url`, or why it could not be had. The error is
    /// logged, so it must not carry key material.
    async fn fetch(&self, url: &str) -> Result<Vec<serde_json::Value>, String>;
}

/// A fetcher that fetches nothing, for a `Warden` that has no network (tools, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoJwksFetcher;

#[async_trait]
impl JwksFetcher for NoJwksFetcher {
    async fn fetch(&self, url: &str) -> Result<Vec<serde_json::Value>, String> {
        Err(format!("cannot fetch {url}: no JWKS fetcher is configured"))
    }
}
