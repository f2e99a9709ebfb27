//! Pools.

use super::*;

conformance!(pools_crud, |s| {
    assert!(s.get_pool("p1").await.unwrap().is_none());
    s.insert_pool(&rich_pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(is_conflict(&s.insert_pool(&pool("p1")).await), "duplicate pool id is a Conflict");
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), rich_pool("p1"), "every setting round-trips");
    assert_eq!(s.get_pool("p2").await.unwrap().unwrap(), pool("p2"));
    assert!(s.get_pool("P1").await.unwrap().is_none(), "ids are exact");

    let mut p = s.get_pool("p2").await.unwrap().unwrap();
    p.name = "renamed".into();
    p.settings.mfa_configuration = MfaConfiguration::Optional;
    p.settings.password_policy.minimum_length = 12;
    p.settings.issuer = Some("https://elsewhere".into());
    p.updated_at = 99;
    s.update_pool(&p).await.unwrap();
    assert_eq!(s.get_pool("p2").await.unwrap().unwrap(), p);
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), rich_pool("p1"), "update touches one pool only");

    assert!(s.delete_pool("p2").await.unwrap());
    assert!(!s.delete_pool("p2").await.unwrap(), "second delete reports no such pool");
    assert!(!s.delete_pool("nope").await.unwrap());
    assert!(s.get_pool("p2").await.unwrap().is_none());
    assert!(s.get_pool("p1").await.unwrap().is_some());
});

conformance!(an_update_of_a_record_deleted_meanwhile_is_refused, |s| {
    seed(&s).await;
    let (p, c) = (s.get_pool("p1").await.unwrap().unwrap(), s.get_client("c1").await.unwrap().unwrap());
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    let ip = s.get_identity_pool("ip1").await.unwrap().unwrap();
    assert!(s.delete_client("c1").await.unwrap());
    assert!(is_stale(&s.update_client(&c).await), "not a silent no-op");
    assert!(s.get_client("c1").await.unwrap().is_none(), "nor a resurrection");
    assert!(s.delete_identity_pool("ip1").await.unwrap());
    assert!(is_stale(&s.update_identity_pool(&ip).await));
    assert!(s.delete_pool("p1").await.unwrap());
    assert!(is_stale(&s.update_pool(&p).await));
    assert!(s.get_pool("p1").await.unwrap().is_none());
});

conformance!(pools_list_is_ordered_and_paginated, |s| {
    assert!(s.list_pools(None, 10).await.unwrap().is_empty());
    let mut all = vec!["p05", "p01", "p07", "p03", "p02", "p06", "p04"];
    for id in &all {
        s.insert_pool(&pool(id)).await.unwrap();
    }
    all.sort();
    assert_eq!(pool_ids(&s, None, 3).await, ["p01", "p02", "p03"]);
    assert_eq!(pool_ids(&s, Some("p03"), 3).await, ["p04", "p05", "p06"], "after is exclusive");
    assert_eq!(pool_ids(&s, Some("p06"), 3).await, ["p07"]);
    assert!(pool_ids(&s, Some("p07"), 3).await.is_empty());
    assert_eq!(pool_ids(&s, Some("p035"), 2).await, ["p04", "p05"], "after need not exist");
    assert!(pool_ids(&s, None, 0).await.is_empty(), "limit 0");
    assert_eq!(pool_ids(&s, None, 100).await, all);
    assert_eq!(s.list_pools(None, 1).await.unwrap(), vec![pool("p01")], "full records");

    // Walking page by page visits every pool once, in order.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = pool_ids(&s, after.as_deref(), 2).await;
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        after = page.last().cloned();
        walked.extend(page);
    }
    assert_eq!(walked, all);
});

