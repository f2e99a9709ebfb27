//! Users.

use super::*;

conformance!(users_insert_and_get, |s| {
    seed(&s).await;
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), user("u1", "p1", "Alice"));
    assert!(is_conflict(&s.insert_user(&user("u9", "p1", "ALICE")).await), "usernames are case-insensitive");
    assert!(is_conflict(&s.insert_user(&user("u9", "p1", "alice")).await));
    assert!(is_conflict(&s.insert_user(&user("u9", "p1", "Alice")).await));
    assert!(s.get_user("p1", "u9").await.unwrap().is_none(), "the refused insert left nothing");

    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_user(&user("u3", "p2", "ALICE")).await.expect("the same username in another pool is fine");

    // Lookups take the normalised key.
    let key = User::normalise_username("ALICE");
    assert_eq!(s.get_user_by_username("p1", &key).await.unwrap().unwrap(), user("u1", "p1", "Alice"));
    assert_eq!(s.get_user_by_username("p2", &key).await.unwrap().unwrap().id, "u3");
    assert_eq!(s.get_user_by_username("p1", "bob").await.unwrap().unwrap().id, "u2");
    assert!(s.get_user_by_username("p1", "carol").await.unwrap().is_none());
    assert!(s.get_user_by_username("p3", "alice").await.unwrap().is_none());

    // Ids are scoped by pool.
    assert!(s.get_user("p2", "u1").await.unwrap().is_none());
    assert!(s.get_user("p1", "u3").await.unwrap().is_none());
    assert_eq!(s.get_user("p2", "u3").await.unwrap().unwrap().username, "ALICE", "the username keeps its case");

    // Non-ASCII usernames are unique by their lowercase form too.
    s.insert_user(&user("u4", "p1", "ÉLODIE")).await.unwrap();
    assert!(is_conflict(&s.insert_user(&user("u5", "p1", "élodie")).await));
    assert_eq!(s.get_user_by_username("p1", &User::normalise_username("Élodie")).await.unwrap().unwrap().id, "u4");
});

conformance!(users_find_by_attribute, |s| {
    seed(&s).await;
    let found = s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap();
    assert_eq!(found, vec![user("u2", "p1", "Bob")]);
    assert!(s.find_users_by_attribute("p1", "email", "nobody@example.com").await.unwrap().is_empty());
    assert!(s.find_users_by_attribute("p1", "email", "BOB@example.com").await.unwrap().is_empty(), "exact match");
    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(s.find_users_by_attribute("p2", "email", "bob@example.com").await.unwrap().is_empty(), "per pool");

    // Two users sharing an address are both found (callers treat that as ambiguous).
    let mut carol = user("u3", "p1", "carol");
    carol.attributes.insert("email".into(), "bob@example.com".into());
    s.insert_user(&carol).await.unwrap();
    let found: BTreeSet<_> = ids(s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap(), |u| &u.id)
        .into_iter()
        .collect();
    assert_eq!(found, BTreeSet::from(["u2".to_owned(), "u3".to_owned()]));

    // phone_number
    let mut dave = user("u4", "p1", "dave");
    dave.attributes.insert("phone_number".into(), "+447700900123".into());
    s.insert_user(&dave).await.unwrap();
    assert_eq!(ids(s.find_users_by_attribute("p1", "phone_number", "+447700900123").await.unwrap(), |u| &u.id), ["u4"]);
    assert!(s.find_users_by_attribute("p1", "phone_number", "+447700900124").await.unwrap().is_empty());

    // Updates keep the lookup current.
    dave.attributes.insert("email".into(), "dave@new.example".into());
    dave.attributes.remove("phone_number");
    s.update_user(&mut dave).await.unwrap();
    assert!(s.find_users_by_attribute("p1", "email", "dave@example.com").await.unwrap().is_empty(), "old email");
    assert_eq!(ids(s.find_users_by_attribute("p1", "email", "dave@new.example").await.unwrap(), |u| &u.id), ["u4"]);
    assert!(s.find_users_by_attribute("p1", "phone_number", "+447700900123").await.unwrap().is_empty(), "removed");
    carol.attributes.remove("email");
    s.update_user(&mut carol).await.unwrap();
    assert_eq!(ids(s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap(), |u| &u.id), ["u2"]);
});

