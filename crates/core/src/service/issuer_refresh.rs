//! Keeping the keys of issuers with a JWKS URL current. The server calls
//! `refresh_due_issuer_keys` every minute, which fetches the JWKS of each issuer whose keys are
//! older than `REFRESH_SECS` (the fetch time is stored, so instances sharing a store take turns
//! rather than each fetching). A token naming a `kid` the issuer's keys lack makes Warden fetch
//! at once, at most once per issuer per `KID_FETCH_SECS`, so tokens with made-up `kid`s cannot
//! turn Warden into a request amplifier against the issuer. A failed fetch keeps the old keys.

use super::issuer_cache::ParsedIssuer;
use super::issuer_keys::jwk_key;
use crate::model::Issuer;
use crate::service::services::Federation;
use jsonwebtoken::Algorithm;
use std::sync::Arc;

use crate::error::{CoreError, CoreResult};

/// Keys fetched longer ago than this are fetched again by `refresh_due_issuer_keys`.
pub const REFRESH_SECS: i64 = 600;
/// An unknown `kid` fetches an issuer's JWKS at most this often.
pub const KID_FETCH_SECS: i64 = 60;
/// More keys than this in one JWKS is not a key set Warden will hold.
const MAX_KEYS: usize = 100;
/// A lost race with another writer of the same issuer is retried this many times.
const WRITE_ATTEMPTS: usize = 3;

