//! Issuers: put, get, list, delete, and the key refresh's compare-and-swap (a refresh writes
//! only over the issuer it read).

use super::*;

conformance!(issuers_put_get_list_delete, |s| {
    assert!(s.list_issuers().await.unwrap().is_empty());
    assert!(s.get_issuer("https://a").await.unwrap().is_none());
    let a = issuer("https://a");
    let mut b = issuer("https://b");
    b.public_keys_pem.push("-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n".into());
    b.scopes.insert("write".into(), vec![]);
    s.put_issuer(&b).await.unwrap();
    s.put_issuer(&a).await.unwrap();
    assert_eq!(s.get_issuer("https://a").await.unwrap().unwrap(), a);
    assert_eq!(s.get_issuer("https://b").await.unwrap().unwrap(), b);

    let mut a2 = a.clone();
    a2.sub = "acct-2".into();
    a2.max_ttl_secs = 60;
    a2.public_keys_pem = vec!["rotated".into()];
    a2.created_at = 30;
    s.put_issuer(&a2).await.unwrap();
    assert_eq!(s.get_issuer("https://a").await.unwrap().unwrap(), a2, "put replaces");
    let mut listed = s.list_issuers().await.unwrap();
    listed.sort_by(|x, y| x.iss.cmp(&y.iss));
    assert_eq!(listed, vec![a2, b.clone()], "one issuer per iss");

    assert!(s.delete_issuer("https://a").await.unwrap());
    assert!(!s.delete_issuer("https://a").await.unwrap());
    assert!(s.get_issuer("https://a").await.unwrap().is_none());
    assert_eq!(s.list_issuers().await.unwrap(), vec![b]);
});

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