conformance!(users_update, |s| {
    seed(&s).await;
    let mut bob = s.get_user("p1", "u2").await.unwrap().unwrap();
    bob.status = UserStatus::ForceChangePassword;
    bob.enabled = false;
    bob.password_hash = None;
    bob.temporary_password_expires_at = Some(99);
    bob.totp_secret_enc = Some(all_bytes());
    bob.totp_verified = true;
    bob.totp_enabled = true;
    bob.totp_last_step = 56_789_012;
    bob.attributes.insert("custom:tier".into(), "gold \"quoted\" ✓".into());
    bob.attributes.insert("email_verified".into(), "true".into());
    bob.updated_at = 5;
    s.update_user(&mut bob).await.unwrap();
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob, "every field round-trips");
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), user("u1", "p1", "Alice"), "one user only");

    for status in [UserStatus::Unconfirmed, UserStatus::ResetRequired, UserStatus::Confirmed] {
        bob.status = status;
        s.update_user(&mut bob).await.unwrap();
        assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap().status, status);
    }
    bob.totp_secret_enc = None;
    bob.temporary_password_expires_at = None;
    s.update_user(&mut bob).await.unwrap();
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob, "optional fields cleared");

    // Renaming moves the username key.
    bob.username = "Robert".into();
    s.update_user(&mut bob).await.unwrap();
    assert!(s.get_user_by_username("p1", "bob").await.unwrap().is_none());
    assert_eq!(s.get_user_by_username("p1", "robert").await.unwrap().unwrap(), bob);
    s.insert_user(&user("u3", "p1", "BOB")).await.expect("the old name is free again");

    // Renaming onto a taken name is a Conflict and changes nothing.
    let mut clash = bob.clone();
    clash.username = "alice".into();
    clash.enabled = true;
    assert!(is_conflict(&s.update_user(&mut clash).await));
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob);
});

conformance!(users_writes_are_version_checked, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u2", 1), 0).await.unwrap();
    let mut first = s.get_user("p1", "u2").await.unwrap().unwrap();
    let mut second = first.clone();
    first.totp_last_step = 10;
    s.update_user(&mut first).await.unwrap();
    assert_eq!(first.version, 1, "a write bumps the version");
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), first);

    // A copy read before that write loses, whichever way it writes, and changes nothing.
    second.totp_last_step = 10;
    second.password_hash = Some("$argon2id$racing".into());
    assert!(is_stale(&s.update_user(&mut second).await));
    assert!(is_stale(&s.update_user_revoking_families(&mut second, 70).await));
    assert_eq!(second.version, 0, "a refused write leaves the copy's version alone");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, None, "nothing revoked");
    s.put_code(&code("u2", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    assert!(is_stale(
        &s.redeem_code(&CodeRedemption {
            purpose: CodePurpose::ForgotPassword,
            code_hash: vec![1; 32],
            now: 10,
            max_attempts: 3,
            then: second.clone(),
            ends_sessions: false
        })
        .await
    ));
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), first, "the first write stands");
    assert_eq!(redeem(&s, "u2", CodePurpose::ForgotPassword, 1, 10, &first).await, CodeOutcome::Redeemed, "code kept");

    // Re-read, the change goes through.
    let mut fresh = s.get_user("p1", "u2").await.unwrap().unwrap();
    assert_eq!(fresh.version, 2);
    fresh.enabled = false;
    s.update_user_revoking_families(&mut fresh, 80).await.unwrap();
    assert_eq!(fresh.version, 3);
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(80));

    // A deleted user cannot be written back.
    assert!(s.delete_user("p1", "u2").await.unwrap());
    assert!(is_stale(&s.update_user(&mut fresh).await));
    assert!(s.get_user("p1", "u2").await.unwrap().is_none());
});

