//! Identity pools, identities, temporary credentials.

use super::*;

conformance!(identity_pools_crud_and_list, |s| {
    assert!(s.get_identity_pool("eu-west-2:1").await.unwrap().is_none());
    let mut ip = identity_pool("eu-west-2:1");
    ip.allow_unauthenticated = true;
    s.insert_identity_pool(&ip).await.unwrap();
    assert!(is_conflict(&s.insert_identity_pool(&ip).await));
    assert_eq!(s.get_identity_pool("eu-west-2:1").await.unwrap().unwrap(), ip);

    ip.name = "renamed".into();
    ip.allow_unauthenticated = false;
    ip.roles.insert("authenticated".into(), "arn:aws:iam::0:role/auth".into());
    ip.roles.insert("unauthenticated".into(), "arn:aws:iam::0:role/unauth".into());
    ip.providers.push(IdentityProvider {
        provider_name: "cognito-idp.eu-west-2.amazonaws.com/p2".into(),
        client_id: "c2".into(),
        server_side_token_check: true,
    });
    ip.updated_at = 9;
    s.update_identity_pool(&ip).await.unwrap();
    assert_eq!(s.get_identity_pool("eu-west-2:1").await.unwrap().unwrap(), ip);

    for id in ["eu-west-2:4", "eu-west-2:2", "eu-west-2:3"] {
        s.insert_identity_pool(&identity_pool(id)).await.unwrap();
    }
    let list = |after: Option<&'static str>, limit| {
        let s = s.clone();
        async move { ids(s.list_identity_pools(after, limit).await.unwrap(), |p| &p.id) }
    };
    assert_eq!(list(None, 10).await, ["eu-west-2:1", "eu-west-2:2", "eu-west-2:3", "eu-west-2:4"]);
    assert_eq!(list(None, 2).await, ["eu-west-2:1", "eu-west-2:2"]);
    assert_eq!(list(Some("eu-west-2:2"), 2).await, ["eu-west-2:3", "eu-west-2:4"]);
    assert!(list(Some("eu-west-2:4"), 2).await.is_empty());
    assert_eq!(s.list_identity_pools(None, 1).await.unwrap(), vec![ip.clone()]);

    assert!(s.delete_identity_pool("eu-west-2:1").await.unwrap());
    assert!(!s.delete_identity_pool("eu-west-2:1").await.unwrap());
    assert!(s.get_identity_pool("eu-west-2:1").await.unwrap().is_none());
    assert_eq!(list(None, 10).await, ["eu-west-2:2", "eu-west-2:3", "eu-west-2:4"]);
});

conformance!(identities_one_per_login, |s| {
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip2")).await.unwrap();
    assert!(s.get_identity("i1").await.unwrap().is_none());
    let first = s.get_or_create_identity(&identity("i1", "ip1", "p1:u1")).await.unwrap();
    assert_eq!(first, identity("i1", "ip1", "p1:u1"));
    let mut later = identity("i2", "ip1", "p1:u1");
    later.created_at = 99;
    assert_eq!(s.get_or_create_identity(&later).await.unwrap(), first, "the existing identity, unchanged");
    assert!(s.get_identity("i2").await.unwrap().is_none(), "the second candidate was not stored");
    assert_eq!(s.get_identity("i1").await.unwrap().unwrap(), first);
    let other_login = s.get_or_create_identity(&identity("i3", "ip1", "p1:u2")).await.unwrap();
    assert_eq!(other_login.id, "i3");
    let other_pool = s.get_or_create_identity(&identity("i4", "ip2", "p1:u1")).await.unwrap();
    assert_eq!(other_pool.id, "i4", "one identity per login per pool");

    // Concurrent first sign-ins of one login agree on one identity.
    let mut handles = Vec::new();
    for i in 0..12 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.get_or_create_identity(&identity(&format!("c{i}"), "ip1", "p1:race")).await.unwrap()
        }));
    }
    let mut winners = BTreeSet::new();
    for h in handles {
        winners.insert(h.await.unwrap().id);
    }
    assert_eq!(winners.len(), 1, "one identity for the login, got {winners:?}");
    let id = winners.into_iter().next().unwrap();
    assert_eq!(s.get_identity(&id).await.unwrap().unwrap().login, "p1:race");
});

conformance!(temporary_credentials, |s| {
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip2")).await.unwrap();
    s.get_or_create_identity(&identity("i1", "ip1", "p1:u1")).await.unwrap();
    s.get_or_create_identity(&identity("i2", "ip2", "p1:u1")).await.unwrap();
    assert!(s.get_credentials("ASIA1").await.unwrap().is_none());
    let mut c1 = credentials("ASIA1", "i1");
    c1.secret_enc = all_bytes();
    c1.session_token_hash = all_bytes();
    s.insert_credentials(&c1).await.unwrap();
    let mut c2 = credentials("ASIA2", "i1");
    c2.role = None;
    s.insert_credentials(&c2).await.unwrap();
    let c3 = credentials("ASIA3", "i2");
    s.insert_credentials(&c3).await.unwrap();
    assert!(is_conflict(&s.insert_credentials(&c1).await), "access key ids are unique");
    assert_eq!(s.get_credentials("ASIA1").await.unwrap().unwrap(), c1);
    assert_eq!(s.get_credentials("ASIA2").await.unwrap().unwrap(), c2, "no role");

    // Deleting an identity pool takes its identities and their credentials.
    assert!(s.delete_identity_pool("ip1").await.unwrap());
    assert!(s.get_identity("i1").await.unwrap().is_none());
    assert!(s.get_credentials("ASIA1").await.unwrap().is_none());
    assert!(s.get_credentials("ASIA2").await.unwrap().is_none());
    assert_eq!(s.get_identity("i2").await.unwrap().unwrap().pool_id, "ip2", "other pool untouched");
    assert_eq!(s.get_credentials("ASIA3").await.unwrap().unwrap(), c3);
});
