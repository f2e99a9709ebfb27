//! User-pool groups through the Cognito door: every operation, Cognito's refusals (each of which
//! changes nothing), and `cognito:groups` (with `cognito:roles`/`cognito:preferred_role`) in the
//! tokens of sign-in and refresh.

use crate::common::*;
use serde_json::{json, Value};

const PASSWORD: &str = "Corr3ct-Horse!";
const ROLE_A: &str = "arn:aws:iam::123456789012:role/Admins";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/Staff";

async fn group(c: &Cognito, pool: &str, name: &str) -> Reply {
    c.admin("GetGroup", json!({ "UserPoolId": pool, "GroupName": name })).await
}

/// Every group of the pool, walked page by page with `Limit`.
async fn all_groups(c: &Cognito, pool: &str, limit: u32) -> Vec<Value> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({ "UserPoolId": pool, "Limit": limit });
        if let Some(t) = &token {
            req["NextToken"] = json!(t);
        }
        let page = c.admin("ListGroups", req).await.ok();
        let items = page["Groups"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        all.extend(items.iter().cloned());
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => return all,
        }
    }
}

fn names(groups: &[Value]) -> Vec<String> {
    groups.iter().map(|g| g["GroupName"].as_str().unwrap().to_owned()).collect()
}

async fn groups_of(c: &Cognito, pool: &str, username: &str) -> Vec<String> {
    let r = c.admin("AdminListGroupsForUser", json!({ "UserPoolId": pool, "Username": username })).await.ok();
    names(r["Groups"].as_array().unwrap())
}

async fn members(c: &Cognito, pool: &str, group: &str) -> Vec<String> {
    let r = c.admin("ListUsersInGroup", json!({ "UserPoolId": pool, "GroupName": group })).await.ok();
    r["Users"].as_array().unwrap().iter().map(|u| u["Username"].as_str().unwrap().to_owned()).collect()
}

async fn add(c: &Cognito, pool: &str, user: &str, group: &str) {
    c.admin("AdminAddUserToGroup", json!({ "UserPoolId": pool, "Username": user, "GroupName": group })).await.ok();
}

async fn create(c: &Cognito, pool: &str, body: Value) -> Value {
    let mut req = body;
    req["UserPoolId"] = json!(pool);
    c.admin("CreateGroup", req).await.ok()["Group"].clone()
}

