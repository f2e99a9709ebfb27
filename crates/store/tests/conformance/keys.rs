//! Access keys and signing keys.

use super::*;

conformance!(access_keys_crud, |s| {
    assert!(s.list_access_keys().await.unwrap().is_empty());
    assert!(s.get_access_key("AKIA1").await.unwrap().is_none());
    let k1 = AccessKey { id: "AKIA1".into(), secret_enc: all_bytes(), description: "ops ✓".into(), created_at: 3 };
    let k2 = AccessKey { id: "AKIA2".into(), secret_enc: vec![9; 40], description: String::new(), created_at: 4 };
    s.insert_access_key(&k1).await.unwrap();
    s.insert_access_key(&k2).await.unwrap();
    assert!(is_conflict(&s.insert_access_key(&k1).await));
    assert_eq!(s.get_access_key("AKIA1").await.unwrap().unwrap(), k1);
    assert_eq!(s.get_access_key("AKIA2").await.unwrap().unwrap(), k2);
    assert!(s.get_access_key("akia1").await.unwrap().is_none(), "ids are exact");
    let mut listed = s.list_access_keys().await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![k1.clone(), k2.clone()]);
    assert!(s.delete_access_key("AKIA1").await.unwrap());
    assert!(!s.delete_access_key("AKIA1").await.unwrap());
    assert!(!s.delete_access_key("nope").await.unwrap());
    assert!(s.get_access_key("AKIA1").await.unwrap().is_none());
    assert_eq!(s.list_access_keys().await.unwrap(), vec![k2]);
});

conformance!(signing_keys_crud, |s| {
    assert!(s.list_signing_keys().await.unwrap().is_empty());
    let mut k1 = signing_key("k1", 10);
    k1.private_enc = all_bytes();
    k1.retired_at = Some(15);
    let mut k2 = signing_key("k2", 20);
    k2.alg = "ES256".into();
    let k3 = signing_key("k3", 30);
    s.insert_signing_key(&k3).await.unwrap();
    s.insert_signing_key(&k1).await.unwrap();
    s.insert_signing_key(&k2).await.unwrap();
    assert!(is_conflict(&s.insert_signing_key(&signing_key("k1", 99)).await), "kid is unique");
    let mut listed = s.list_signing_keys().await.unwrap();
    listed.sort_by(|a, b| a.kid.cmp(&b.kid));
    assert_eq!(listed, vec![k1, k2, k3]);
});

conformance!(signing_keys_retire_only_older_keys_and_withdraw_only_retired_ones, |s| {
    let old = signing_key("k-old", 10);
    let (a, b) = (signing_key("k-a", 20), signing_key("k-b", 20));
    let mut es = signing_key("k-es", 5);
    es.alg = "ES256".into();
    for k in [&old, &a, &b, &es] {
        s.insert_signing_key(k).await.unwrap();
    }
    let store = &*s;
    let retired = |kid: &'static str| async move {
        store.list_signing_keys().await.unwrap().into_iter().find(|k| k.kid == kid).unwrap().retired_at
    };
    // Two rotations at once (k-a and k-b, same second): each retires only what is older than
    // its own key, so the newer (k-b: same second, greater kid) is left signing.
    assert_eq!(s.retire_signing_keys("RS256", "k-b", 20, 700).await.unwrap(), 2, "k-old and k-a");
    assert_eq!(s.retire_signing_keys("RS256", "k-a", 20, 700).await.unwrap(), 0, "retired by then already");
    assert_eq!((retired("k-old").await, retired("k-a").await, retired("k-b").await), (Some(700), Some(700), None));
    // An earlier handover (`--now`) brings a later one forward.
    assert_eq!(s.retire_signing_keys("RS256", "k-b", 20, 650).await.unwrap(), 2);
    assert_eq!((retired("k-old").await, retired("k-a").await, retired("k-b").await), (Some(650), Some(650), None));
    assert_eq!(retired("k-es").await, None, "another algorithm's keys are not touched");

    assert!(s.withdraw_signing_key("k-a", -5).await.unwrap());
    assert_eq!(retired("k-a").await, Some(-5));
    assert!(!s.withdraw_signing_key("k-b", -5).await.unwrap(), "the unretired key cannot be withdrawn");
    assert!(!s.withdraw_signing_key("nope", -5).await.unwrap());
    assert_eq!(retired("k-b").await, None);
});
