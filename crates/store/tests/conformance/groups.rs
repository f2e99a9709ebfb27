//! User-pool groups and memberships (migration 0006): CRUD, the membership rules, the
//! cascades from pools, groups and users, and the reads the token paths and list calls make.

use super::*;

fn group(pool_id: &str, name: &str, precedence: Option<i64>) -> Group {
    Group {
        pool_id: pool_id.into(),
        name: name.into(),
        description: Some(format!("The \"{name}\" group – ✓")),
        precedence,
        role_arn: Some(format!("arn:aws:iam::123456789012:role/{name}")),
        created_at: 50,
        updated_at: 51,
    }
}

async fn group_names(s: &SqlStore, pool_id: &str, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_groups(pool_id, after, limit).await.unwrap(), |g| &g.name)
}

async fn groups_of(s: &SqlStore, user_id: &str, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_groups_for_user(user_id, after, limit).await.unwrap(), |g| &g.name)
}

async fn members(s: &SqlStore, pool_id: &str, name: &str, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_users_in_group(pool_id, name, after, limit).await.unwrap(), |u| &u.username)
}

conformance!(groups_crud, |s| {
    seed(&s).await;
    s.insert_pool(&pool("p2")).await.unwrap();
    let admins = group("p1", "admins", Some(0));
    let bare = Group {
        pool_id: "p1".into(),
        name: "bare".into(),
        description: None,
        precedence: None,
        role_arn: None,
        created_at: 52,
        updated_at: 52,
    };
    s.insert_group(&admins).await.unwrap();
    s.insert_group(&bare).await.unwrap();
    assert_eq!(s.get_group("p1", "admins").await.unwrap().unwrap(), admins);
    assert_eq!(s.get_group("p1", "bare").await.unwrap().unwrap(), bare, "absent members stay None");
    assert!(s.get_group("p1", "Admins").await.unwrap().is_none(), "names are case-sensitive");
    assert!(s.get_group("p2", "admins").await.unwrap().is_none(), "groups belong to one pool");

    // The same name conflicts in its pool only; a differently-cased name is another group.
    let mut again = group("p1", "admins", Some(9));
    again.description = None;
    assert!(is_conflict(&s.insert_group(&again).await));
    assert_eq!(s.get_group("p1", "admins").await.unwrap().unwrap(), admins, "a refused insert changes nothing");
    s.insert_group(&group("p2", "admins", None)).await.unwrap();
    s.insert_group(&group("p1", "Admins", None)).await.unwrap();

    // Precedence round-trips at the top of its range.
    let top = group("p1", "top", Some(i64::from(i32::MAX)));
    s.insert_group(&top).await.unwrap();
    assert_eq!(s.get_group("p1", "top").await.unwrap().unwrap(), top);

    // Update writes the mutable members; creation time stays.
    let mut changed = admins.clone();
    changed.description = None;
    changed.precedence = Some(7);
    changed.role_arn = None;
    changed.updated_at = 99;
    changed.created_at = 1;
    assert!(s.update_group(&changed).await.unwrap());
    let read = s.get_group("p1", "admins").await.unwrap().unwrap();
    assert_eq!((read.description, read.precedence, read.role_arn, read.updated_at), (None, Some(7), None, 99));
    assert_eq!(read.created_at, 50, "update does not rewrite the creation time");
    assert!(!s.update_group(&group("p1", "ghost", None)).await.unwrap());
    assert!(s.get_group("p1", "ghost").await.unwrap().is_none(), "update does not create");
    assert_eq!(s.get_group("p2", "admins").await.unwrap().unwrap(), group("p2", "admins", None));

    assert!(s.delete_group("p1", "bare").await.unwrap());
    assert!(!s.delete_group("p1", "bare").await.unwrap(), "second delete reports no such group");
    assert!(!s.delete_group("p1", "nope").await.unwrap());
    assert!(s.get_group("p1", "bare").await.unwrap().is_none());
    assert!(s.get_group("p2", "admins").await.unwrap().is_some(), "another pool's group of that name stays");
});

