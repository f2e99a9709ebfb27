//! Bad input gets Cognito's error for it, HTTP 400, and changes nothing.

use crate::common::*;
use serde_json::json;

const PW: &str = "Correct-Horse-1";

fn target(op: &str) -> (&'static str, String) {
    ("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"))
}

both_backends!(malformed_requests, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "ivy", PW, "ivy@example.com").await;

    let r = c.raw(vec![target("InitiateAuth")], b"{not json".to_vec()).await.err("SerializationException");
    assert!(r["message"].is_string());
    c.raw(vec![target("InitiateAuth")], b"[1,2]".to_vec()).await.err("SerializationException");
    c.raw(vec![target("FlyToTheMoon")], b"{}".to_vec()).await.err("UnknownOperationException");
    c.raw(vec![("x-amz-target", "SomethingElse.InitiateAuth".into())], b"{}".to_vec())
        .await
        .err("UnknownOperationException");
    c.raw(vec![], b"{}".to_vec()).await.err("UnknownOperationException");
    let missing = c
        .call("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {} }))
        .await
        .err("InvalidParameterException");
    assert!(missing["message"].as_str().unwrap().contains("clientId"), "{missing}");
    c.call(
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": "USERNAME=ivy" }),
    )
    .await
    .err("SerializationException");
    c.call("InitiateAuth", json!({ "ClientId": 42, "AuthFlow": "USER_PASSWORD_AUTH" }))
        .await
        .err("SerializationException");
    c.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "MAGIC", "AuthParameters": {} }))
        .await
        .err("InvalidParameterException");
    c.call(
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "ivy" } }),
    )
    .await
    .err("InvalidParameterException");
    c.call("InitiateAuth", json!({ "ClientId": "nope", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "ivy", "PASSWORD": PW } }))
        .await
        .err("ResourceNotFoundException");
    c.call("RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "x".repeat(40), "ChallengeResponses": { "USERNAME": "ivy", "NEW_PASSWORD": PW } }))
        .await
        .err("NotAuthorizedException");
    c.call("GetUser", json!({ "AccessToken": "not.a.jwt" })).await.err("NotAuthorizedException");

    let big = format!("{{\"ClientId\":\"{}\"}}", "a".repeat(2 << 20));
    let r = Cognito::new(&app).raw(vec![target("InitiateAuth")], big.into_bytes()).await;
    assert!(r.status == 413 || r.status == 400, "oversize body: {}", r.status);
    assert!(!r.error_type().is_empty());

    // A NUL character anywhere (PostgreSQL cannot store one): refused at the door.
    let nul = c
        .call("InitiateAuth", json!({ "ClientId": "a\u{0}", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "ivy", "PASSWORD": PW } }))
        .await
        .err("InvalidParameterException");
    assert!(nul["message"].as_str().unwrap().contains("NUL"), "{nul}");
    c.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "iv\u{0}y", "PASSWORD": PW } }))
        .await
        .err("InvalidParameterException");
    // A username far longer than any index entry: an unknown user, not a server fault. Repeated,
    // so the failure counts are written with it too.
    for _ in 0..2 {
        c.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "x".repeat(8000), "PASSWORD": PW } }))
            .await
            .err("NotAuthorizedException");
    }

    // None of that changed anything.
    c.sign_in(&client, "ivy", PW).await.ok();
    app.stop().await;
});