both_backends!(group_lifecycle_and_refusals, |app| {
    let c = Cognito::new(&app);
    let (pool, _) = c.setup("OFF").await;

    let full = create(
        &c,
        &pool,
        json!({ "GroupName": "admins", "Description": "The admins ✓", "Precedence": 1, "RoleArn": ROLE_A }),
    )
    .await;
    assert_eq!(full["GroupName"], "admins");
    assert_eq!(full["UserPoolId"], pool.as_str());
    assert_eq!(full["Description"], "The admins ✓");
    assert_eq!(full["Precedence"], 1);
    assert_eq!(full["RoleArn"], ROLE_A);
    assert!(full["CreationDate"].is_number() && full["LastModifiedDate"].is_number());
    assert_eq!(group(&c, &pool, "admins").await.ok()["Group"], full);

    // Only the name: the optional members are left out of GroupType.
    let bare = create(&c, &pool, json!({ "GroupName": "bare" })).await;
    for member in ["Description", "Precedence", "RoleArn"] {
        assert!(bare.get(member).is_none(), "{member} in {bare}");
    }
    // Names are case-sensitive and may use any letters, marks, symbols, numbers, punctuation.
    create(&c, &pool, json!({ "GroupName": "Admins" })).await;
    create(&c, &pool, json!({ "GroupName": "équipe-✓_1" })).await;

    // Refusals, none of which changes anything.
    let before = all_groups(&c, &pool, 60).await;
    let dup = json!({ "UserPoolId": pool, "GroupName": "admins", "Precedence": 9 });
    let e = c.admin("CreateGroup", dup).await.err("GroupExistsException");
    assert!(e["message"].as_str().unwrap().contains("admins"), "{e}");
    let long_description = "d".repeat(2049);
    let long_name = "n".repeat(129);
    for bad in [
        json!({ "GroupName": "two words" }),
        json!({ "GroupName": long_name }),
        json!({ "GroupName": "tab\tname" }),
        json!({ "GroupName": "ok", "Description": long_description }),
        json!({ "GroupName": "ok", "Precedence": -1 }),
        json!({ "GroupName": "ok", "Precedence": 2_147_483_648_i64 }),
        json!({ "GroupName": "ok", "RoleArn": "not-an-arn-of-any-kind" }),
        json!({ "GroupName": "ok", "RoleArn": "arn:aws:iam::123456789012:role/with space" }),
    ] {
        let mut req = bad.clone();
        req["UserPoolId"] = json!(pool);
        c.admin("CreateGroup", req).await.err("InvalidParameterException");
    }
    c.admin("CreateGroup", json!({ "UserPoolId": pool })).await.err("InvalidParameterException");
    c.admin("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "" })).await.err("InvalidParameterException");
    c.admin("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "ok", "Precedence": "1" }))
        .await
        .err("SerializationException");
    c.admin("CreateGroup", json!({ "UserPoolId": "eu-west-2_nope", "GroupName": "ok" }))
        .await
        .err("ResourceNotFoundException");
    c.call("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "ok" }))
        .await
        .err("MissingAuthenticationTokenException");
    assert_eq!(all_groups(&c, &pool, 60).await, before, "refused creates change nothing");

    // Listing in name order; Limit pages carry a NextToken.
    // (The order is the database's collation of names; the pages must agree with it.)
    let listed = names(&before);
    let mut set = listed.clone();
    set.sort();
    assert_eq!(set, ["Admins", "admins", "bare", "équipe-✓_1"]);
    assert_eq!(names(&all_groups(&c, &pool, 1).await), listed);
    assert_eq!(names(&all_groups(&c, &pool, 3).await), listed);
    for bad in [0, 61] {
        c.admin("ListGroups", json!({ "UserPoolId": pool, "Limit": bad })).await.err("InvalidParameterException");
    }
    c.admin("ListGroups", json!({ "UserPoolId": pool, "NextToken": "!!" })).await.err("InvalidParameterException");
    c.admin("ListGroups", json!({ "UserPoolId": "eu-west-2_nope" })).await.err("ResourceNotFoundException");

    // UpdateGroup changes the members given and keeps the others.
    let updated =
        c.admin("UpdateGroup", json!({ "UserPoolId": pool, "GroupName": "admins", "Precedence": 0 })).await.ok()
            ["Group"]
            .clone();
    assert_eq!(updated["Precedence"], 0);
    assert_eq!(updated["Description"], "The admins ✓");
    assert_eq!(updated["RoleArn"], ROLE_A);
    assert_eq!(updated["CreationDate"], full["CreationDate"]);
    let updated = c
        .admin(
            "UpdateGroup",
            json!({ "UserPoolId": pool, "GroupName": "bare", "Description": "now described", "RoleArn": ROLE_B }),
        )
        .await
        .ok()["Group"]
        .clone();
    assert_eq!((updated["Description"].as_str(), updated["RoleArn"].as_str()), (Some("now described"), Some(ROLE_B)));
    assert!(updated.get("Precedence").is_none());
    assert_eq!(group(&c, &pool, "bare").await.ok()["Group"], updated);
    let before = all_groups(&c, &pool, 60).await;
    c.admin("UpdateGroup", json!({ "UserPoolId": pool, "GroupName": "ghost", "Precedence": 1 }))
        .await
        .err("ResourceNotFoundException");
    c.admin("UpdateGroup", json!({ "UserPoolId": pool, "GroupName": "admins", "Precedence": -5 }))
        .await
        .err("InvalidParameterException");
    c.admin("UpdateGroup", json!({ "UserPoolId": pool, "GroupName": "admins", "RoleArn": "arn:nope" }))
        .await
        .err("InvalidParameterException");
    assert_eq!(all_groups(&c, &pool, 60).await, before, "refused updates change nothing");
    assert!(group(&c, &pool, "ghost").await.error_type() == "ResourceNotFoundException", "update does not create");

    // Delete; then the group is gone and a second delete is refused.
    c.admin("DeleteGroup", json!({ "UserPoolId": pool, "GroupName": "Admins" })).await.ok();
    group(&c, &pool, "Admins").await.err("ResourceNotFoundException");
    assert_eq!(group(&c, &pool, "admins").await.ok()["Group"]["GroupName"], "admins", "only the exact name went");
    c.admin("DeleteGroup", json!({ "UserPoolId": pool, "GroupName": "Admins" })).await.err("ResourceNotFoundException");
    c.admin("DeleteGroup", json!({ "UserPoolId": pool, "GroupName": "bad name" }))
        .await
        .err("InvalidParameterException");
    group(&c, &pool, "bad name").await.err("InvalidParameterException");
    assert_eq!(names(&all_groups(&c, &pool, 60).await), ["admins", "bare", "équipe-✓_1"]);
    app.stop().await;
});

both_backends!(memberships_and_their_refusals, |app| {
    let c = Cognito::new(&app);
    let (pool, _) = c.setup("OFF").await;
    for u in ["alice", "bob", "carol"] {
        c.user(&pool, u, PASSWORD, &format!("{u}@example.com")).await;
    }
    for g in ["staff", "admins", "empty"] {
        create(&c, &pool, json!({ "GroupName": g })).await;
    }
    add(&c, &pool, "alice", "staff").await;
    add(&c, &pool, "alice", "staff").await; // idempotent
    add(&c, &pool, "alice", "admins").await;
    add(&c, &pool, "Bob", "staff").await; // usernames are case-insensitive
    add(&c, &pool, "carol", "staff").await;
    assert_eq!(groups_of(&c, &pool, "alice").await, ["admins", "staff"]);
    assert_eq!(groups_of(&c, &pool, "bob").await, ["staff"]);
    assert!(groups_of(&c, &pool, "carol").await == ["staff"]);
    assert_eq!(members(&c, &pool, "staff").await, ["alice", "bob", "carol"]);
    assert!(members(&c, &pool, "empty").await.is_empty());
    let listed = c.admin("AdminListGroupsForUser", json!({ "UserPoolId": pool, "Username": "alice" })).await.ok();
    assert_eq!(listed["Groups"][0], group(&c, &pool, "admins").await.ok()["Group"], "whole GroupType records");
    let users = c.admin("ListUsersInGroup", json!({ "UserPoolId": pool, "GroupName": "admins" })).await.ok();
    assert_eq!(users["Users"][0]["Username"], "alice");
    assert_eq!(users["Users"][0]["UserStatus"], "CONFIRMED");
    assert!(users["Users"][0]["Attributes"].as_array().unwrap().iter().any(|a| a["Name"] == "sub"));

    // Pages: Limit 1 walks the members and the user's groups with NextToken.
    let mut walked = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({ "UserPoolId": pool, "GroupName": "staff", "Limit": 1 });
        if let Some(t) = &token {
            req["NextToken"] = json!(t);
        }
        let page = c.admin("ListUsersInGroup", req).await.ok();
        walked.extend(page["Users"].as_array().unwrap().iter().map(|u| u["Username"].as_str().unwrap().to_owned()));
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, ["alice", "bob", "carol"]);
    let first =
        c.admin("AdminListGroupsForUser", json!({ "UserPoolId": pool, "Username": "alice", "Limit": 1 })).await.ok();
    assert_eq!(names(first["Groups"].as_array().unwrap()), ["admins"]);
    let next = first["NextToken"].as_str().expect("a full page has a NextToken");
    let second = c
        .admin(
            "AdminListGroupsForUser",
            json!({ "UserPoolId": pool, "Username": "alice", "Limit": 1, "NextToken": next }),
        )
        .await
        .ok();
    assert_eq!(names(second["Groups"].as_array().unwrap()), ["staff"]);
    for (op, extra) in [
        ("AdminListGroupsForUser", json!({ "Username": "alice" })),
        ("ListUsersInGroup", json!({ "GroupName": "staff" })),
    ] {
        for limit in [0, 61] {
            let mut req = extra.clone();
            req["UserPoolId"] = json!(pool);
            req["Limit"] = json!(limit);
            c.admin(op, req).await.err("InvalidParameterException");
        }
    }

    // Refusals change nothing.
    let snapshot = (groups_of(&c, &pool, "alice").await, members(&c, &pool, "staff").await);
    let op = |name: &'static str, user: &'static str, group: &'static str| {
        let body = json!({ "UserPoolId": pool, "Username": user, "GroupName": group });
        let c = &c;
        async move { c.admin(name, body).await }
    };
    op("AdminAddUserToGroup", "nobody", "staff").await.err("UserNotFoundException");
    op("AdminAddUserToGroup", "alice", "ghost").await.err("ResourceNotFoundException");
    op("AdminAddUserToGroup", "alice", "Staff").await.err("ResourceNotFoundException");
    op("AdminAddUserToGroup", "alice", "bad name").await.err("InvalidParameterException");
    op("AdminRemoveUserFromGroup", "nobody", "staff").await.err("UserNotFoundException");
    op("AdminRemoveUserFromGroup", "alice", "ghost").await.err("ResourceNotFoundException");
    c.admin("AdminAddUserToGroup", json!({ "UserPoolId": pool, "GroupName": "staff" }))
        .await
        .err("InvalidParameterException");
    c.admin(
        "AdminAddUserToGroup",
        json!({ "UserPoolId": "eu-west-2_nope", "Username": "alice", "GroupName": "staff" }),
    )
    .await
    .err("ResourceNotFoundException");
    c.call("AdminAddUserToGroup", json!({ "UserPoolId": pool, "Username": "alice", "GroupName": "empty" }))
        .await
        .err("MissingAuthenticationTokenException");
    c.admin("AdminListGroupsForUser", json!({ "UserPoolId": pool, "Username": "nobody" }))
        .await
        .err("UserNotFoundException");
    c.admin("ListUsersInGroup", json!({ "UserPoolId": pool, "GroupName": "ghost" }))
        .await
        .err("ResourceNotFoundException");
    assert_eq!((groups_of(&c, &pool, "alice").await, members(&c, &pool, "staff").await), snapshot);
    assert!(members(&c, &pool, "empty").await.is_empty());

    // A user of another pool cannot be added by name.
    let other = c.admin("CreateUserPool", json!({ "PoolName": "other" })).await.ok();
    let other = other["UserPool"]["Id"].as_str().unwrap().to_owned();
    c.user(&other, "dave", PASSWORD, "dave@example.com").await;
    op("AdminAddUserToGroup", "dave", "staff").await.err("UserNotFoundException");

    // Remove; removing again is not an error (nothing to do).
    op("AdminRemoveUserFromGroup", "alice", "staff").await.ok();
    op("AdminRemoveUserFromGroup", "alice", "staff").await.ok();
    assert_eq!(groups_of(&c, &pool, "alice").await, ["admins"]);
    assert_eq!(members(&c, &pool, "staff").await, ["bob", "carol"]);

    // Deleting a user or a group ends their memberships.
    c.admin("AdminDeleteUser", json!({ "UserPoolId": pool, "Username": "carol" })).await.ok();
    assert_eq!(members(&c, &pool, "staff").await, ["bob"]);
    c.user(&pool, "carol", PASSWORD, "carol@example.com").await;
    assert!(groups_of(&c, &pool, "carol").await.is_empty(), "a new user of an old name is in no group");
    c.admin("DeleteGroup", json!({ "UserPoolId": pool, "GroupName": "admins" })).await.ok();
    assert!(groups_of(&c, &pool, "alice").await.is_empty());
    create(&c, &pool, json!({ "GroupName": "admins" })).await;
    assert!(members(&c, &pool, "admins").await.is_empty(), "a re-created group starts empty");
    app.stop().await;
});

fn claim_names(claims: &Value) -> Option<Vec<String>> {
    claims.get("cognito:groups").map(|g| g.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect())
}

async fn refresh(c: &Cognito, client: &str, refresh_token: &str) -> Value {
    c.call(
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh_token } }),
    )
    .await
    .ok()["AuthenticationResult"]
        .clone()
}

