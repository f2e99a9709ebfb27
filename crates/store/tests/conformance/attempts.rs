//! Failure counters, changes that run whole when their caller gives up, and the sweep.

use super::*;

conformance!(sign_in_writes_and_revocations_run_whole_when_their_caller_gives_up, |s| {
    seed(&s).await;
    for i in 0..20u8 {
        let f = family(&format!("ab{i}"), "p1", "c1", "u1", i);
        let _ = tokio::time::timeout(std::time::Duration::ZERO, s.insert_family(&f, 0)).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for i in 0..20u8 {
        while s.get_family(&format!("ab{i}")).await.unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline, "an abandoned insert never completed");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let _ = tokio::time::timeout(std::time::Duration::ZERO, s.revoke_user_families("u1", 70)).await;
    for i in 0..20u8 {
        while s.get_family(&format!("ab{i}")).await.unwrap().unwrap().revoked_at.is_none() {
            assert!(std::time::Instant::now() < deadline, "an abandoned revocation never completed");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    // Every connection of the pool still commits (none was left inside a transaction).
    for i in 0..24u8 {
        s.insert_family(&family(&format!("after{i}"), "p1", "c1", "u2", 100 + i), 0).await.unwrap();
    }
    for i in 0..24u8 {
        assert!(s.get_family(&format!("after{i}")).await.unwrap().is_some());
    }
});

conformance!(a_change_runs_whole_when_its_caller_gives_up, |s| {
    // Callers dropped at their first await, as a request is when its client hangs up. Each change
    // still commits whole, and on PostgreSQL no connection goes back to the pool inside a
    // transaction nobody ends (sqlx #4393): the counts below read through the whole pool.
    for i in 0..40 {
        let attempt = format!("call-{i}");
        let call = s.record_failure("user:gone", &attempt, 100, 0);
        let _ = tokio::time::timeout(std::time::Duration::ZERO, call).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while s.count_failures("user:gone", 0).await.unwrap() < 40 {
        assert!(std::time::Instant::now() < deadline, "abandoned changes never completed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let calls = (0..24).map(|i| {
        let s = s.clone();
        tokio::spawn(async move { s.record_failure("user:after", &format!("call-{i}"), 100, 0).await.unwrap() })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap();
    }
    for _ in 0..24 {
        assert_eq!(s.count_failures("user:after", 0).await.unwrap(), 24, "every write committed and visible");
    }
});

conformance!(attempts_are_reserved_before_they_are_checked, |s| {
    let limits = [("src:a", 3), ("user:a", 2)];
    assert_eq!(s.reserve_attempt(&limits, "call-1", 100, 0).await.unwrap(), None);
    assert_eq!(s.count_failures("src:a", 0).await.unwrap(), 1);
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 1);
    assert_eq!(s.reserve_attempt(&limits, "call-2", 100, 0).await.unwrap(), None);
    assert_eq!(s.reserve_attempt(&limits, "call-3", 100, 0).await.unwrap(), Some(1), "the user is at its limit");
    assert_eq!(s.count_failures("src:a", 0).await.unwrap(), 2, "a refused attempt counts nowhere");
    s.release_attempt("src:a", "call-2").await.unwrap();
    assert_eq!(s.count_failures("src:a", 0).await.unwrap(), 1, "released");
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 2, "only where released");
    assert_eq!(s.reserve_attempt(&[("src:a", 1), ("user:b", 9)], "call-4", 100, 0).await.unwrap(), Some(0));
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 0);
    assert_eq!(s.reserve_attempt(&limits, "call-5", 200, 100).await.unwrap(), None, "older attempts left the window");

    // A burst: every attempt in flight counts, so exactly the limit passes.
    let calls = (0..24).map(|i| {
        let s = s.clone();
        tokio::spawn(async move {
            s.reserve_attempt(&[("src:burst", 100), ("user:burst", 5)], &format!("call-{i}"), 100, 0).await.unwrap()
        })
    });
    let mut passed = 0;
    for call in calls.collect::<Vec<_>>() {
        passed += u32::from(call.await.unwrap().is_none());
    }
    assert_eq!(passed, 5);
    assert_eq!(s.count_failures("user:burst", 0).await.unwrap(), 5);
    assert_eq!(s.count_failures("src:burst", 0).await.unwrap(), 5);
});

conformance!(concurrent_failures_count_each_other, |s| {
    let calls = (0..16).map(|i| {
        let s = s.clone();
        tokio::spawn(async move { s.record_failure("code:x", &format!("call-{i}"), 100, 0).await.unwrap() })
    });
    let mut counts = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        counts.push(call.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=16).collect::<Vec<u32>>(), "each saw those committed before it, and no two the same");
});

conformance!(the_sweep_deletes_what_expired_and_keeps_the_rest, |s| {
    seed(&s).await;
    let mut old = family("f-old", "p1", "c1", "u1", 1);
    old.expires_at = 100;
    let mut live = family("f-live", "p1", "c1", "u1", 2);
    live.expires_at = 1_000;
    for f in [&old, &live] {
        s.insert_family(f, 0).await.unwrap();
    }
    assert!(s.rotate_refresh_token("f-old", &[1; 32], &[9; 32], 50).await.unwrap());
    assert_eq!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().as_deref(), Some("f-old"));
    let mut ch_old = challenge(1, "p1", "c1", "u1");
    ch_old.expires_at = 100;
    let mut ch_live = challenge(2, "p1", "c1", "u1");
    ch_live.expires_at = 1_000;
    s.insert_challenge(&ch_old, 0).await.unwrap();
    s.insert_challenge(&ch_live, 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    s.put_code(&code("u2", CodePurpose::SignUp, 2, 1_000)).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.get_or_create_identity(&identity("i1", "ip1", "p1:u1")).await.unwrap();
    let mut cr_old = credentials("ASIAOLD", "i1");
    cr_old.expires_at = 100;
    s.insert_credentials(&cr_old).await.unwrap();
    s.insert_credentials(&credentials("ASIALIVE", "i1")).await.unwrap();
    assert!(s.record_client_assertion("c1", &[1; 32], 100, 0).await.unwrap());
    assert!(s.record_client_assertion("c1", &[2; 32], 1_000, 0).await.unwrap());
    s.record_failure("user:x", "a", 100, 0).await.unwrap();
    s.record_failure("user:x", "b", 900, 0).await.unwrap();
    s.remember_sign_in("seen:old", 100).await.unwrap();
    s.remember_sign_in("seen:live", 900).await.unwrap();

    let before =
        SweepBefore { families: 500, authorization_codes: 500, short_lived: 500, failures: 500, sign_in_sources: 500 };
    let swept = s.sweep(&before).await.unwrap();
    assert_eq!(swept, 7, "a family, a challenge, a code, credentials, an assertion, a failure, a sign-in address");
    assert!(s.get_family("f-old").await.unwrap().is_none());
    assert!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().is_none(), "retired tokens go with their family");
    assert!(s.get_family("f-live").await.unwrap().is_some());
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none());
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some());
    assert!(s.get_credentials("ASIAOLD").await.unwrap().is_none());
    assert!(s.get_credentials("ASIALIVE").await.unwrap().is_some());
    assert!(s.record_client_assertion("c1", &[1; 32], 1_000, 0).await.unwrap(), "a swept jti is forgotten");
    assert!(!s.record_client_assertion("c1", &[2; 32], 1_000, 0).await.unwrap(), "a live one is not");
    assert_eq!(s.count_failures("user:x", 0).await.unwrap(), 1);
    assert!(!s.signed_in_since("seen:old", 0).await.unwrap());
    assert!(s.signed_in_since("seen:live", 0).await.unwrap());
    assert_eq!(s.sweep(&before).await.unwrap(), 0, "nothing more");
});

