//! `rotate_refresh_token_by_hash`: a refresh's checks, rotation and read in one call (one
//! statement, batched, on PostgreSQL). Whatever check fails, nothing changes.

use super::*;

fn live(id: &str, user_id: &str, hash: u8) -> RefreshFamily {
    let mut f = family(id, "p1", "c1", user_id, hash);
    f.scope = Some("openid email".into());
    f.amr = "pwd otp".into();
    f
}

fn group(name: &str) -> Group {
    Group {
        pool_id: "p1".into(),
        name: name.into(),
        description: Some("Ops – ✓".into()),
        precedence: Some(3),
        role_arn: None,
        created_at: 5,
        updated_at: 6,
    }
}

/// The family still holds `hash` and nothing was retired from it.
async fn untouched(s: &SqlStore, id: &str, hash: u8) {
    assert_eq!(s.get_family(id).await.unwrap().unwrap().token_hash, vec![hash; 32], "{id} kept its token");
    assert!(s.get_retired_refresh_token(&[hash; 32]).await.unwrap().is_none(), "{id}: nothing retired");
}

conformance!(checked_rotation_rotates_and_reads_in_one_call, |s| {
    seed(&s).await;
    s.insert_group(&group("ops")).await.unwrap();
    assert!(s.add_user_to_group("p1", "ops", "u1").await.unwrap());
    s.insert_family(&live("f1", "u1", 1), 0).await.unwrap();

    let (f, u, groups) = s.rotate_refresh_token_by_hash(&[1; 32], &[2; 32], "c1", 100).await.unwrap().unwrap();
    let mut expected = live("f1", "u1", 2);
    expected.token_hash = vec![2; 32];
    assert_eq!(f, expected, "the family as rotated");
    assert_eq!(u.id, "u1");
    assert_eq!(groups, vec![group("ops")]);
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().token_hash, vec![2; 32]);
    assert_eq!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().as_deref(), Some("f1"), "the old one retired");
    // The old token again: it is no family's current one.
    assert!(s.rotate_refresh_token_by_hash(&[1; 32], &[3; 32], "c1", 101).await.unwrap().is_none());
    untouched(&s, "f1", 2).await;
    // A user without groups, and no such token at all.
    s.insert_family(&live("f2", "u2", 20), 0).await.unwrap();
    let (_, u, groups) = s.rotate_refresh_token_by_hash(&[20; 32], &[21; 32], "c1", 101).await.unwrap().unwrap();
    assert_eq!((u.id.as_str(), groups.len()), ("u2", 0));
    assert!(s.rotate_refresh_token_by_hash(&[77; 32], &[78; 32], "c1", 101).await.unwrap().is_none());
});

conformance!(checked_rotation_refuses_without_changing_anything, |s| {
    seed(&s).await;
    s.insert_client(&client("c2", "p1")).await.unwrap();
    s.insert_family(&live("f1", "u1", 1), 0).await.unwrap();
    // Another client's token.
    assert!(s.rotate_refresh_token_by_hash(&[1; 32], &[2; 32], "c2", 100).await.unwrap().is_none());
    untouched(&s, "f1", 1).await;
    // Expired at `at` (expires_at is 1,000,000).
    assert!(s.rotate_refresh_token_by_hash(&[1; 32], &[2; 32], "c1", 1_000_000).await.unwrap().is_none());
    untouched(&s, "f1", 1).await;
    // Its user disabled.
    let mut u1 = s.get_user("p1", "u1").await.unwrap().unwrap();
    u1.enabled = false;
    s.update_user(&mut u1).await.unwrap();
    assert!(s.rotate_refresh_token_by_hash(&[1; 32], &[2; 32], "c1", 100).await.unwrap().is_none());
    untouched(&s, "f1", 1).await;
    // Revoked.
    s.insert_family(&live("f2", "u2", 10), 0).await.unwrap();
    assert!(s.revoke_family("f2", 50).await.unwrap());
    assert!(s.rotate_refresh_token_by_hash(&[10; 32], &[11; 32], "c1", 100).await.unwrap().is_none());
    untouched(&s, "f2", 10).await;
});

conformance!(concurrent_checked_rotations_each_get_their_own_family, |s| {
    // Arriving together, they are written together; each caller gets its own family, a token
    // presented many times at once wins once, and refused entries spoil nobody else's.
    seed(&s).await;
    for i in 0..30u8 {
        s.insert_family(&live(&format!("m{i}"), if i % 2 == 0 { "u1" } else { "u2" }, 100 + i), 0).await.unwrap();
    }
    let mut handles = Vec::new();
    for round in 0..3u8 {
        for i in 0..30u8 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                let mut new = [7u8; 32];
                (new[0], new[1]) = (i, round);
                // Every third family is asked for by another client: refused each time.
                let client = if i % 3 == 0 { "c9" } else { "c1" };
                (i, round, new, s.rotate_refresh_token_by_hash(&[100 + i; 32], &new, client, 500).await.unwrap())
            }));
        }
    }
    let mut wins = BTreeMap::<u8, Vec<[u8; 32]>>::new();
    for h in handles {
        let (i, _round, new, found) = h.await.unwrap();
        if let Some((f, u, _)) = found {
            assert_eq!(f.id, format!("m{i}"), "its own family");
            assert_eq!(f.token_hash, new.to_vec());
            assert_eq!(u.id, if i % 2 == 0 { "u1" } else { "u2" });
            wins.entry(i).or_default().push(new);
        }
    }
    for i in 0..30u8 {
        let id = format!("m{i}");
        if i % 3 == 0 {
            assert!(!wins.contains_key(&i), "{id}: another client's rotation never wins");
            untouched(&s, &id, 100 + i).await;
        } else {
            let won = &wins[&i];
            assert_eq!(won.len(), 1, "{id} rotates once");
            assert_eq!(s.get_family(&id).await.unwrap().unwrap().token_hash, won[0].to_vec());
            assert_eq!(s.get_retired_refresh_token(&[100 + i; 32]).await.unwrap().as_deref(), Some(id.as_str()));
        }
    }
});
