//! Concurrency of ordinary writes, and awkward values.

use super::*;

conformance!(concurrent_user_inserts, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    // Racing sign-ups for one name (in different cases): one wins, the rest get Conflict.
    let mut handles = Vec::new();
    for (i, name) in ["zed", "Zed", "ZED", "zEd", "zeD", "ZEd", "zed", "Zed"].into_iter().enumerate() {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.insert_user(&user(&format!("z{i}"), "p1", name)).await }));
    }
    let (mut ok, mut conflicts) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("a racing duplicate must be a Conflict, got {e:?}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 7));
    assert!(s.get_user_by_username("p1", "zed").await.unwrap().is_some());

    // Many distinct users at once all land.
    let mut handles = Vec::new();
    for i in 0..32 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.insert_user(&user(&format!("u{i:02}"), "p1", &format!("user{i:02}"))).await
        }));
    }
    for h in handles {
        h.await.unwrap().expect("concurrent distinct inserts succeed");
    }
    let listed = s.list_users("p1", None, 100).await.unwrap();
    assert_eq!(listed.len(), 33);
});

conformance!(awkward_values_round_trip, |s| {
    let mut p = rich_pool("p'; DROP TABLE pools; --");
    p.name = "line\nbreak\ttab \\ back'slash \"quote\" 🦀 %_ ?".into();
    p.created_at = i64::MIN + 1;
    p.updated_at = i64::MAX;
    s.insert_pool(&p).await.unwrap();
    assert_eq!(s.get_pool(&p.id).await.unwrap().unwrap(), p);

    let mut c = client("c'1", &p.id);
    c.secret_enc = Some(Vec::new());
    s.insert_client(&c).await.unwrap();
    assert_eq!(s.get_client("c'1").await.unwrap().unwrap().secret_enc, Some(Vec::new()), "empty secret is not NULL");

    let mut u = user("u-🦀", &p.id, "Ünïcödé_User");
    u.attributes.insert("custom:json".into(), "{\"a\": [1, 2], \"b\": null}".into());
    u.attributes.insert("name".into(), "O'Brien \"Bob\" 名前".into());
    u.attributes.insert("email".into(), "o'brien+tag@example.com".into());
    u.totp_last_step = i64::MAX;
    u.temporary_password_expires_at = Some(-1);
    s.insert_user(&u).await.unwrap();
    assert_eq!(s.get_user(&p.id, "u-🦀").await.unwrap().unwrap(), u);
    assert_eq!(s.get_user_by_username(&p.id, &User::normalise_username("ÜNÏCÖDÉ_user")).await.unwrap().unwrap(), u);
    assert_eq!(
        ids(s.find_users_by_attribute(&p.id, "email", "o'brien+tag@example.com").await.unwrap(), |u| &u.id),
        ["u-🦀"]
    );

    let mut f = family("f'1", &p.id, "c'1", "u-🦀", 0);
    f.expires_at = i64::MAX;
    f.revoked_at = Some(i64::MIN + 1);
    s.insert_family(&f, 0).await.unwrap();
    assert_eq!(s.get_family("f'1").await.unwrap().unwrap(), f);
    assert_eq!(s.get_family_by_token_hash(&[0; 32]).await.unwrap().unwrap(), f);

    assert!(s.delete_pool(&p.id).await.unwrap());
    assert!(s.get_user(&p.id, "u-🦀").await.unwrap().is_none());
});