conformance!(the_sweep_deletes_a_backlog_batch_by_batch, |s| {
    // More than two batches of expired rows, and some live ones among them.
    for i in 0..1_203 {
        s.record_failure("user:old", &format!("a{i}"), 100, 0).await.unwrap();
        if i % 100 == 0 {
            s.record_failure("user:live", &format!("b{i}"), 900, 0).await.unwrap();
        }
    }
    let before =
        SweepBefore { families: 500, authorization_codes: 500, short_lived: 500, failures: 500, sign_in_sources: 500 };
    assert_eq!(s.sweep(&before).await.unwrap(), 1_203, "every expired row, across the batches");
    assert_eq!(s.count_failures("user:old", 0).await.unwrap(), 0);
    assert_eq!(s.count_failures("user:live", 0).await.unwrap(), 13, "the live ones kept");
    assert_eq!(s.sweep(&before).await.unwrap(), 0);
});

conformance!(failure_counters, |s| {
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 0);
    assert_eq!(s.record_failure("user:a", "call-1", 100, 0).await.unwrap(), 1);
    assert_eq!(s.record_failure("user:a", "call-1", 101, 0).await.unwrap(), 1, "a retry counts once");
    assert_eq!(s.record_failure("user:a", "call-2", 102, 0).await.unwrap(), 2);
    assert_eq!(s.record_failure("user:a", "call-3", 103, 0).await.unwrap(), 3);
    assert_eq!(s.record_failure("user:b", "call-1", 102, 0).await.unwrap(), 1, "per key");
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 3);
    assert_eq!(s.count_failures("user:a", 99).await.unwrap(), 3);
    assert_eq!(s.count_failures("user:a", 100).await.unwrap(), 2, "only after the window start");
    assert_eq!(s.count_failures("user:a", 103).await.unwrap(), 0);

    // Recording with a later window counts only attempts inside it and drops the older rows.
    assert_eq!(s.record_failure("user:a", "call-4", 500, 101).await.unwrap(), 3, "call-2, call-3, call-4");
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 3, "call-1 was dropped");
    assert_eq!(s.record_failure("user:a", "call-5", 900, 600).await.unwrap(), 1);
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 1, "everything before the window dropped");
    assert_eq!(s.record_failure("user:a", "call-1", 901, 600).await.unwrap(), 2, "a dropped attempt id counts anew");
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 1, "another key keeps its rows");

    s.clear_failures("user:a").await.unwrap();
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 0);
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 1, "clear is per key");
    s.clear_failures("user:a").await.unwrap();
    s.clear_failures("nobody").await.unwrap();
    assert_eq!(s.record_failure("user:a", "call-1", 1000, 0).await.unwrap(), 1, "attempt ids reusable after clear");
});