/// The headers to send for an admin call signed over `hdrs` (which include `host`) and `body`:
/// `hdrs` without `host`, and the signer's date and authorization.
fn sign_admin(
    url: &str,
    key: &(String, String),
    hdrs: &[(&'static str, String)],
    body: aws_sigv4::http_request::SignableBody<'_>,
) -> Vec<(&'static str, String)> {
    let identity = aws_credential_types::Credentials::new(&key.0, &key.1, None, None, "t").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-2")
        .name("cognito-idp")
        .time(std::time::SystemTime::now())
        .settings(aws_sigv4::http_request::SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        "POST",
        format!("{url}/"),
        hdrs.iter().map(|(k, v)| (*k, v.as_str())),
        body,
    )
    .unwrap();
    let (ins, _) = aws_sigv4::http_request::sign(signable, &params).unwrap().into_parts();
    let mut out: Vec<(&'static str, String)> = hdrs.iter().filter(|(k, _)| *k != "host").cloned().collect();
    for (k, v) in ins.headers() {
        out.push((if k == "authorization" { "authorization" } else { "x-amz-date" }, v.to_owned()));
    }
    out
}

both_backends!(tampered_signed_body_is_refused, |app| {
    let c = Cognito::new(&app);
    // Sign one body, send another, by replaying the signature headers.
    let key = app.admin_key.clone();
    let signed = c
        .signed_with("CreateUserPool", json!({ "PoolName": "a" }), (&key.0, &key.1), std::time::SystemTime::now())
        .await;
    assert_eq!(signed.status, 200);
    // Build the signature by hand for body A and post body B with it.
    let body_a = json!({ "PoolName": "one" }).to_string();
    let body_b = json!({ "PoolName": "two" }).to_string();
    let host = app.url.trim_start_matches("http://").to_owned();
    let hdrs = [
        ("content-type", "application/x-amz-json-1.1".to_owned()),
        ("host", host),
        ("x-amz-target", "AWSCognitoIdentityProviderService.CreateUserPool".to_owned()),
    ];
    let headers = sign_admin(&app.url, &key, &hdrs, aws_sigv4::http_request::SignableBody::Bytes(body_a.as_bytes()));
    c.raw(headers.clone(), body_b.clone().into_bytes()).await.err("InvalidSignatureException");
    c.raw(headers, body_a.clone().into_bytes()).await.ok();
    // Signed as UNSIGNED-PAYLOAD: the body is hashed anyway, as AWS's JSON services do, so the
    // signature covers no body and is refused whichever is sent.
    let mut unsigned = hdrs.to_vec();
    unsigned.push(("x-amz-content-sha256", "UNSIGNED-PAYLOAD".to_owned()));
    let h = sign_admin(&app.url, &key, &unsigned, aws_sigv4::http_request::SignableBody::UnsignedPayload);
    c.raw(h.clone(), body_b.clone().into_bytes()).await.err("InvalidSignatureException");
    c.raw(h, body_a.clone().into_bytes()).await.err("InvalidSignatureException");
    // X-Amz-Target left out of the signature: it names the operation, so it must be signed.
    let untargeted = [hdrs[0].clone(), hdrs[1].clone()];
    let mut h =
        sign_admin(&app.url, &key, &untargeted, aws_sigv4::http_request::SignableBody::Bytes(body_a.as_bytes()));
    h.push(hdrs[2].clone());
    c.raw(h, body_a.into_bytes()).await.err("IncompleteSignatureException");
    let names: Vec<String> = c.admin("ListUserPools", json!({ "MaxResults": 10 })).await.ok()["UserPools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"one".to_owned()) && !names.contains(&"two".to_owned()), "{names:?}");
    app.stop().await;
});

both_backends!(user_existence_and_secret_hash, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "jack", PW, "jack@example.com").await;
    let wrong = c.sign_in(&client, "jack", "Wrong-Pass-1").await.err("NotAuthorizedException");
    let unknown = c.sign_in(&client, "nobody", "Wrong-Pass-1").await.err("NotAuthorizedException");
    assert_eq!(wrong["message"], unknown["message"], "an unknown user looks like a wrong password");
    let legacy = c
        .admin("CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "legacy", "PreventUserExistenceErrors": "LEGACY", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] }))
        .await
        .ok()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.sign_in(&legacy, "nobody", "Wrong-Pass-1").await.err("UserNotFoundException");
    // The refresh flow is not allowed on the legacy client.
    let t = c.sign_in(&legacy, "jack", PW).await.ok()["AuthenticationResult"]["RefreshToken"].clone();
    c.call(
        "InitiateAuth",
        json!({ "ClientId": legacy, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": t } }),
    )
    .await
    .err("InvalidParameterException");
    // A refresh token only works with the client it was issued to.
    c.call(
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": t } }),
    )
    .await
    .err("NotAuthorizedException");
    app.stop().await;
});

mod throttling {
    use super::*;

    async fn run(app: TestApp) {
        let c = Cognito::new(&app);
        let (pool, client) = c.setup("OFF").await;
        c.user(&pool, "kim", PW, "kim@example.com").await;
        let attempt = |id: &str, pw: &str| {
            let body = json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "kim", "PASSWORD": pw } });
            (vec![target("InitiateAuth"), ("amz-sdk-invocation-id", id.to_owned())], body.to_string().into_bytes())
        };
        // A success clears earlier failures.
        for i in 0..2 {
            let (h, b) = attempt(&format!("early-{i}"), "Wrong-Pass-1");
            c.raw(h, b).await.err("NotAuthorizedException");
        }
        let (h, b) = attempt("early-ok", PW);
        c.raw(h, b).await.ok();
        // Every failure counts, even when the client sends one invocation id each time (the
        // attempt id is the server's own).
        for _ in 0..3 {
            let (h, b) = attempt("same-call", "Wrong-Pass-1");
            c.raw(h, b).await.err("NotAuthorizedException");
        }
        // Three failures reached the limit: even the right password is refused, with Cognito's
        // NotAuthorized (which botocore does not retry).
        let (h, b) = attempt("same-call", PW);
        let over = c.raw(h, b).await.err("NotAuthorizedException");
        assert_eq!(over["message"], "Password attempts exceeded");
        // Another user is not affected.
        c.user(&pool, "lee", PW, "lee@example.com").await;
        c.sign_in(&client, "lee", PW).await.ok();
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn per_user_limit_counts_every_failure() {
        let app = TestApp::spawn_with(Backend::Sqlite, |cfg| cfg.throttle.per_user = 3).await.unwrap();
        run(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn per_user_limit_counts_every_failure_postgres() {
        if let Some(app) = TestApp::spawn_with(Backend::Postgres, |cfg| cfg.throttle.per_user = 3).await {
            run(app).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn per_source_limit() {
        let app = TestApp::spawn_with(Backend::Sqlite, |cfg| cfg.throttle.per_source = 2).await.unwrap();
        let c = Cognito::new(&app);
        let (_pool, client) = c.setup("OFF").await;
        c.sign_in(&client, "a", "Wrong-Pass-1").await.err("NotAuthorizedException");
        c.sign_in(&client, "b", "Wrong-Pass-1").await.err("NotAuthorizedException");
        c.sign_in(&client, "c", "Wrong-Pass-1").await.err("TooManyRequestsException");
        app.stop().await;
    }
}

both_backends!(attributes_are_checked_and_addresses_stay_unique, |app| {
    let c = Cognito::new(&app);
    let pool = c.admin("CreateUserPool", json!({ "PoolName": "by-email", "UsernameAttributes": ["email"] })).await.ok()
        ["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = c
        .admin(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "app", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )
        .await
        .ok()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.user(&pool, "vic", PW, "vic@example.com").await;
    c.sign_in(&client, "vic@example.com", PW).await.ok();
    let sign_up = |username: &str, attributes: serde_json::Value| json!({ "ClientId": client, "Username": username, "Password": PW, "UserAttributes": attributes });
    // Another account cannot take Vic's address, as its email or as its username.
    let taken = c
        .call("SignUp", sign_up("mallory", json!([{ "Name": "email", "Value": "vic@example.com" }])))
        .await
        .err("UsernameExistsException");
    assert!(taken["message"].as_str().unwrap().contains("email"), "{taken}");
    c.call("SignUp", sign_up("vic@example.com", json!([{ "Name": "email", "Value": "m@example.com" }])))
        .await
        .err("UsernameExistsException");
    c.admin(
        "AdminCreateUser",
        json!({ "UserPoolId": pool, "Username": "mal2", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "vic@example.com" }] }),
    )
    .await
    .err("UsernameExistsException");
    // No attribute may pose as a claim Warden issues, and addresses must be addresses.
    for (name, value) in [
        ("cognito:groups", "admins"),
        ("cognito:username", "vic"),
        ("origin_jti", "x"),
        ("email", "bad address@example.com"),
        ("phone_number", "12345"),
    ] {
        c.call("SignUp", sign_up("eve", json!([{ "Name": name, "Value": value }])))
            .await
            .err("InvalidParameterException");
    }
    // A user on an administrator's temporary password cannot reset it by themselves; one with no
    // address cannot be reset at all, and the refusal changes nothing.
    c.admin(
        "AdminCreateUser",
        json!({ "UserPoolId": pool, "Username": "tmp", "MessageAction": "SUPPRESS", "TemporaryPassword": "Temp-Passw0rd-1",
                "UserAttributes": [{ "Name": "email", "Value": "tmp@example.com" }] }),
    )
    .await
    .ok();
    // (PreventUserExistenceErrors, the default: answered as a user sent a code, and none is sent.)
    let sent = c.call("ForgotPassword", json!({ "ClientId": client, "Username": "tmp" })).await.ok();
    assert_eq!(sent["CodeDeliveryDetails"]["Destination"], "t***@e***");
    assert!(!app.outbox().await.iter().any(|m| m["template"] == "forgot_password" && m["to"] == "tmp@example.com"));
    let legacy = c.legacy_client(&pool).await;
    c.call("ForgotPassword", json!({ "ClientId": legacy, "Username": "tmp" })).await.err("NotAuthorizedException");
    // A forced-new-password step opened with the temporary password dies when an administrator
    // sets the password meanwhile: the old step cannot replace it.
    let step = c.sign_in(&client, "tmp", "Temp-Passw0rd-1").await.ok();
    assert_eq!(step["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    c.admin(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool, "Username": "tmp", "Password": PW, "Permanent": true }),
    )
    .await
    .ok();
    c.call(
        "RespondToAuthChallenge",
        json!({ "ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": step["Session"],
                "ChallengeResponses": { "USERNAME": "tmp", "NEW_PASSWORD": "Other-Passw0rd-2" } }),
    )
    .await
    .err("NotAuthorizedException");
    c.sign_in(&client, "tmp", PW).await.ok();
    c.admin("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "bare", "MessageAction": "SUPPRESS" }))
        .await
        .ok();
    c.admin("AdminResetUserPassword", json!({ "UserPoolId": pool, "Username": "bare" }))
        .await
        .err("InvalidParameterException");
    let bare = c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "bare" })).await.ok();
    assert_eq!(bare["UserStatus"], "FORCE_CHANGE_PASSWORD");
    // A client with WriteAttributes and ReadAttributes: it sets and reads only those.
    let narrow = c
        .admin(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "narrow", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
                    "WriteAttributes": ["email", "name"], "ReadAttributes": ["email"] }),
        )
        .await
        .ok()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let sign_up_narrow = json!({ "ClientId": narrow, "Username": "nia@example.com", "Password": PW,
                                 "UserAttributes": [{ "Name": "email", "Value": "nia@example.com" }, { "Name": "custom:role", "Value": "admin" }] });
    c.call("SignUp", sign_up_narrow).await.err("NotAuthorizedException");
    let id_token = c.sign_in(&narrow, "vic@example.com", PW).await.ok()["AuthenticationResult"]["IdToken"].clone();
    let claims = verified_claims(&app.url, &pool, id_token.as_str().unwrap()).await;
    assert_eq!(claims["email"], "vic@example.com");
    assert!(claims.get("email_verified").is_none(), "not in ReadAttributes: {claims}");
    // Vic still signs in by address, and none of those attempts made a user.
    c.sign_in(&client, "vic@example.com", PW).await.ok();
    for name in ["mallory", "mal2", "eve"] {
        c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": name })).await.err("UserNotFoundException");
    }
    app.stop().await;
});

both_backends!(a_code_that_cannot_be_sent_undoes_the_sign_up, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    // The dev outbox cannot be written: a directory stands where its file would be.
    let outbox = app.data_dir.join("outbox.jsonl");
    std::fs::create_dir_all(&outbox).unwrap();
    let sign_up = json!({ "ClientId": client, "Username": "zed", "Password": PW,
                          "UserAttributes": [{ "Name": "email", "Value": "zed@example.com" }] });
    let failed = c.call("SignUp", sign_up.clone()).await;
    assert!(failed.status >= 500, "a delivery failure is the server's: {}", failed.status);
    c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "zed" })).await.err("UserNotFoundException");
    let created = c
        .admin(
            "AdminCreateUser",
            json!({ "UserPoolId": pool, "Username": "amy", "UserAttributes": [{ "Name": "email", "Value": "amy@example.com" }] }),
        )
        .await;
    assert!(created.status >= 500, "{}", created.status);
    c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "amy" })).await.err("UserNotFoundException");
    // Once the outbox works again, the same sign-up goes through (the retry botocore would make).
    std::fs::remove_dir(&outbox).unwrap();
    c.call("SignUp", sign_up).await.ok();
    assert_eq!(app.outbox().await.len(), 1);
    app.stop().await;
});