conformance!(deleting_a_pool_removes_everything_in_it, |s| {
    seed(&s).await;
    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_client(&client("c2", "p2")).await.unwrap();
    s.insert_user(&user("v1", "p2", "Alice")).await.unwrap();
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 2), 0).await.unwrap();
    s.insert_family(&family("g1", "p2", "c2", "v1", 3), 0).await.unwrap();
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    s.insert_challenge(&challenge(2, "p2", "c2", "v1"), 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    s.put_code(&code("v1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();

    assert!(s.delete_pool("p1").await.unwrap());
    assert!(!s.delete_pool("p1").await.unwrap());
    assert!(s.get_pool("p1").await.unwrap().is_none());
    assert!(s.get_client("c1").await.unwrap().is_none(), "clients go with the pool");
    assert!(s.list_clients("p1", None, 10).await.unwrap().is_empty());
    assert!(s.get_user("p1", "u1").await.unwrap().is_none(), "users go with the pool");
    assert!(s.get_user("p1", "u2").await.unwrap().is_none());
    assert!(s.get_user_by_username("p1", "alice").await.unwrap().is_none());
    assert!(s.list_users("p1", None, 10).await.unwrap().is_empty());
    assert!(s.get_family("f1").await.unwrap().is_none(), "families go with the pool");
    assert!(s.get_family("f2").await.unwrap().is_none());
    assert!(s.get_family_by_token_hash(&[1; 32]).await.unwrap().is_none());
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none(), "challenges go with the pool");

    // The other pool is untouched.
    assert!(s.get_pool("p2").await.unwrap().is_some());
    assert!(s.get_client("c2").await.unwrap().is_some());
    assert!(s.get_user("p2", "v1").await.unwrap().is_some());
    assert!(s.get_family("g1").await.unwrap().is_some());
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some());

    // Recreating the same ids finds no leftovers (codes included).
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_client(&client("c1", "p1")).await.unwrap();
    s.insert_user(&user("u1", "p1", "Alice")).await.unwrap();
    let u1 = user("u1", "p1", "Alice");
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 1, 10, &u1).await, CodeOutcome::Expired, "code gone");
    assert_eq!(
        redeem(&s, "v1", CodePurpose::ForgotPassword, 1, 10, &user("v1", "p2", "Alice")).await,
        CodeOutcome::Redeemed
    );
});

conformance!(pagination_walks_are_complete_for_awkward_keys, |s| {
    // Mixed case, punctuation and non-ASCII keys: whatever order the engine's collation gives,
    // walking pages with `after` = last key must visit every record exactly once, in the same
    // order as one big page.
    let keys = [
        "eu-west-2_AbC",
        "eu-west-2_abc",
        "eu-west-2_ABD",
        "eu_west",
        "eu-west-2_Z",
        "eu-west-10_a",
        "EU",
        "é-pool",
        "z",
        "Z",
        "a b",
        "a-b",
        "a_b",
        "a.b",
        "0",
    ];
    for k in keys {
        s.insert_pool(&pool(k)).await.unwrap();
    }
    for (i, k) in keys.into_iter().enumerate() {
        s.insert_client(&client(&format!("c:{k}"), "EU")).await.unwrap();
        // Usernames must differ case-insensitively: `eu-west-2_AbC` and `eu-west-2_abc` would not.
        s.insert_user(&user(&format!("u:{k}"), "EU", &format!("{k}-{i}"))).await.unwrap();
        s.insert_identity_pool(&identity_pool(k)).await.unwrap();
    }
    let all_pools = pool_ids(&s, None, 100).await;
    let all_clients = client_ids(&s, "EU", None, 100).await;
    let all_users: Vec<String> =
        s.list_users("EU", None, 100).await.unwrap().iter().map(|u| User::normalise_username(&u.username)).collect();
    let all_ips = ids(s.list_identity_pools(None, 100).await.unwrap(), |p| &p.id);
    for (what, all) in
        [("pools", &all_pools), ("clients", &all_clients), ("users", &all_users), ("identity pools", &all_ips)]
    {
        assert_eq!(all.len(), keys.len(), "{what}: one big page holds them all");
        assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), keys.len(), "{what}: no duplicates");
    }
    for limit in 1..=4u32 {
        let (mut pools, mut clients, mut users, mut ips) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut after: Option<String> = None;
        loop {
            let page = pool_ids(&s, after.as_deref(), limit).await;
            assert!(page.len() <= limit as usize);
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            pools.extend(page);
        }
        after = None;
        loop {
            let page = client_ids(&s, "EU", after.as_deref(), limit).await;
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            clients.extend(page);
        }
        after = None;
        loop {
            let page: Vec<String> = s
                .list_users("EU", after.as_deref(), limit)
                .await
                .unwrap()
                .iter()
                .map(|u| User::normalise_username(&u.username))
                .collect();
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            users.extend(page);
        }
        after = None;
        loop {
            let page = ids(s.list_identity_pools(after.as_deref(), limit).await.unwrap(), |p| &p.id);
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            ips.extend(page);
        }
        assert_eq!(pools, all_pools, "pools, limit {limit}");
        assert_eq!(clients, all_clients, "clients, limit {limit}");
        assert_eq!(users, all_users, "users, limit {limit}");
        assert_eq!(ips, all_ips, "identity pools, limit {limit}");
    }
});
