//! The OIDC door's records: authorization codes, refresh-token rotation, browser sessions,
//! resource servers, and the columns migration 0004 added to families and challenges.

use super::*;

fn auth_code(hash: u8, family_id: &str, expires_at: i64) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: vec![hash; 32],
        pool_id: "p1".into(),
        client_id: "c1".into(),
        user_id: "u1".into(),
        redirect_uri: "https://app.example/cb?x=1&y=\"2\"".into(),
        scope: "openid email api/read".into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        auth_time: 1_700_000_000,
        amr: "pwd otp".into(),
        family_id: family_id.into(),
        expires_at,
        redeemed_at: None,
        user_epoch: 0,
    }
}

/// A family as the code grant makes it: with scopes and how the user signed in.
fn oauth_family(id: &str, hash: u8) -> RefreshFamily {
    let mut f = family(id, "p1", "c1", "u1", hash);
    f.scope = Some("openid email api/read".into());
    f.amr = "pwd otp".into();
    f
}

fn browser_session(hash: u8, user_id: &str) -> BrowserSession {
    BrowserSession {
        id_hash: vec![hash; 32],
        pool_id: "p1".into(),
        user_id: user_id.into(),
        auth_time: 40,
        amr: "pwd".into(),
        created_at: 40,
        expires_at: 40 + 3600,
        user_epoch: 0,
    }
}

fn resource_server(pool_id: &str, identifier: &str) -> ResourceServer {
    ResourceServer {
        pool_id: pool_id.into(),
        identifier: identifier.into(),
        name: format!("API {identifier}"),
        scopes: vec![
            ResourceServerScope { name: "read".into(), description: "Read \"things\" ✓".into() },
            ResourceServerScope { name: "write".into(), description: "write".into() },
        ],
        created_at: 30,
    }
}

async fn server_ids(s: &SqlStore, pool_id: &str, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_resource_servers(pool_id, after, limit).await.unwrap(), |rs| &rs.identifier)
}

// ---------------------------------------------------------------------------------------------
// Columns added to families and challenges
// ---------------------------------------------------------------------------------------------

conformance!(family_scope_and_amr_round_trip, |s| {
    seed(&s).await;
    let with = oauth_family("f1", 1);
    let mut without = family("f2", "p1", "c1", "u2", 2);
    without.amr = "pwd".into();
    s.insert_family(&with, 0).await.unwrap();
    s.insert_family(&without, 0).await.unwrap();
    assert_eq!(s.get_family("f1").await.unwrap().unwrap(), with);
    assert_eq!(s.get_family("f2").await.unwrap().unwrap(), without, "no scope is None, not empty");
    assert_eq!(s.get_family_by_token_hash(&[1; 32]).await.unwrap().unwrap(), with);
    let (f, _) = s.get_family_with_user(FamilyKey::Id("f1")).await.unwrap().unwrap();
    assert_eq!(f, with, "the joined read carries them too");
    let (f, _) = s.get_family_with_user(FamilyKey::TokenHash(&[2; 32])).await.unwrap().unwrap();
    assert_eq!(f, without);
    s.revoke_family("f1", 99).await.unwrap();
    let revoked = s.get_family("f1").await.unwrap().unwrap();
    assert_eq!((revoked.scope.as_deref(), revoked.amr.as_str()), (with.scope.as_deref(), "pwd otp"));
});

conformance!(challenge_hosted_round_trips, |s| {
    seed(&s).await;
    let api = challenge(1, "p1", "c1", "u1");
    let mut hosted = challenge(2, "p1", "c1", "u1");
    hosted.hosted = true;
    s.insert_challenge(&api, 0).await.unwrap();
    s.insert_challenge(&hosted, 0).await.unwrap();
    assert_eq!(s.get_challenge(&[1; 32]).await.unwrap().unwrap(), api);
    assert_eq!(s.get_challenge(&[2; 32]).await.unwrap().unwrap(), hosted);
    assert_eq!(s.record_challenge_failure(&[2; 32]).await.unwrap(), 1);
    assert!(s.get_challenge(&[2; 32]).await.unwrap().unwrap().hosted, "kept across a failure count");
});

// ---------------------------------------------------------------------------------------------
// Authorization codes
// ---------------------------------------------------------------------------------------------

