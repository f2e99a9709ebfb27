//! SigV4-signed administration through the Cognito door, and what a bad signature gets.

use std::time::{Duration, SystemTime};

use crate::common::*;
use serde_json::json;

const PW: &str = "Correct-Horse-1";

both_backends!(signatures_are_verified, |app| {
    let c = Cognito::new(&app);
    let pools = || async {
        c.admin("ListUserPools", json!({ "MaxResults": 60 })).await.ok()["UserPools"].as_array().unwrap().len()
    };
    let before = pools().await;
    let create = json!({ "PoolName": "nope" });

    let r = c.call("CreateUserPool", create.clone()).await.err("MissingAuthenticationTokenException");
    assert!(r["message"].is_string());
    c.signed_with("CreateUserPool", create.clone(), ("AKIAUNKNOWNUNKNOWN00", "whatever-secret-x"), SystemTime::now())
        .await
        .err("UnrecognizedClientException");
    let key = app.admin_key.clone();
    c.signed_with("CreateUserPool", create.clone(), (&key.0, "not-the-secret-at-all"), SystemTime::now())
        .await
        .err("InvalidSignatureException");
    let stale = c
        .signed_with(
            "CreateUserPool",
            create.clone(),
            (&key.0, &key.1),
            SystemTime::now() - Duration::from_secs(20 * 60),
        )
        .await
        .err("InvalidSignatureException");
    assert!(stale["message"].as_str().unwrap().contains("Signature expired"), "{stale}");
    // Signed right, but for another region than this deployment's.
    let elsewhere = Cognito { region: "us-east-1".into(), ..Cognito::new(&app) };
    let r = elsewhere
        .signed_with("CreateUserPool", create.clone(), (&key.0, &key.1), SystemTime::now())
        .await
        .err("InvalidSignatureException");
    assert!(r["message"].as_str().unwrap().contains("region"), "{r}");
    assert_eq!(pools().await, before, "nothing was created");
    c.admin("CreateUserPool", create).await.ok();
    assert_eq!(pools().await, before + 1);
    app.stop().await;
});

both_backends!(pool_and_client_lifecycle, |app| {
    let c = Cognito::new(&app);
    let created = c
        .admin(
            "CreateUserPool",
            json!({ "PoolName": "corp", "MfaConfiguration": "OPTIONAL",
                    "Policies": { "PasswordPolicy": { "MinimumLength": 12, "RequireSymbols": false, "TemporaryPasswordValidityDays": 0 } } }),
        )
        .await
        .ok();
    let pool = created["UserPool"]["Id"].as_str().unwrap().to_owned();
    assert!(pool.starts_with("eu-west-2_") && pool.len() == 19, "{pool}");
    let d = c.admin("DescribeUserPool", json!({ "UserPoolId": pool })).await.ok();
    assert_eq!(d["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
    assert_eq!(d["UserPool"]["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"], 7, "0 is the default");
    assert_eq!(d["UserPool"]["MfaConfiguration"], "OPTIONAL");
    c.admin("UpdateUserPool", json!({ "UserPoolId": pool, "UsernameAttributes": ["email"] }))
        .await
        .err("InvalidParameterException");

    let cl = c
        .admin(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "svc", "GenerateSecret": true,
                    "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    "AccessTokenValidity": 15, "IdTokenValidity": 15, "RefreshTokenValidity": 7,
                    "TokenValidityUnits": { "AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days" } }),
        )
        .await
        .ok();
    let client = cl["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    let secret = cl["UserPoolClient"]["ClientSecret"].as_str().unwrap().to_owned();
    assert_eq!(client.len(), 26);
    let dc = c.admin("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": client })).await.ok();
    assert_eq!(dc["UserPoolClient"]["ClientSecret"], secret.as_str());
    assert_eq!(dc["UserPoolClient"]["AccessTokenValidity"], 15);
    assert_eq!(dc["UserPoolClient"]["PreventUserExistenceErrors"], "ENABLED");
    c.admin("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "bad", "AccessTokenValidity": 2, "TokenValidityUnits": { "AccessToken": "minutes" } }))
        .await
        .err("InvalidParameterException");
    let list = c.admin("ListUserPoolClients", json!({ "UserPoolId": pool })).await.ok();
    assert_eq!(list["UserPoolClients"].as_array().unwrap().len(), 1);

    // A confidential client needs SECRET_HASH; AdminInitiateAuth honours the validity.
    c.admin("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "hank", "MessageAction": "SUPPRESS" }))
        .await
        .ok();
    c.admin(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool, "Username": "hank", "Password": "long-enough-Passw0rd", "Permanent": true }),
    )
    .await
    .ok();
    let auth = |hash: Option<String>| {
        let mut p = json!({ "USERNAME": "hank", "PASSWORD": "long-enough-Passw0rd" });
        if let Some(h) = hash {
            p["SECRET_HASH"] = json!(h);
        }
        json!({ "UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": p })
    };
    c.admin("AdminInitiateAuth", auth(None)).await.err("NotAuthorizedException");
    c.admin("AdminInitiateAuth", auth(Some("d3Jvbmc=".into()))).await.err("NotAuthorizedException");
    let good = secret_hash(&secret, "hank", &client);
    let ok = c.admin("AdminInitiateAuth", auth(Some(good))).await.ok();
    assert_eq!(ok["AuthenticationResult"]["ExpiresIn"], 900);
    // USER_PASSWORD_AUTH is not enabled on this client.
    c.sign_in(&client, "hank", "long-enough-Passw0rd").await.err("InvalidParameterException");

    c.admin("DeleteUserPoolClient", json!({ "UserPoolId": pool, "ClientId": client })).await.ok();
    c.admin("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": client }))
        .await
        .err("ResourceNotFoundException");
    c.admin("DeleteUserPool", json!({ "UserPoolId": pool })).await.ok();
    c.admin("DescribeUserPool", json!({ "UserPoolId": pool })).await.err("ResourceNotFoundException");
    app.stop().await;
});

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