conformance!(groups_list_in_name_order_with_keyset_pages, |s| {
    seed(&s).await;
    s.insert_pool(&pool("p2")).await.unwrap();
    for name in ["delta", "alpha", "charlie", "bravo", "echo"] {
        s.insert_group(&group("p1", name, None)).await.unwrap();
    }
    s.insert_group(&group("p2", "aaa", None)).await.unwrap();
    assert_eq!(group_names(&s, "p1", None, 10).await, ["alpha", "bravo", "charlie", "delta", "echo"]);
    assert_eq!(group_names(&s, "p1", None, 2).await, ["alpha", "bravo"]);
    assert_eq!(group_names(&s, "p1", Some("bravo"), 2).await, ["charlie", "delta"]);
    assert_eq!(group_names(&s, "p1", Some("delta"), 2).await, ["echo"]);
    assert!(group_names(&s, "p1", Some("echo"), 2).await.is_empty());
    assert_eq!(group_names(&s, "p2", None, 10).await, ["aaa"]);
    assert!(group_names(&s, "nope", None, 10).await.is_empty());
});

conformance!(group_membership_add_remove, |s| {
    seed(&s).await;
    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_user(&user("u3", "p2", "Carol")).await.unwrap();
    s.insert_group(&group("p1", "admins", Some(0))).await.unwrap();
    s.insert_group(&group("p1", "staff", Some(5))).await.unwrap();
    s.insert_group(&group("p2", "admins", None)).await.unwrap();

    assert!(s.add_user_to_group("p1", "admins", "u1").await.unwrap());
    assert!(!s.add_user_to_group("p1", "admins", "u1").await.unwrap(), "adding twice is idempotent");
    assert!(s.add_user_to_group("p1", "staff", "u1").await.unwrap());
    assert!(s.add_user_to_group("p1", "staff", "u2").await.unwrap());
    assert_eq!(groups_of(&s, "u1", None, 100).await, ["admins", "staff"]);

    // Nothing is written for a missing group, a missing user, or a user of another pool.
    assert!(!s.add_user_to_group("p1", "ghost", "u1").await.unwrap());
    assert!(!s.add_user_to_group("p1", "Admins", "u1").await.unwrap());
    assert!(!s.add_user_to_group("p1", "admins", "nobody").await.unwrap());
    assert!(!s.add_user_to_group("p1", "admins", "u3").await.unwrap(), "u3 is in p2");
    assert!(!s.add_user_to_group("p2", "admins", "u1").await.unwrap(), "u1 is in p1");
    assert_eq!(groups_of(&s, "u1", None, 100).await, ["admins", "staff"]);
    assert!(groups_of(&s, "u3", None, 100).await.is_empty());
    assert!(groups_of(&s, "nobody", None, 100).await.is_empty());
    assert!(members(&s, "p2", "admins", None, 60).await.is_empty());

    assert!(s.remove_user_from_group("p1", "admins", "u1").await.unwrap());
    assert!(!s.remove_user_from_group("p1", "admins", "u1").await.unwrap(), "no longer a member");
    assert!(!s.remove_user_from_group("p1", "ghost", "u1").await.unwrap());
    assert!(!s.remove_user_from_group("p2", "staff", "u1").await.unwrap(), "the pool is part of the key");
    assert_eq!(groups_of(&s, "u1", None, 100).await, ["staff"]);
    assert_eq!(members(&s, "p1", "staff", None, 60).await, ["Alice", "Bob"], "others' memberships stay");
});

conformance!(groups_for_user_carry_the_whole_group_in_name_pages, |s| {
    seed(&s).await;
    let names = ["zulu", "alpha", "Mike", "ünï", "bravo"];
    for (i, name) in names.iter().enumerate() {
        s.insert_group(&group("p1", name, Some(i as i64))).await.unwrap();
        s.add_user_to_group("p1", name, "u1").await.unwrap();
    }
    s.insert_group(&group("p1", "unjoined", Some(0))).await.unwrap();
    let all = s.list_groups_for_user("u1", None, 100).await.unwrap();
    for g in &all {
        assert_eq!(*g, s.get_group("p1", &g.name).await.unwrap().unwrap(), "the whole record, not only the name");
    }
    let listed = ids(all, |g| &g.name);
    assert_eq!(listed.len(), 5, "only the user's groups");
    // Keyset pages follow the store's order and together give the same list.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = groups_of(&s, "u1", after.as_deref(), 2).await;
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        after = page.last().cloned();
        walked.extend(page);
    }
    assert_eq!(walked, listed);
    let first = groups_of(&s, "u1", None, 2).await;
    assert_eq!(first, listed[..2]);

    // A change to a group shows in the next read of its members' groups.
    let mut changed = s.get_group("p1", "zulu").await.unwrap().unwrap();
    changed.precedence = Some(42);
    changed.role_arn = Some("arn:aws:iam::123456789012:role/changed".into());
    s.update_group(&changed).await.unwrap();
    let read = s.list_groups_for_user("u1", None, 100).await.unwrap();
    assert_eq!(read.iter().find(|g| g.name == "zulu").unwrap(), &changed);
});

