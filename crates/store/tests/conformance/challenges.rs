//! Challenges.

use super::*;

conformance!(challenges_insert_get_fail_consume, |s| {
    seed(&s).await;
    assert!(s.get_challenge(&[7; 32]).await.unwrap().is_none());
    let mut kinds = Vec::new();
    for (i, kind) in [ChallengeKind::NewPasswordRequired, ChallengeKind::SoftwareTokenMfa, ChallengeKind::MfaSetup]
        .into_iter()
        .enumerate()
    {
        let mut ch = challenge(10 + i as u8, "p1", "c1", "u1");
        ch.kind = kind;
        ch.failures = i as u32;
        ch.auth_time = 1_700_000_000 + i as i64;
        s.insert_challenge(&ch, 0).await.unwrap();
        kinds.push(ch);
    }
    for ch in &kinds {
        assert_eq!(&s.get_challenge(&ch.id_hash).await.unwrap().unwrap(), ch);
    }
    let mut ch = challenge(7, "p1", "c1", "u2");
    ch.id_hash = all_bytes();
    s.insert_challenge(&ch, 0).await.unwrap();
    assert!(is_conflict(&s.insert_challenge(&ch, 0).await), "id hash is unique");
    assert_eq!(s.get_challenge(&all_bytes()).await.unwrap().unwrap(), ch);

    assert_eq!(s.record_challenge_failure(&all_bytes()).await.unwrap(), 1);
    assert_eq!(s.record_challenge_failure(&all_bytes()).await.unwrap(), 2);
    assert_eq!(s.record_challenge_failure(&kinds[2].id_hash).await.unwrap(), 3, "counts from the stored value");
    assert_eq!(s.get_challenge(&all_bytes()).await.unwrap().unwrap().failures, 2);
    assert_eq!(s.get_challenge(&kinds[0].id_hash).await.unwrap().unwrap().failures, 0, "one challenge only");

    assert!(s.consume_challenge(&all_bytes()).await.unwrap());
    assert!(!s.consume_challenge(&all_bytes()).await.unwrap(), "single use");
    assert!(s.get_challenge(&all_bytes()).await.unwrap().is_none());
    assert!(!s.consume_challenge(&[99; 32]).await.unwrap(), "unknown");
    assert!(s.get_challenge(&kinds[1].id_hash).await.unwrap().is_some(), "others stay");
});

conformance!(concurrent_consumers_of_a_challenge_win_once, |s| {
    seed(&s).await;
    for round in 0..3u8 {
        let hash = vec![round + 1; 32];
        s.insert_challenge(&challenge(round + 1, "p1", "c1", "u1"), 0).await.unwrap();
        let mut handles = Vec::new();
        for _ in 0..16 {
            let (s, hash) = (s.clone(), hash.clone());
            handles.push(tokio::spawn(async move { s.consume_challenge(&hash).await.unwrap() }));
        }
        let mut won = 0;
        for h in handles {
            won += usize::from(h.await.unwrap());
        }
        assert_eq!(won, 1, "round {round}: exactly one consumer wins");
        assert!(s.get_challenge(&hash).await.unwrap().is_none());
    }
});

conformance!(concurrent_challenge_failures_all_count, |s| {
    seed(&s).await;
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..12 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.record_challenge_failure(&[1; 32]).await.unwrap() }));
    }
    let mut seen = Vec::new();
    for h in handles {
        seen.push(h.await.unwrap());
    }
    seen.sort();
    assert_eq!(seen, (1..=12).collect::<Vec<u32>>(), "each failure sees its own new count");
    assert_eq!(s.get_challenge(&[1; 32]).await.unwrap().unwrap().failures, 12);
});