both_backends!(users_admin_and_listing, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    for i in 0..5 {
        c.user(&pool, &format!("user{i}"), PW, &format!("u{i}@example.com")).await;
    }
    c.admin("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "USER1", "MessageAction": "SUPPRESS" }))
        .await
        .err("UsernameExistsException");
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({ "UserPoolId": pool, "Limit": 2 });
        if let Some(t) = &token {
            req["PaginationToken"] = json!(t);
        }
        let page = c.admin("ListUsers", req).await.ok();
        for u in page["Users"].as_array().unwrap() {
            seen.push(u["Username"].as_str().unwrap().to_owned());
        }
        match page["PaginationToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["user0", "user1", "user2", "user3", "user4"]);
    let f = c.admin("ListUsers", json!({ "UserPoolId": pool, "Filter": "email = \"u3@example.com\"" })).await.ok();
    assert_eq!(f["Users"].as_array().unwrap().len(), 1);
    assert_eq!(f["Users"][0]["Username"], "user3");
    c.admin("ListUsers", json!({ "UserPoolId": pool, "Filter": "email is u3" })).await.err("InvalidParameterException");

    let s = c.sign_in(&client, "user2", PW).await.ok()["AuthenticationResult"].clone();
    c.admin("AdminDisableUser", json!({ "UserPoolId": pool, "Username": "user2" })).await.ok();
    let r = c.sign_in(&client, "user2", PW).await.err("NotAuthorizedException");
    assert_eq!(r["message"], "User is disabled.");
    c.call("GetUser", json!({ "AccessToken": s["AccessToken"] })).await.err("NotAuthorizedException");
    c.admin("AdminEnableUser", json!({ "UserPoolId": pool, "Username": "user2" })).await.ok();
    c.sign_in(&client, "user2", PW).await.ok();

    c.admin(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool, "Username": "user3", "Password": "Temp-Passw0rd!", "Permanent": false }),
    )
    .await
    .ok();
    assert_eq!(c.sign_in(&client, "user3", "Temp-Passw0rd!").await.ok()["ChallengeName"], "NEW_PASSWORD_REQUIRED");

    let t = c.sign_in(&client, "user4", PW).await.ok()["AuthenticationResult"].clone();
    c.admin("AdminUserGlobalSignOut", json!({ "UserPoolId": pool, "Username": "user4" })).await.ok();
    c.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": t["RefreshToken"] } }))
        .await
        .err("NotAuthorizedException");

    c.admin("AdminResetUserPassword", json!({ "UserPoolId": pool, "Username": "user0" })).await.ok();
    c.sign_in(&client, "user0", PW).await.err("PasswordResetRequiredException");
    let code = app.outbox().await.iter().rev().find(|m| m["username"] == "user0").unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    c.call(
        "ConfirmForgotPassword",
        json!({ "ClientId": client, "Username": "user0", "ConfirmationCode": code, "Password": "Brand-New-Pw1" }),
    )
    .await
    .ok();
    c.sign_in(&client, "user0", "Brand-New-Pw1").await.ok();

    c.admin("AdminDeleteUser", json!({ "UserPoolId": pool, "Username": "user1" })).await.ok();
    c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "user1" })).await.err("UserNotFoundException");
    app.stop().await;
});