conformance!(users_list_is_ordered_by_normalised_username, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    for (id, name) in [("u1", "erin"), ("u2", "Bob"), ("u3", "alice"), ("u4", "Dave"), ("u5", "CAROL")] {
        s.insert_user(&user(id, "p1", name)).await.unwrap();
    }
    s.insert_user(&user("v1", "p2", "aaron")).await.unwrap();
    assert_eq!(
        usernames(&s, "p1", None, 10).await,
        ["alice", "Bob", "CAROL", "Dave", "erin"],
        "case-insensitive order"
    );
    assert_eq!(usernames(&s, "p1", None, 2).await, ["alice", "Bob"]);
    assert_eq!(usernames(&s, "p1", Some("bob"), 2).await, ["CAROL", "Dave"], "after is exclusive");
    assert_eq!(usernames(&s, "p1", Some("dave"), 2).await, ["erin"]);
    assert!(usernames(&s, "p1", Some("erin"), 2).await.is_empty());
    assert_eq!(usernames(&s, "p1", Some("b"), 1).await, ["Bob"], "after need not exist");
    assert!(usernames(&s, "p1", None, 0).await.is_empty());
    assert_eq!(usernames(&s, "p2", None, 10).await, ["aaron"], "per pool");
    assert_eq!(s.list_users("p1", Some("alice"), 1).await.unwrap(), vec![user("u2", "p1", "Bob")], "full records");

    // The cursor a caller keeps is the normalised username of the last user.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s.list_users("p1", after.as_deref(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = Some(User::normalise_username(&page.last().unwrap().username));
        walked.extend(page.into_iter().map(|u| u.id));
    }
    assert_eq!(walked, ["u3", "u2", "u5", "u4", "u1"]);
});

conformance!(deleting_a_user_removes_their_families_challenges_and_codes, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 2), 0).await.unwrap();
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    s.insert_challenge(&challenge(2, "p1", "c1", "u2"), 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    s.put_code(&code("u2", CodePurpose::SignUp, 1, 100)).await.unwrap();

    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(!s.delete_user("p2", "u1").await.unwrap(), "scoped by pool");
    assert!(s.get_user("p1", "u1").await.unwrap().is_some());

    assert!(s.delete_user("p1", "u1").await.unwrap());
    assert!(!s.delete_user("p1", "u1").await.unwrap());
    assert!(s.get_user("p1", "u1").await.unwrap().is_none());
    assert!(s.get_user_by_username("p1", "alice").await.unwrap().is_none());
    assert!(s.find_users_by_attribute("p1", "email", "alice@example.com").await.unwrap().is_empty());
    assert!(s.get_family("f1").await.unwrap().is_none(), "families go with the user");
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none(), "challenges go with the user");

    // Bob keeps everything.
    assert!(s.get_family("f2").await.unwrap().is_some());
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some());

    // A new user with the same id and name finds no leftover code.
    let alice = user("u1", "p1", "Alice");
    s.insert_user(&alice).await.expect("username free again");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 1, 10, &alice).await, CodeOutcome::Expired, "codes go too");
    assert_eq!(redeem(&s, "u2", CodePurpose::SignUp, 1, 10, &user("u2", "p1", "Bob")).await, CodeOutcome::Redeemed);
});

conformance!(update_user_revoking_families_is_one_transaction, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u1", 2), 0).await.unwrap();
    let mut old = family("f3", "p1", "c1", "u1", 3);
    old.revoked_at = Some(50);
    s.insert_family(&old, 0).await.unwrap();
    s.insert_family(&family("f4", "p1", "c1", "u2", 4), 0).await.unwrap();

    let mut alice = s.get_user("p1", "u1").await.unwrap().unwrap();
    alice.password_hash = Some("$argon2id$reset".into());
    alice.status = UserStatus::Confirmed;
    alice.updated_at = 400;
    s.update_user_revoking_families(&mut alice, 400).await.unwrap();
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), alice, "user written");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(400));
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(400));
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().revoked_at, Some(50), "earlier revocation kept");
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, None, "another user's family untouched");

    // With no live families it still writes the user.
    alice.enabled = false;
    s.update_user_revoking_families(&mut alice, 500).await.unwrap();
    assert!(!s.get_user("p1", "u1").await.unwrap().unwrap().enabled);
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(400));

    // When the user write fails nothing is revoked.
    let mut bob = s.get_user("p1", "u2").await.unwrap().unwrap();
    bob.username = "ALICE".into();
    assert!(is_conflict(&s.update_user_revoking_families(&mut bob, 600).await));
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, None, "rolled back with the user write");
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap().username, "Bob");
});