conformance!(authorization_codes_insert_get_redeem, |s| {
    seed(&s).await;
    assert!(s.get_authorization_code(&[1; 32]).await.unwrap().is_none());
    let mut c1 = auth_code(1, "fa", 100);
    c1.code_hash = all_bytes();
    s.insert_authorization_code(&c1).await.unwrap();
    assert!(is_conflict(&s.insert_authorization_code(&c1).await), "code hash is unique");
    assert_eq!(s.get_authorization_code(&all_bytes()).await.unwrap().unwrap(), c1, "every field round-trips");
    let mut bare = auth_code(2, "fb", 100);
    bare.nonce = None;
    bare.code_challenge = None;
    s.insert_authorization_code(&bare).await.unwrap();
    assert_eq!(s.get_authorization_code(&[2; 32]).await.unwrap().unwrap(), bare, "optional fields stay None");

    // The first redemption marks the code and inserts its family, in one go.
    assert!(s.redeem_authorization_code(&all_bytes(), 10, &oauth_family("fa", 1), 0).await.unwrap());
    assert_eq!(s.get_authorization_code(&all_bytes()).await.unwrap().unwrap().redeemed_at, Some(10));
    assert_eq!(s.get_family("fa").await.unwrap().unwrap(), oauth_family("fa", 1));

    // A second one writes nothing.
    assert!(!s.redeem_authorization_code(&all_bytes(), 11, &oauth_family("fa2", 5), 0).await.unwrap());
    assert!(s.get_family("fa2").await.unwrap().is_none(), "no family for a replay");
    assert!(s.get_family_by_token_hash(&[5; 32]).await.unwrap().is_none());
    assert_eq!(s.get_authorization_code(&all_bytes()).await.unwrap().unwrap().redeemed_at, Some(10), "first time kept");

    // Unknown codes are not redeemed.
    assert!(!s.redeem_authorization_code(&[9; 32], 10, &oauth_family("f9", 9), 0).await.unwrap());
    assert!(s.get_family("f9").await.unwrap().is_none());
    assert_eq!(s.get_authorization_code(&[2; 32]).await.unwrap().unwrap().redeemed_at, None, "others untouched");
});

conformance!(expired_authorization_codes_are_not_redeemed, |s| {
    seed(&s).await;
    s.insert_authorization_code(&auth_code(1, "fa", 50)).await.unwrap();
    assert!(!s.redeem_authorization_code(&[1; 32], 50, &oauth_family("fa", 1), 0).await.unwrap(), "at expires_at");
    assert!(!s.redeem_authorization_code(&[1; 32], 5_000, &oauth_family("fa", 1), 0).await.unwrap(), "after it");
    assert!(s.get_family("fa").await.unwrap().is_none(), "no family for an expired code");
    assert_eq!(s.get_authorization_code(&[1; 32]).await.unwrap().unwrap().redeemed_at, None, "not marked");
    assert!(s.redeem_authorization_code(&[1; 32], 49, &oauth_family("fa", 1), 0).await.unwrap(), "live just before");
    assert!(s.get_family("fa").await.unwrap().is_some());
});

conformance!(authorization_code_redemption_is_one_transaction, |s| {
    seed(&s).await;
    s.insert_family(&family("taken", "p1", "c1", "u2", 7), 0).await.unwrap();
    s.insert_authorization_code(&auth_code(1, "fa", 100)).await.unwrap();
    // A family whose insert fails (its token hash is taken): the code must stay unredeemed.
    let outcome = s.redeem_authorization_code(&[1; 32], 10, &oauth_family("fa", 7), 0).await;
    assert!(is_conflict(&outcome), "the failed family insert surfaces: {outcome:?}");
    assert_eq!(s.get_authorization_code(&[1; 32]).await.unwrap().unwrap().redeemed_at, None, "rolled back");
    assert!(s.get_family("fa").await.unwrap().is_none());
    assert!(s.redeem_authorization_code(&[1; 32], 11, &oauth_family("fa", 1), 0).await.unwrap(), "still redeemable");
});

