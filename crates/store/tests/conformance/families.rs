//! Refresh-token families.

use super::*;

conformance!(families_insert_and_get, |s| {
    seed(&s).await;
    assert!(s.get_family("f1").await.unwrap().is_none());
    let mut f1 = family("f1", "p1", "c1", "u1", 1);
    f1.token_hash = all_bytes();
    s.insert_family(&f1, 0).await.unwrap();
    let mut revoked = family("f2", "p1", "c1", "u2", 2);
    revoked.revoked_at = Some(77);
    s.insert_family(&revoked, 0).await.unwrap();

    assert_eq!(s.get_family("f1").await.unwrap().unwrap(), f1);
    assert_eq!(s.get_family("f2").await.unwrap().unwrap(), revoked);
    assert_eq!(s.get_family_by_token_hash(&all_bytes()).await.unwrap().unwrap(), f1);
    assert_eq!(s.get_family_by_token_hash(&[2; 32]).await.unwrap().unwrap(), revoked);
    assert!(s.get_family_by_token_hash(&[9; 32]).await.unwrap().is_none());
    assert!(s.get_family_by_token_hash(&[2; 31]).await.unwrap().is_none(), "whole hash must match");
    assert!(is_conflict(&s.insert_family(&family("f9", "p1", "c1", "u1", 2), 0).await), "token hash is unique");
    assert!(is_conflict(&s.insert_family(&family("f1", "p1", "c1", "u1", 9), 0).await), "id is unique");

    // With its user, by either key; the user is read as it is now.
    let (f, u) = s.get_family_with_user(FamilyKey::Id("f1")).await.unwrap().unwrap();
    assert_eq!(f, f1);
    assert_eq!(u, user("u1", "p1", "Alice"));
    let (f, u) = s.get_family_with_user(FamilyKey::TokenHash(&[2; 32])).await.unwrap().unwrap();
    assert_eq!(f, revoked, "revoked families are still found");
    assert_eq!(u, user("u2", "p1", "Bob"));
    let mut alice = user("u1", "p1", "Alice");
    alice.enabled = false;
    alice.totp_secret_enc = Some(vec![1, 2, 3]);
    s.update_user(&mut alice).await.unwrap();
    let (_, u) = s.get_family_with_user(FamilyKey::TokenHash(&all_bytes())).await.unwrap().unwrap();
    assert_eq!(u, alice);
    assert!(s.get_family_with_user(FamilyKey::Id("nope")).await.unwrap().is_none());
    assert!(s.get_family_with_user(FamilyKey::TokenHash(&[9; 32])).await.unwrap().is_none());
});

conformance!(family_revocation, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u1", 2), 0).await.unwrap();
    s.insert_family(&family("f3", "p1", "c1", "u1", 3), 0).await.unwrap();
    s.insert_family(&family("f4", "p1", "c1", "u2", 4), 0).await.unwrap();

    assert!(s.revoke_family("f1", 100).await.unwrap());
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100));
    assert!(s.revoke_family("f1", 200).await.unwrap(), "idempotent");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100), "the first revocation time stays");
    assert!(!s.revoke_family("nope", 1).await.unwrap(), "no such family");
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, None, "one family only");

    assert_eq!(s.revoke_user_families("u1", 300).await.unwrap(), 2, "f2 and f3 were live");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100));
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, None, "another user's family");
    assert_eq!(s.revoke_user_families("u1", 400).await.unwrap(), 0, "nothing live left");
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.revoke_user_families("nobody", 400).await.unwrap(), 0);
    assert_eq!(s.revoke_user_families("u2", 500).await.unwrap(), 1);
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, Some(500));
});

conformance!(concurrent_revocations_keep_one_time, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    let mut handles = Vec::new();
    for at in 100..116 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.revoke_family("f1", at).await.unwrap() }));
    }
    for h in handles {
        assert!(h.await.unwrap(), "every caller sees the family");
    }
    let at = s.get_family("f1").await.unwrap().unwrap().revoked_at.expect("revoked");
    assert!((100..116).contains(&at));
    assert!(s.revoke_family("f1", 999).await.unwrap());
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(at));
});