conformance!(remembered_sign_ins, |s| {
    assert!(!s.signed_in_since("seen:a", 0).await.unwrap(), "nothing remembered yet");
    s.remember_sign_in("seen:a", 100).await.unwrap();
    assert!(s.signed_in_since("seen:a", 100).await.unwrap());
    assert!(!s.signed_in_since("seen:a", 101).await.unwrap(), "too long ago");
    assert!(!s.signed_in_since("seen:b", 0).await.unwrap(), "per key");
    s.remember_sign_in("seen:a", 200).await.unwrap();
    assert!(s.signed_in_since("seen:a", 150).await.unwrap(), "a later sign-in replaces the earlier one");
});

conformance!(concurrent_failures_are_all_counted, |s| {
    let mut handles = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        handles
            .push(tokio::spawn(async move { s.record_failure("ip:1", &format!("a{i}"), 100 + i, 0).await.unwrap() }));
    }
    for h in handles {
        let n = h.await.unwrap();
        assert!((1..=20).contains(&n), "count {n}");
    }
    assert_eq!(s.count_failures("ip:1", 0).await.unwrap(), 20);

    // Concurrent retries of one call count once.
    let mut handles = Vec::new();
    for _ in 0..10 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.record_failure("ip:1", "retried", 200, 0).await.unwrap() }));
    }
    for h in handles {
        let n = h.await.unwrap();
        assert!((1..=21).contains(&n), "count {n}");
    }
    assert_eq!(s.count_failures("ip:1", 0).await.unwrap(), 21);
});