conformance!(concurrent_redemptions_of_an_authorization_code_win_once, |s| {
    seed(&s).await;
    for round in 0..3u8 {
        let code_hash = vec![round + 1; 32];
        s.insert_authorization_code(&auth_code(round + 1, "unused", 100)).await.unwrap();
        let mut handles = Vec::new();
        for i in 0..12u8 {
            let (s, code_hash) = (s.clone(), code_hash.clone());
            let fam = oauth_family(&format!("r{round}-{i}"), 100 + round * 12 + i);
            handles.push(tokio::spawn(async move {
                (i, s.redeem_authorization_code(&code_hash, 10, &fam, 0).await.unwrap())
            }));
        }
        let mut winners = Vec::new();
        for h in handles {
            let (i, won) = h.await.unwrap();
            if won {
                winners.push(i);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one redemption wins, got {winners:?}");
        let mut families = 0;
        for i in 0..12u8 {
            if let Some(f) = s.get_family(&format!("r{round}-{i}")).await.unwrap() {
                assert_eq!(i, winners[0], "round {round}: the family inserted is the winner's");
                assert_eq!(f.token_hash, vec![100 + round * 12 + i; 32]);
                families += 1;
            }
        }
        assert_eq!(families, 1, "round {round}: exactly one family row");
        assert_eq!(s.get_authorization_code(&code_hash).await.unwrap().unwrap().redeemed_at, Some(10));
    }
});

conformance!(authorization_codes_go_with_their_user_and_client, |s| {
    seed(&s).await;
    s.insert_authorization_code(&auth_code(1, "fa", 100)).await.unwrap();
    let mut bobs = auth_code(2, "fb", 100);
    bobs.user_id = "u2".into();
    s.insert_authorization_code(&bobs).await.unwrap();
    assert!(s.delete_user("p1", "u1").await.unwrap());
    assert!(s.get_authorization_code(&[1; 32]).await.unwrap().is_none(), "with the user");
    assert!(s.get_authorization_code(&[2; 32]).await.unwrap().is_some(), "another user's stays");
    assert!(s.delete_client("c1").await.unwrap());
    assert!(s.get_authorization_code(&[2; 32]).await.unwrap().is_none(), "with the client");
});

// ---------------------------------------------------------------------------------------------
// Refresh-token rotation
// ---------------------------------------------------------------------------------------------

conformance!(rotate_refresh_token, |s| {
    seed(&s).await;
    s.insert_family(&oauth_family("f1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 9), 0).await.unwrap();
    assert!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().is_none(), "nothing retired yet");

    assert!(s.rotate_refresh_token("f1", &[1; 32], &[2; 32], 100).await.unwrap(), "current hash rotates");
    assert!(s.get_family_by_token_hash(&[1; 32]).await.unwrap().is_none(), "the old hash finds no family");
    let f1 = s.get_family_by_token_hash(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(f1.id, "f1");
    assert_eq!(f1.token_hash, vec![2; 32]);
    let mut expected = oauth_family("f1", 2);
    expected.token_hash = vec![2; 32];
    assert_eq!(f1, expected, "nothing else about the family changes");
    assert_eq!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().as_deref(), Some("f1"), "kept as retired");
    assert!(s.get_retired_refresh_token(&[2; 32]).await.unwrap().is_none(), "the current one is not retired");

    // From a stale hash, or for the wrong family: nothing changes.
    assert!(!s.rotate_refresh_token("f1", &[1; 32], &[3; 32], 101).await.unwrap(), "stale hash");
    assert!(!s.rotate_refresh_token("f2", &[2; 32], &[3; 32], 101).await.unwrap(), "another family's hash");
    assert!(!s.rotate_refresh_token("nope", &[2; 32], &[3; 32], 101).await.unwrap(), "no such family");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().token_hash, vec![2; 32]);
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().token_hash, vec![9; 32]);
    assert!(s.get_family_by_token_hash(&[3; 32]).await.unwrap().is_none());
    assert!(s.get_retired_refresh_token(&[2; 32]).await.unwrap().is_none());

    // Onto a hash another family holds: refused whole (the family keeps its token).
    assert!(s.rotate_refresh_token("f1", &[2; 32], &[9; 32], 102).await.is_err());
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().token_hash, vec![2; 32]);
    assert!(s.get_retired_refresh_token(&[2; 32]).await.unwrap().is_none(), "nothing retired by a failed rotation");

    // A revoked family does not rotate, even from its current hash (a revocation that lands
    // between a refresh's read and its rotation wins).
    s.insert_family(&oauth_family("f3", 30), 0).await.unwrap();
    assert!(s.revoke_family("f3", 102).await.unwrap());
    assert!(!s.rotate_refresh_token("f3", &[30; 32], &[31; 32], 103).await.unwrap(), "revoked");
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().token_hash, vec![30; 32]);
    assert!(s.get_retired_refresh_token(&[30; 32]).await.unwrap().is_none());

    // Every rotated-out token stays retired to the same family.
    assert!(s.rotate_refresh_token("f1", &[2; 32], &all_bytes(), 103).await.unwrap());
    assert_eq!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().as_deref(), Some("f1"));
    assert_eq!(s.get_retired_refresh_token(&[2; 32]).await.unwrap().as_deref(), Some("f1"));
    assert_eq!(s.get_family_by_token_hash(&all_bytes()).await.unwrap().unwrap().id, "f1");

    // Retired tokens go with their family.
    assert!(s.delete_user("p1", "u1").await.unwrap());
    assert!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().is_none());
    assert!(s.get_retired_refresh_token(&[2; 32]).await.unwrap().is_none());
});