both_backends!(tokens_carry_groups_in_precedence_order_and_refresh_sees_changes, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "alice", PASSWORD, "alice@example.com").await;
    c.user(&pool, "bob", PASSWORD, "bob@example.com").await;

    // No group: no claim at all.
    let r = c.sign_in(&client, "alice", PASSWORD).await.ok();
    let id = verified_claims(&app.url, &pool, r["AuthenticationResult"]["IdToken"].as_str().unwrap()).await;
    let at = verified_claims(&app.url, &pool, r["AuthenticationResult"]["AccessToken"].as_str().unwrap()).await;
    for claims in [&id, &at] {
        for claim in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
            assert!(claims.get(claim).is_none(), "{claim} in {claims}");
        }
    }

    create(&c, &pool, json!({ "GroupName": "readers" })).await; // no precedence: last
    create(&c, &pool, json!({ "GroupName": "writers", "Precedence": 5, "RoleArn": ROLE_B })).await;
    create(&c, &pool, json!({ "GroupName": "admins", "Precedence": 1, "RoleArn": ROLE_A })).await;
    create(&c, &pool, json!({ "GroupName": "auditors", "Precedence": 5 })).await;
    create(&c, &pool, json!({ "GroupName": "unjoined", "Precedence": 0 })).await;
    for g in ["readers", "writers", "admins", "auditors"] {
        add(&c, &pool, "alice", g).await;
    }
    add(&c, &pool, "bob", "readers").await;

    let r = c.sign_in(&client, "alice", PASSWORD).await.ok();
    let result = &r["AuthenticationResult"];
    let id = verified_claims(&app.url, &pool, result["IdToken"].as_str().unwrap()).await;
    let at = verified_claims(&app.url, &pool, result["AccessToken"].as_str().unwrap()).await;
    let order = ["admins", "auditors", "writers", "readers"];
    assert_eq!(claim_names(&id).unwrap(), order, "precedence ascending, then name, unset last");
    assert_eq!(claim_names(&at).unwrap(), order);
    assert_eq!(id["cognito:roles"], json!([ROLE_A, ROLE_B]));
    assert_eq!(id["cognito:preferred_role"], ROLE_A);
    assert!(at.get("cognito:roles").is_none() && at.get("cognito:preferred_role").is_none(), "id token only");
    // The access token still works for self-service calls.
    c.call("GetUser", json!({ "AccessToken": result["AccessToken"] })).await.ok();

    let bob = c.sign_in(&client, "bob", PASSWORD).await.ok();
    let bob_id = verified_claims(&app.url, &pool, bob["AuthenticationResult"]["IdToken"].as_str().unwrap()).await;
    assert_eq!(claim_names(&bob_id).unwrap(), ["readers"]);
    assert!(bob_id.get("cognito:roles").is_none() && bob_id.get("cognito:preferred_role").is_none());

    // AdminInitiateAuth issues the same claims.
    let admin = c
        .admin(
            "AdminInitiateAuth",
            json!({ "UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                    "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } }),
        )
        .await
        .ok();
    let admin_id = verified_claims(&app.url, &pool, admin["AuthenticationResult"]["IdToken"].as_str().unwrap()).await;
    assert_eq!(claim_names(&admin_id).unwrap(), order);

    // Refreshed tokens pick up membership and group changes.
    let refresh_token = result["RefreshToken"].as_str().unwrap().to_owned();
    c.admin("AdminRemoveUserFromGroup", json!({ "UserPoolId": pool, "Username": "alice", "GroupName": "admins" }))
        .await
        .ok();
    add(&c, &pool, "alice", "unjoined").await;
    c.admin("UpdateGroup", json!({ "UserPoolId": pool, "GroupName": "readers", "Precedence": 2 })).await.ok();
    let refreshed = refresh(&c, &client, &refresh_token).await;
    let id = verified_claims(&app.url, &pool, refreshed["IdToken"].as_str().unwrap()).await;
    let at = verified_claims(&app.url, &pool, refreshed["AccessToken"].as_str().unwrap()).await;
    let order = ["unjoined", "readers", "auditors", "writers"];
    assert_eq!(claim_names(&id).unwrap(), order);
    assert_eq!(claim_names(&at).unwrap(), order);
    assert_eq!(id["cognito:roles"], json!([ROLE_B]));
    assert_eq!(id["cognito:preferred_role"], ROLE_B);

    // Two groups tied at the lowest precedence with different roles: no preferred role.
    c.admin("UpdateGroup", json!({ "UserPoolId": pool, "GroupName": "auditors", "RoleArn": ROLE_A })).await.ok();
    let id =
        verified_claims(&app.url, &pool, refresh(&c, &client, &refresh_token).await["IdToken"].as_str().unwrap()).await;
    assert_eq!(id["cognito:roles"], json!([ROLE_A, ROLE_B]));
    assert!(id.get("cognito:preferred_role").is_none(), "tied roles differ: {id}");

    // Deleting groups and leaving the rest: the claim goes away.
    for g in ["unjoined", "readers", "auditors", "writers"] {
        c.admin("DeleteGroup", json!({ "UserPoolId": pool, "GroupName": g })).await.ok();
    }
    let refreshed = refresh(&c, &client, &refresh_token).await;
    for token in ["IdToken", "AccessToken"] {
        let claims = verified_claims(&app.url, &pool, refreshed[token].as_str().unwrap()).await;
        for claim in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
            assert!(claims.get(claim).is_none(), "{claim} in {token}: {claims}");
        }
    }
    app.stop().await;
});
