//! The issuer key refresh's compare-and-swap: a refresh writes only over the issuer it read.

use super::*;

conformance!(issuers_replace_only_what_was_read, |s| {
    let old = issuer("https://a");
    let mut fresh = old.clone();
    fresh.jwks = vec![serde_json::json!({ "kty": "RSA", "kid": "k2", "n": "AQAB", "e": "AQAB" })];
    fresh.jwks_fetched_at = Some(700);
    assert!(!s.replace_issuer(&old, &fresh).await.unwrap(), "no such issuer: nothing written");
    assert!(s.get_issuer("https://a").await.unwrap().is_none());

    s.put_issuer(&old).await.unwrap();
    assert!(s.replace_issuer(&old, &fresh).await.unwrap());
    assert_eq!(s.get_issuer("https://a").await.unwrap().unwrap(), fresh);
    assert!(!s.replace_issuer(&old, &fresh).await.unwrap(), "the stored issuer is no longer the one read");

    // Replaced by `add` while a refresh was fetching: the refresh loses.
    let mut replaced = old.clone();
    replaced.sub = "acct-9".into();
    s.put_issuer(&replaced).await.unwrap();
    assert!(!s.replace_issuer(&fresh, &old).await.unwrap());
    assert_eq!(s.get_issuer("https://a").await.unwrap().unwrap(), replaced);

    // Removed while a refresh was fetching: it is not brought back.
    s.delete_issuer("https://a").await.unwrap();
    assert!(!s.replace_issuer(&replaced, &fresh).await.unwrap());
    assert!(s.list_issuers().await.unwrap().is_empty());
});