conformance!(concurrent_rotations_from_one_token_win_once, |s| {
    seed(&s).await;
    s.insert_family(&oauth_family("f1", 1), 0).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..12u8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            (i, s.rotate_refresh_token("f1", &[1; 32], &[50 + i; 32], 100).await.unwrap())
        }));
    }
    let mut winners = Vec::new();
    for h in handles {
        let (i, won) = h.await.unwrap();
        if won {
            winners.push(i);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one rotation wins, got {winners:?}");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().token_hash, vec![50 + winners[0]; 32]);
    assert_eq!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().as_deref(), Some("f1"));
});

conformance!(concurrent_rotations_of_many_families_each_get_their_own_answer, |s| {
    // Rotations that arrive together are written together (group commit); each caller still
    // learns its own outcome, and a failing entry fails no other.
    seed(&s).await;
    for i in 0..40u8 {
        s.insert_family(&oauth_family(&format!("m{i}"), 100 + i), 0).await.unwrap();
    }
    s.insert_family(&oauth_family("gone", 99), 0).await.unwrap();
    assert!(s.revoke_family("gone", 400).await.unwrap());
    let mut handles = Vec::new();
    for round in 0..3u8 {
        let revoked = s.clone();
        handles.push(tokio::spawn(async move {
            // A revoked family's current hash: refused in a batch too.
            (
                99,
                round,
                revoked
                    .rotate_refresh_token(
                        "gone",
                        &[99; 32],
                        &[
                            98, round, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                            1, 1, 1,
                        ],
                        500,
                    )
                    .await,
            )
        }));
        for i in 0..40u8 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                // Even families rotate from their current hash, odd ones from a stale one. The
                // three rounds rotate each family from the same old hash: one may win.
                let old = if i % 2 == 0 { 100 + i } else { 1 };
                let mut new = [7u8; 32];
                (new[0], new[1]) = (i, round);
                (i, round, s.rotate_refresh_token(&format!("m{i}"), &[old; 32], &new, 500).await)
            }));
        }
    }
    let mut wins = BTreeMap::<u8, Vec<u8>>::new();
    for h in handles {
        let (i, round, result) = h.await.unwrap();
        // The losers are counted below: every family but its one winner.
        if result.unwrap_or_else(|e| panic!("family {i} failed: {e}")) {
            wins.entry(i).or_default().push(round);
        }
    }
    assert!(!wins.contains_key(&99), "the revoked family never rotates");
    assert_eq!(s.get_family("gone").await.unwrap().unwrap().token_hash, vec![99; 32]);
    for i in 0..40u8 {
        let family = s.get_family(&format!("m{i}")).await.unwrap().unwrap();
        if i % 2 == 0 {
            let rounds = wins.get(&i).cloned().unwrap_or_default();
            assert_eq!(rounds.len(), 1, "m{i}: exactly one of three rotations wins, got {rounds:?}");
            assert_eq!(family.token_hash[..2], [i, rounds[0]], "m{i} holds the winner's hash");
            assert_eq!(s.get_retired_refresh_token(&[100 + i; 32]).await.unwrap().as_deref(), Some(&*format!("m{i}")));
        } else {
            assert!(!wins.contains_key(&i), "m{i} rotated from a stale hash");
            assert_eq!(family.token_hash, vec![100 + i; 32], "m{i} keeps its token");
            assert!(s.get_retired_refresh_token(&[100 + i; 32]).await.unwrap().is_none());
        }
    }
});

