//! One-time codes.

use super::*;

conformance!(codes_put_replaces_the_earlier_code, |s| {
    seed(&s).await;
    let alice = user("u1", "p1", "Alice");
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 2, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 1, 10, &alice).await, CodeOutcome::Mismatch, "replaced");
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 2, 10, &alice).await, CodeOutcome::Redeemed);

    // Replacing also resets the attempts and the expiry.
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 3, 20)).await.unwrap();
    for _ in 0..2 {
        assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 9, 10, &alice).await, CodeOutcome::Mismatch);
    }
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 4, 100)).await.unwrap();
    for _ in 0..2 {
        assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 9, 50, &alice).await, CodeOutcome::Mismatch);
    }
    assert_eq!(
        redeem(&s, "u1", CodePurpose::ForgotPassword, 4, 50, &alice).await,
        CodeOutcome::Redeemed,
        "fresh attempts, later expiry"
    );

    // Stored attempts count towards the limit.
    let mut worn = code("u1", CodePurpose::ForgotPassword, 5, 100);
    worn.attempts = 2;
    s.put_code(&worn).await.unwrap();
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 9, 10, &alice).await, CodeOutcome::Mismatch);
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 5, 10, &alice).await, CodeOutcome::Expired, "used up");

    // One code per user and purpose.
    s.put_code(&code("u1", CodePurpose::SignUp, 6, 100)).await.unwrap();
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 7, 100)).await.unwrap();
    s.put_code(&code("u2", CodePurpose::SignUp, 8, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 7, 10, &alice).await, CodeOutcome::Mismatch, "per purpose");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 8, 10, &alice).await, CodeOutcome::Mismatch, "per user");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 6, 10, &alice).await, CodeOutcome::Redeemed);
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 7, 10, &alice).await, CodeOutcome::Redeemed);
    assert_eq!(redeem(&s, "u2", CodePurpose::SignUp, 8, 10, &user("u2", "p1", "Bob")).await, CodeOutcome::Redeemed);
});

conformance!(codes_redeem_outcomes, |s| {
    seed(&s).await;
    let original = user("u1", "p1", "Alice");
    let mut then = original.clone();
    then.password_hash = Some("$argon2id$new".into());
    then.status = UserStatus::Confirmed;
    then.attributes.insert("email_verified".into(), "true".into());
    then.updated_at = 10;
    let fp = CodePurpose::ForgotPassword;

    // None sent.
    assert_eq!(redeem(&s, "u1", fp, 1, 10, &then).await, CodeOutcome::Expired);
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), original, "nothing written");

    // A wrong guess writes nothing.
    s.put_code(&code("u1", fp, 1, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 2, 10, &then).await, CodeOutcome::Mismatch);
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), original, "nothing written on a mismatch");

    // The right code writes `then` and is gone.
    assert_eq!(redeem(&s, "u1", fp, 1, 10, &then).await, CodeOutcome::Redeemed);
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then, "then written");
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), user("u2", "p1", "Bob"), "one user only");
    assert_eq!(redeem(&s, "u1", fp, 1, 11, &original).await, CodeOutcome::Expired, "a code redeems once");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then);

    // Too many wrong guesses drop the code: the max_attempts-th one is the last.
    s.put_code(&code("u1", fp, 3, 100)).await.unwrap();
    for i in 0..3 {
        assert_eq!(redeem(&s, "u1", fp, 9, 20, &original).await, CodeOutcome::Mismatch, "guess {i}");
    }
    assert_eq!(redeem(&s, "u1", fp, 3, 20, &original).await, CodeOutcome::Expired, "dropped after max_attempts");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then);

    // A stale code is expired, right or wrong, at and after its expiry.
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 4, 100, &original).await, CodeOutcome::Expired, "at expires_at");
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 4, 5_000, &original).await, CodeOutcome::Expired, "after expires_at");
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 8, 100, &original).await, CodeOutcome::Expired, "a wrong guess at a stale code");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then, "nothing written for stale codes");
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 4, 99, &original).await, CodeOutcome::Redeemed, "live just before");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), original);
});

conformance!(code_redemption_and_user_write_are_one_transaction, |s| {
    seed(&s).await;
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    // A `then` whose write fails (username taken by Bob): the redemption must not happen.
    let mut bad = user("u1", "p1", "Alice");
    bad.username = "bob".into();
    let outcome = s
        .redeem_code(&CodeRedemption {
            purpose: CodePurpose::ForgotPassword,
            code_hash: vec![1; 32],
            now: 10,
            max_attempts: 3,
            then: bad.clone(),
            ends_sessions: false,
        })
        .await;
    assert!(is_conflict(&outcome), "the failed user write surfaces: {outcome:?}");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), user("u1", "p1", "Alice"));
    let mut good = user("u1", "p1", "Alice");
    good.password_hash = Some("$argon2id$new".into());
    assert_eq!(
        redeem(&s, "u1", CodePurpose::ForgotPassword, 1, 10, &good).await,
        CodeOutcome::Redeemed,
        "the code survived the rolled-back redemption"
    );
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), good);
});

conformance!(concurrent_redemptions_of_one_code_win_once, |s| {
    seed(&s).await;
    let base = user("u1", "p1", "Alice");
    for round in 0..3u8 {
        s.put_code(&code("u1", CodePurpose::ForgotPassword, round + 1, 100)).await.unwrap();
        let version = current_version(&s, &base).await;
        let mut handles = Vec::new();
        for i in 0..12 {
            let s = s.clone();
            let mut then = User { version, ..base.clone() };
            then.password_hash = Some(format!("winner-{i}"));
            handles.push(tokio::spawn(async move {
                let outcome = s
                    .redeem_code(&CodeRedemption {
                        purpose: CodePurpose::ForgotPassword,
                        code_hash: vec![round + 1; 32],
                        now: 10,
                        max_attempts: 3,
                        then: then.clone(),
                        ends_sessions: false,
                    })
                    .await
                    .unwrap();
                (i, outcome)
            }));
        }
        let mut winners = Vec::new();
        for h in handles {
            let (i, outcome) = h.await.unwrap();
            match outcome {
                CodeOutcome::Redeemed => winners.push(i),
                CodeOutcome::Expired => {}
                CodeOutcome::Mismatch => panic!("round {round}: the right code is never a mismatch"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one redemption wins, got {winners:?}");
        assert_eq!(
            s.get_user("p1", "u1").await.unwrap().unwrap().password_hash,
            Some(format!("winner-{}", winners[0])),
            "the winner's write is the one stored"
        );
    }
});

conformance!(concurrent_wrong_guesses_are_capped_at_max_attempts, |s| {
    seed(&s).await;
    let alice = user("u1", "p1", "Alice");
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..12u8 {
        let (s, alice) = (s.clone(), alice.clone());
        handles.push(tokio::spawn(async move {
            s.redeem_code(&CodeRedemption {
                purpose: CodePurpose::SignUp,
                code_hash: vec![100 + i; 32],
                now: 10,
                max_attempts: 3,
                then: alice.clone(),
                ends_sessions: false,
            })
            .await
            .unwrap()
        }));
    }
    let mut mismatches = 0;
    for h in handles {
        match h.await.unwrap() {
            CodeOutcome::Mismatch => mismatches += 1,
            CodeOutcome::Expired => {}
            CodeOutcome::Redeemed => panic!("a wrong code redeemed"),
        }
    }
    assert_eq!(mismatches, 3, "only max_attempts guesses are ever checked against the code");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 1, 10, &alice).await, CodeOutcome::Expired);
});