conformance!(users_in_group_by_username_pages, |s| {
    seed(&s).await;
    s.insert_user(&user("u3", "p1", "carol")).await.unwrap();
    s.insert_user(&user("u4", "p1", "Dave")).await.unwrap();
    s.insert_user(&user("u5", "p1", "eve")).await.unwrap();
    s.insert_group(&group("p1", "staff", None)).await.unwrap();
    s.insert_group(&group("p1", "other", None)).await.unwrap();
    for u in ["u5", "u1", "u4", "u2"] {
        s.add_user_to_group("p1", "staff", u).await.unwrap();
    }
    s.add_user_to_group("p1", "other", "u3").await.unwrap();
    assert_eq!(members(&s, "p1", "staff", None, 60).await, ["Alice", "Bob", "Dave", "eve"]);
    assert_eq!(members(&s, "p1", "staff", None, 2).await, ["Alice", "Bob"]);
    assert_eq!(members(&s, "p1", "staff", Some("bob"), 2).await, ["Dave", "eve"], "pages by normalised username");
    assert!(members(&s, "p1", "staff", Some("eve"), 2).await.is_empty());
    assert_eq!(members(&s, "p1", "other", None, 60).await, ["carol"]);
    assert!(members(&s, "p1", "ghost", None, 60).await.is_empty());
    let full = s.list_users_in_group("p1", "other", None, 60).await.unwrap();
    assert_eq!(full, vec![s.get_user("p1", "u3").await.unwrap().unwrap()], "whole user records");
});

conformance!(deleting_a_group_user_or_pool_removes_memberships, |s| {
    seed(&s).await;
    s.insert_user(&user("u3", "p1", "Carol")).await.unwrap();
    for name in ["a", "b"] {
        s.insert_group(&group("p1", name, None)).await.unwrap();
        for u in ["u1", "u2", "u3"] {
            s.add_user_to_group("p1", name, u).await.unwrap();
        }
    }
    // Deleting a group ends its memberships; re-creating it starts empty.
    assert!(s.delete_group("p1", "a").await.unwrap());
    assert_eq!(groups_of(&s, "u1", None, 100).await, ["b"]);
    assert!(members(&s, "p1", "a", None, 60).await.is_empty());
    s.insert_group(&group("p1", "a", None)).await.unwrap();
    assert!(members(&s, "p1", "a", None, 60).await.is_empty(), "a new group of an old name has no members");
    assert_eq!(groups_of(&s, "u2", None, 100).await, ["b"]);

    // Deleting a user ends theirs; the group and the others stay.
    assert!(s.delete_user("p1", "u2").await.unwrap());
    assert_eq!(members(&s, "p1", "b", None, 60).await, ["Alice", "Carol"]);
    assert!(groups_of(&s, "u2", None, 100).await.is_empty());
    // A new user with the old user's username is not a member.
    s.insert_user(&user("u2b", "p1", "Bob")).await.unwrap();
    assert_eq!(members(&s, "p1", "b", None, 60).await, ["Alice", "Carol"]);

    // Deleting the pool takes its groups and memberships.
    assert!(s.delete_pool("p1").await.unwrap());
    assert!(s.get_group("p1", "b").await.unwrap().is_none());
    assert!(group_names(&s, "p1", None, 10).await.is_empty());
    assert!(groups_of(&s, "u1", None, 100).await.is_empty());
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_group(&group("p1", "b", None)).await.unwrap();
    assert!(members(&s, "p1", "b", None, 60).await.is_empty());
});

conformance!(concurrent_adds_to_one_group_are_idempotent, |s| {
    seed(&s).await;
    s.insert_group(&group("p1", "staff", None)).await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.add_user_to_group("p1", "staff", "u1").await.unwrap() }));
    }
    let mut added = 0;
    for h in handles {
        added += usize::from(h.await.unwrap());
    }
    assert_eq!(added, 1, "exactly one of the concurrent adds made the membership");
    assert_eq!(members(&s, "p1", "staff", None, 60).await, ["Alice"]);
});