conformance!(a_rotation_onto_a_taken_hash_fails_alone, |s| {
    // In a batch, the entry whose new hash is taken is refused; the others are written.
    seed(&s).await;
    for i in 0..10u8 {
        s.insert_family(&oauth_family(&format!("t{i}"), 10 + i), 0).await.unwrap();
    }
    s.insert_family(&oauth_family("held", 250), 0).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..10u8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            let new = if i == 3 { 250 } else { 60 + i };
            (i, s.rotate_refresh_token(&format!("t{i}"), &[10 + i; 32], &[new; 32], 500).await)
        }));
    }
    for h in handles {
        let (i, result) = h.await.unwrap();
        let family = s.get_family(&format!("t{i}")).await.unwrap().unwrap();
        if i == 3 {
            assert!(result.is_err(), "t3 onto a taken hash: {result:?}");
            assert_eq!(family.token_hash, vec![13; 32]);
        } else {
            assert!(result.unwrap(), "t{i}");
            assert_eq!(family.token_hash, vec![60 + i; 32]);
        }
    }
});

// ---------------------------------------------------------------------------------------------
// Browser sessions
// ---------------------------------------------------------------------------------------------

conformance!(browser_sessions_insert_get_delete, |s| {
    seed(&s).await;
    assert!(s.get_browser_session(&[1; 32]).await.unwrap().is_none());
    let mut a1 = browser_session(1, "u1");
    a1.id_hash = all_bytes();
    a1.amr = "pwd otp".into();
    let a2 = browser_session(2, "u1");
    let b1 = browser_session(3, "u2");
    for bs in [&a1, &a2, &b1] {
        s.insert_browser_session(bs).await.unwrap();
    }
    assert!(is_conflict(&s.insert_browser_session(&a2).await), "id hash is unique");
    assert_eq!(s.get_browser_session(&all_bytes()).await.unwrap().unwrap(), a1, "every field round-trips");
    assert_eq!(s.get_browser_session(&[2; 32]).await.unwrap().unwrap(), a2);

    assert!(s.delete_browser_session(&[2; 32]).await.unwrap());
    assert!(!s.delete_browser_session(&[2; 32]).await.unwrap(), "second delete finds nothing");
    assert!(!s.delete_browser_session(&[9; 32]).await.unwrap());
    assert!(s.get_browser_session(&[2; 32]).await.unwrap().is_none());
    assert!(s.get_browser_session(&all_bytes()).await.unwrap().is_some(), "one session only");

    s.insert_browser_session(&browser_session(4, "u1")).await.unwrap();
    s.revoke_user_families("u1", 50).await.unwrap();
    assert!(s.get_browser_session(&all_bytes()).await.unwrap().is_none(), "every browser of the user");
    assert!(s.get_browser_session(&[4; 32]).await.unwrap().is_none());
    assert_eq!(s.get_browser_session(&[3; 32]).await.unwrap().unwrap(), b1, "another user's stays");
    assert_eq!(s.revoke_user_families("nobody", 50).await.unwrap(), 0);

    assert!(s.delete_user("p1", "u2").await.unwrap());
    assert!(s.get_browser_session(&[3; 32]).await.unwrap().is_none(), "sessions go with their user");
});