/// Whether `url` may be a JWKS URL (the fetcher decides whether it can be fetched).
/// An https URL, or plain http to this machine only: keys fetched in the clear from elsewhere
/// could be swapped by anyone on the path, and would then sign tokens Warden accepts.
pub(crate) fn valid_jwks_url(url: &str) -> bool {
    if url.chars().any(char::is_whitespace) {
        return false;
    }
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The keys of a fetched JWKS that Warden can verify with (RSA and P-256 public keys not meant
/// for encryption); others are left out rather than failing the set, since an issuer may
/// publish keys for other algorithms too.
fn usable(keys: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    keys.into_iter()
        .filter(|k| k.get("use").and_then(|u| u.as_str()).is_none_or(|u| u == "sig"))
        .filter(|k| jwk_key(Algorithm::RS256, None, k).or_else(|| jwk_key(Algorithm::ES256, None, k)).is_some())
        .collect()
}

impl Federation {
    /// The usable keys at `url`, or why there are none.
    pub(crate) async fn fetch_jwks(&self, url: &str) -> Result<Vec<serde_json::Value>, String> {
        let keys = self.jwks.fetch(url).await?;
        if keys.len() > MAX_KEYS {
            return Err(format!("the JWKS has {} keys (at most {MAX_KEYS})", keys.len()));
        }
        let keys = usable(keys);
        if keys.is_empty() {
            return Err("the JWKS has no RSA or P-256 signing key".into());
        }
        Ok(keys)
    }

    /// Fetches the JWKS of `iss` now and stores its keys in place of the old ones.
    pub async fn refresh_issuer_keys(&self, iss: &str) -> CoreResult<Issuer> {
        let current = self.kernel.store.get_issuer(iss).await?;
        let url = current
            .ok_or_else(|| CoreError::not_found(format!("Issuer {iss} does not exist.")))?
            .jwks_url
            .ok_or_else(|| CoreError::invalid(format!("Issuer {iss} has no JWKS URL.")))?;
        let keys = self
            .fetch_jwks(&url)
            .await
            .map_err(|e| CoreError::invalid(format!("could not fetch the JWKS of {iss} from {url}: {e}")))?;
        for _ in 0..WRITE_ATTEMPTS {
            // Read again: the issuer may have been replaced or removed during the fetch, here or
            // on another instance, and the write must not undo that.
            let _writing = self.issuers.lock_writes().await;
            let Some(current) = self.kernel.store.get_issuer(iss).await? else {
                self.issuers.forget(iss);
                return Err(CoreError::not_found(format!("Issuer {iss} does not exist.")));
            };
            if current.jwks_url.as_deref() != Some(url.as_str()) {
                return Err(CoreError::Conflict(format!("Issuer {iss} changed its JWKS URL during the fetch.")));
            }
            let next = Issuer { jwks: keys.clone(), jwks_fetched_at: Some(self.kernel.clock.now()), ..current.clone() };
            if self.kernel.store.replace_issuer(&current, &next).await? {
                self.issuers.put(next.clone());
                return Ok(next);
            }
        }
        Err(CoreError::Conflict(format!("Issuer {iss} kept changing during the key refresh; try again")))
    }

    /// Refreshes the keys of every issuer with a JWKS URL whose keys were fetched longer than
    /// `REFRESH_SECS` ago (or never). A failed fetch is logged and leaves the old keys in place.
    /// Returns how many issuers got fresh keys.
    pub async fn refresh_due_issuer_keys(&self) -> CoreResult<usize> {
        let now = self.kernel.clock.now();
        let due: Vec<Issuer> = self
            .kernel
            .store
            .list_issuers()
            .await?
            .into_iter()
            .filter(|i| i.jwks_url.is_some())
            .filter(|i| i.jwks_fetched_at.is_none_or(|at| !(0..REFRESH_SECS).contains(&(now - at))))
            .collect();
        let mut refreshed = 0;
        for issuer in due {
            match self.refresh_issuer_keys(&issuer.iss).await {
                Ok(_) => refreshed += 1,
                Err(e) => {
                    tracing::warn!(iss = %issuer.iss, error = %e, "issuer keys not refreshed; keeping the old keys")
                }
            }
        }
        Ok(refreshed)
    }

    /// After a token named `kid`, which `issuer` (with a JWKS URL) does not know: its keys as
    /// fetched now, or `None` when they may not be fetched yet (`KID_FETCH_SECS`) or the fetch
    /// failed. Requests waiting on the same issuer share one fetch.
    pub(crate) async fn keys_for_unknown_kid(&self, issuer: &ParsedIssuer, kid: &str) -> Option<Arc<ParsedIssuer>> {
        let iss = issuer.record.iss.as_str();
        let slot = self.issuers.kid_fetch_slot(iss);
        let mut last = slot.lock().await;
        // A request that held the slot before this one may have fetched the key already.
        if let Some(fresh) = self.issuers.peek(iss).filter(|p| p.knows_kid(kid)) {
            return Some(fresh);
        }
        let now = self.kernel.clock.now();
        if last.is_some_and(|at| (0..KID_FETCH_SECS).contains(&(now - at))) {
            tracing::debug!(iss, "unknown kid: the JWKS was fetched less than a minute ago");
            return None;
        }
        *last = Some(now);
        match self.refresh_issuer_keys(iss).await {
            Ok(_) => self.issuers.peek(iss),
            Err(e) => {
                tracing::warn!(iss, error = %e, "unknown kid: issuer keys not refreshed; keeping the old keys");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jwks_urls() {
        assert!(valid_jwks_url("https://issuer.example/.well-known/jwks.json"));
        assert!(valid_jwks_url("http://127.0.0.1:8080/jwks"));
        assert!(valid_jwks_url("http://localhost/jwks"));
        assert!(valid_jwks_url("http://[::1]:9000/jwks"));
        assert!(!valid_jwks_url("http://issuer.example/jwks"), "plain http beyond this machine");
        assert!(!valid_jwks_url("http://10.0.0.8:8080/jwks"));
        assert!(!valid_jwks_url("http://127.0.0.1@evil.example/jwks"), "userinfo posing as a host");
        assert!(!valid_jwks_url("http://localhost.evil.example/jwks"));
        assert!(!valid_jwks_url("file:///etc/passwd"));
        assert!(!valid_jwks_url("https://a b"));
    }

    #[test]
    fn only_signing_keys_warden_can_use_are_kept() {
        let ec = json!({ "kty": "EC", "crv": "P-256", "kid": "e",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRjMIq8kGyLm6C7UX5R7sY-rUjH5Mxy_AqfTivQ" });
        let enc = json!({ "kty": "EC", "crv": "P-256", "kid": "x", "use": "enc",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRjMIq8kGyLm6C7UX5R7sY-rUjH5Mxy_AqfTivQ" });
        let oct = json!({ "kty": "oct", "k": "AAAA" });
        let okp = json!({ "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" });
        assert_eq!(usable(vec![oct, ec.clone(), enc, okp]), vec![ec]);
    }
}