conformance!(family_with_user_and_groups_is_the_joined_read_plus_the_users_groups, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 2), 0).await.unwrap();
    let mut rich = group("p1", "admins", Some(0));
    rich.description = Some("quotes \" and \\ backslashes, ünïcode ✓, 'single'".into());
    s.insert_group(&rich).await.unwrap();
    let bare = Group {
        pool_id: "p1".into(),
        name: "bare".into(),
        description: None,
        precedence: None,
        role_arn: None,
        created_at: 7,
        updated_at: 8,
    };
    s.insert_group(&bare).await.unwrap();
    s.insert_group(&group("p1", "unjoined", Some(1))).await.unwrap();
    s.add_user_to_group("p1", "admins", "u1").await.unwrap();
    s.add_user_to_group("p1", "bare", "u1").await.unwrap();

    for key in [FamilyKey::Id("f1"), FamilyKey::TokenHash(&[1; 32])] {
        let (f, u, mut groups) = s.get_family_with_user_and_groups(key).await.unwrap().unwrap();
        let (f0, u0) = s.get_family_with_user(key).await.unwrap().unwrap();
        assert_eq!((f, u), (f0, u0), "the same family and user as get_family_with_user");
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(groups, vec![rich.clone(), bare.clone()], "whole records, NULLs as None");
    }
    let (_, u, groups) = s.get_family_with_user_and_groups(FamilyKey::Id("f2")).await.unwrap().unwrap();
    assert_eq!(u.id, "u2");
    assert!(groups.is_empty(), "no group: an empty list");
    assert!(s.get_family_with_user_and_groups(FamilyKey::Id("nope")).await.unwrap().is_none());
    assert!(s.get_family_with_user_and_groups(FamilyKey::TokenHash(&[9; 32])).await.unwrap().is_none());

    // It sees membership changes and revocations like the separate reads.
    s.remove_user_from_group("p1", "admins", "u1").await.unwrap();
    s.revoke_family("f1", 77).await.unwrap();
    let (f, _, groups) = s.get_family_with_user_and_groups(FamilyKey::Id("f1")).await.unwrap().unwrap();
    assert_eq!(f.revoked_at, Some(77));
    assert_eq!(groups, vec![bare]);
});

conformance!(concurrent_family_reads_each_get_their_own_row, |s| {
    // On PostgreSQL, reads that arrive together are answered by one statement (see the store's
    // read_batch); each caller still gets exactly the row its key names, or none.
    seed(&s).await;
    s.insert_group(&group("p1", "admins", Some(0))).await.unwrap();
    s.add_user_to_group("p1", "admins", "u1").await.unwrap();
    for i in 0..30u8 {
        let user = if i % 2 == 0 { "u1" } else { "u2" };
        s.insert_family(&family(&format!("r{i}"), "p1", "c1", user, 100 + i), 0).await.unwrap();
    }
    let mut handles = Vec::new();
    for round in 0..2u8 {
        for i in 0..34u8 {
            // 30 to 33 name no family.
            for kind in 0..4u8 {
                let s = s.clone();
                handles.push(tokio::spawn(async move {
                    let id = format!("r{i}");
                    let hash = [100 + i; 32];
                    let key = if kind % 2 == 0 { FamilyKey::Id(&id) } else { FamilyKey::TokenHash(&hash) };
                    let found = if kind < 2 {
                        s.get_family_with_user_and_groups(key).await.unwrap()
                    } else {
                        s.get_family_with_user(key).await.unwrap().map(|(f, u)| (f, u, Vec::new()))
                    };
                    (round, i, kind, found)
                }));
            }
        }
    }
    for h in handles {
        let (round, i, kind, found) = h.await.unwrap();
        let what = format!("round {round}, family {i}, read {kind}");
        if i >= 30 {
            assert!(found.is_none(), "{what}: no such family");
            continue;
        }
        let (f, u, groups) = found.unwrap_or_else(|| panic!("{what}: missing"));
        assert_eq!((f.id.as_str(), f.token_hash.as_slice()), (format!("r{i}").as_str(), &[100 + i; 32][..]), "{what}");
        assert_eq!(u.id, if i % 2 == 0 { "u1" } else { "u2" }, "{what}");
        let names: Vec<_> = groups.iter().map(|g| g.name.as_str()).collect();
        let expected: &[&str] = if kind < 2 && i % 2 == 0 { &["admins"] } else { &[] };
        assert_eq!(names, expected, "{what}");
    }
});