conformance!(a_users_pending_sign_ins_end_together, |s| {
    seed(&s).await;
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    s.insert_challenge(&challenge(2, "p1", "c1", "u2"), 0).await.unwrap();
    s.insert_authorization_code(&auth_code(3, "fa", 100)).await.unwrap();
    s.insert_authorization_code(&auth_code(4, "fb", 100)).await.unwrap();
    assert!(s.redeem_authorization_code(&[4; 32], 10, &oauth_family("fb", 9), 0).await.unwrap());
    let mut others = auth_code(5, "fc", 100);
    others.user_id = "u2".into();
    s.insert_authorization_code(&others).await.unwrap();

    let mut expired = challenge(6, "p1", "c1", "u1");
    expired.expires_at = 15;
    s.insert_challenge(&expired, 0).await.unwrap();

    s.revoke_user_families("u1", 20).await.unwrap();
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none(), "u1's challenge and unredeemed code");
    assert!(s.get_challenge(&[6; 32]).await.unwrap().is_some(), "an expired one is the sweep's, not touched");
    assert!(s.get_authorization_code(&[3; 32]).await.unwrap().is_none());
    assert!(is_stale(&s.redeem_authorization_code(&[3; 32], 11, &oauth_family("fa", 8), 0).await));
    assert!(!s.redeem_authorization_code(&[3; 32], 11, &oauth_family("fa", 8), 1).await.unwrap(), "gone");
    assert_eq!(s.get_authorization_code(&[4; 32]).await.unwrap().unwrap().redeemed_at, Some(10), "kept for replays");
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some(), "another user's stays");
    assert!(s.get_authorization_code(&[5; 32]).await.unwrap().is_some());
    assert_eq!(s.get_family("fb").await.unwrap().unwrap().revoked_at, Some(20), "and the code's family revoked");
});

conformance!(a_sign_in_under_way_writes_nothing_once_the_users_sessions_end, |s| {
    seed(&s).await;
    let epoch = |u: &'static str| {
        let s = s.clone();
        async move { s.get_user("p1", u).await.unwrap().unwrap().session_epoch }
    };
    assert_eq!(epoch("u1").await, 0);
    // Sign-ins that read u1 at epoch 0, then u1 signs out everywhere.
    s.revoke_user_families("u1", 20).await.unwrap();
    assert_eq!(epoch("u1").await, 1);
    assert!(is_stale(&s.insert_family(&family("f9", "p1", "c1", "u1", 9), 0).await));
    assert!(is_stale(&s.insert_challenge(&challenge(9, "p1", "c1", "u1"), 0).await));
    let mut bs = browser_session(9, "u1");
    assert!(is_stale(&s.insert_browser_session(&bs).await));
    let mut code = auth_code(9, "f9", 100);
    assert!(is_stale(&s.insert_authorization_code(&code).await));
    assert!(s.get_family("f9").await.unwrap().is_none(), "nothing written");
    assert!(s.get_challenge(&[9; 32]).await.unwrap().is_none());
    assert!(s.get_browser_session(&[9; 32]).await.unwrap().is_none());
    assert!(s.get_authorization_code(&[9; 32]).await.unwrap().is_none());
    // A sign-in that reads the new epoch writes as before.
    bs.user_epoch = 1;
    s.insert_browser_session(&bs).await.unwrap();
    code.user_epoch = 1;
    s.insert_authorization_code(&code).await.unwrap();
    s.insert_family(&family("f8", "p1", "c1", "u1", 8), 1).await.unwrap();
    s.insert_challenge(&challenge(8, "p1", "c1", "u1"), 1).await.unwrap();
    // A code issued before a sign-out is not redeemed after it, and stays unredeemed.
    let mut early = auth_code(7, "f7", 100);
    early.user_epoch = 1;
    s.insert_authorization_code(&early).await.unwrap();
    let mut u1 = s.get_user("p1", "u1").await.unwrap().unwrap();
    u1.updated_at += 1;
    s.update_user_revoking_families(&mut u1, 30).await.unwrap();
    assert_eq!((u1.session_epoch, epoch("u1").await), (2, 2), "a revoking update bumps both");
    assert!(s.get_authorization_code(&[7; 32]).await.unwrap().is_none(), "unredeemed codes went with it");
    assert!(is_stale(&s.insert_authorization_code(&early).await));
    // A redemption that read the code before a sign-out and is stale by the time it writes.
    early.user_epoch = 2;
    s.insert_authorization_code(&early).await.unwrap();
    assert!(is_stale(&s.redeem_authorization_code(&[7; 32], 31, &oauth_family("f7", 7), 1).await));
    assert!(s.get_family("f7").await.unwrap().is_none());
    assert_eq!(s.get_authorization_code(&[7; 32]).await.unwrap().unwrap().redeemed_at, None, "nothing changed");
    assert_eq!(s.get_family("f8").await.unwrap().unwrap().revoked_at, Some(30));
    assert!(s.get_browser_session(&[9; 32]).await.unwrap().is_none());
    assert!(s.get_challenge(&[8; 32]).await.unwrap().is_none());
    // Another user's epoch never moved.
    assert_eq!(epoch("u2").await, 0);
    s.insert_family(&family("g9", "p1", "c1", "u2", 9), 0).await.unwrap();
});

conformance!(sign_ins_racing_a_sign_out_either_finish_before_it_or_write_nothing, |s| {
    seed(&s).await;
    // Families inserted at epoch 0 while u1 signs out everywhere: every one that was written
    // is revoked, the rest were refused; none is left live.
    let inserts = (0..24u32).map(|i| {
        let s = s.clone();
        tokio::spawn(
            async move { s.insert_family(&family(&format!("r{i}"), "p1", "c1", "u1", 100 + i as u8), 0).await },
        )
    });
    let inserts: Vec<_> = inserts.collect();
    // And codes redeemed meanwhile (a redemption and a sign-out must not deadlock).
    for i in 0..8u8 {
        s.insert_authorization_code(&auth_code(200 + i, &format!("c{i}"), 1000)).await.unwrap();
    }
    let redemptions: Vec<_> = (0..8u8)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.redeem_authorization_code(&[200 + i; 32], 10, &oauth_family(&format!("c{i}"), 200 + i), 0).await
            })
        })
        .collect();
    tokio::task::yield_now().await;
    s.revoke_user_families("u1", 500).await.unwrap();
    for (i, redemption) in redemptions.into_iter().enumerate() {
        let redeemed = redemption.await.unwrap();
        let family = s.get_family(&format!("c{i}")).await.unwrap();
        match redeemed {
            Ok(true) => assert_eq!(family.unwrap().revoked_at, Some(500), "c{i} redeemed, so revoked"),
            Ok(false) | Err(StoreError::Stale(_)) => assert!(family.is_none(), "c{i} refused, nothing written"),
            Err(e) => panic!("c{i}: {e:?}"),
        }
    }
    for (i, insert) in inserts.into_iter().enumerate() {
        let written = insert.await.unwrap();
        let stored = s.get_family(&format!("r{i}")).await.unwrap();
        match written {
            Ok(()) => assert_eq!(stored.unwrap().revoked_at, Some(500), "r{i} was written, so it was revoked"),
            Err(e) => {
                assert!(matches!(e, StoreError::Stale(_)), "{e:?}");
                assert!(stored.is_none(), "r{i} was refused, so nothing was written");
            }
        }
    }
});

// ---------------------------------------------------------------------------------------------
// Resource servers
// ---------------------------------------------------------------------------------------------

conformance!(resource_servers_crud, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(s.get_resource_server("p1", "api").await.unwrap().is_none());
    let api = resource_server("p1", "api");
    let url = resource_server("p1", "https://api.example.com/v1");
    s.insert_resource_server(&api).await.unwrap();
    s.insert_resource_server(&url).await.unwrap();
    assert!(is_conflict(&s.insert_resource_server(&api).await), "identifier is unique in a pool");
    let mut renamed = api.clone();
    renamed.name = "another".into();
    assert!(is_conflict(&s.insert_resource_server(&renamed).await));
    assert_eq!(s.get_resource_server("p1", "api").await.unwrap().unwrap(), api, "the refused insert changed nothing");
    let elsewhere = resource_server("p2", "api");
    s.insert_resource_server(&elsewhere).await.expect("the same identifier in another pool is fine");

    assert_eq!(s.get_resource_server("p1", "https://api.example.com/v1").await.unwrap().unwrap(), url);
    assert!(s.get_resource_server("p1", "API").await.unwrap().is_none(), "identifiers are exact");
    assert!(s.get_resource_server("p3", "api").await.unwrap().is_none());

    let mut changed = api.clone();
    changed.name = "Renamed ✓".into();
    changed.scopes = vec![ResourceServerScope { name: "admin".into(), description: "everything".into() }];
    assert!(s.update_resource_server(&changed).await.unwrap());
    assert_eq!(s.get_resource_server("p1", "api").await.unwrap().unwrap(), changed);
    assert_eq!(s.get_resource_server("p2", "api").await.unwrap().unwrap(), elsewhere, "one pool only");
    changed.scopes.clear();
    assert!(s.update_resource_server(&changed).await.unwrap());
    assert!(s.get_resource_server("p1", "api").await.unwrap().unwrap().scopes.is_empty(), "no scopes at all");
    assert!(!s.update_resource_server(&resource_server("p1", "nope")).await.unwrap(), "no such server");
    assert!(s.get_resource_server("p1", "nope").await.unwrap().is_none(), "update does not insert");

    assert!(s.delete_resource_server("p1", "api").await.unwrap());
    assert!(!s.delete_resource_server("p1", "api").await.unwrap());
    assert!(!s.delete_resource_server("p1", "nope").await.unwrap());
    assert!(s.get_resource_server("p1", "api").await.unwrap().is_none());
    assert!(s.get_resource_server("p2", "api").await.unwrap().is_some(), "scoped by pool");
    s.insert_resource_server(&api).await.expect("the identifier is free again");
});

conformance!(resource_servers_list_is_per_pool_ordered_and_paginated, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    let identifiers = ["orders", "api", "https://b.example", "files", "https://a.example/x", "zeta", "Beta"];
    for id in identifiers {
        s.insert_resource_server(&resource_server("p1", id)).await.unwrap();
    }
    s.insert_resource_server(&resource_server("p2", "other")).await.unwrap();
    assert!(server_ids(&s, "p3", None, 10).await.is_empty());
    assert_eq!(server_ids(&s, "p2", None, 10).await, ["other"], "per pool");

    let all = server_ids(&s, "p1", None, 100).await;
    assert_eq!(all.len(), identifiers.len());
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), identifiers.len(), "no duplicates");
    let lower: Vec<&String> = all.iter().filter(|i| i.chars().all(|c| !c.is_ascii_uppercase())).collect();
    assert_eq!(lower, ["api", "files", "https://a.example/x", "https://b.example", "orders", "zeta"], "ordered");
    assert_eq!(s.list_resource_servers("p1", Some("files"), 1).await.unwrap().len(), 1, "full records");
    assert_eq!(
        s.list_resource_servers("p1", Some("orders"), 1).await.unwrap()[0],
        resource_server("p1", &all[all.iter().position(|i| i == "orders").unwrap() + 1])
    );
    assert!(server_ids(&s, "p1", None, 0).await.is_empty(), "limit 0");

    // Walking pages with `after` = the last identifier visits each once, in the same order.
    for limit in 1..=3u32 {
        let mut walked = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = server_ids(&s, "p1", after.as_deref(), limit).await;
            assert!(page.len() <= limit as usize);
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            walked.extend(page);
        }
        assert_eq!(walked, all, "limit {limit}");
    }
});

conformance!(deleting_a_pool_removes_its_resource_servers, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_resource_server(&resource_server("p1", "api")).await.unwrap();
    s.insert_resource_server(&resource_server("p1", "files")).await.unwrap();
    s.insert_resource_server(&resource_server("p2", "api")).await.unwrap();
    assert!(s.delete_pool("p1").await.unwrap());
    assert!(s.get_resource_server("p1", "api").await.unwrap().is_none());
    assert!(s.list_resource_servers("p1", None, 10).await.unwrap().is_empty());
    assert_eq!(server_ids(&s, "p2", None, 10).await, ["api"], "another pool's stay");
    s.insert_pool(&pool("p1")).await.unwrap();
    assert!(s.list_resource_servers("p1", None, 10).await.unwrap().is_empty(), "no leftovers for a new pool");
    s.insert_resource_server(&resource_server("p1", "api")).await.expect("identifier free again");
});

// ---------------------------------------------------------------------------------------------
// A refused claim leaves no transaction open on the pooled connection
// ---------------------------------------------------------------------------------------------

conformance!(refused_claims_leave_no_open_transaction, |s| {
    seed(&s).await;
    s.insert_family(&oauth_family("fr", 200), 0).await.unwrap();
    // A redemption or rotation that loses ends its transaction before returning, so a later
    // write on the same pooled connection is committed and visible at once.
    for i in 0..24u8 {
        assert!(!s.rotate_refresh_token("fr", &[250; 32], &[251; 32], 10).await.unwrap(), "a stale hash");
        assert!(!s.redeem_authorization_code(&[240; 32], 10, &oauth_family("none", 241), 0).await.unwrap());
        let code = auth_code(i, &format!("fam-{i}"), 1_000);
        s.insert_authorization_code(&code).await.unwrap();
        assert!(s.get_authorization_code(&[i; 32]).await.unwrap().is_some(), "round {i}: the code is visible");
    }
});
