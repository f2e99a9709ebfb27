//! Bad input gets Cognito's error for it, HTTP 400, and changes nothing.

mod common;

use common::*;
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

    // None of that changed anything.
    c.sign_in(&client, "ivy", PW).await.ok();
    app.stop().await;
});

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
    let hdrs = [
        ("content-type", "application/x-amz-json-1.1".to_owned()),
        ("host", host),
        ("x-amz-target", "AWSCognitoIdentityProviderService.CreateUserPool".to_owned()),
    ];
    let signable = aws_sigv4::http_request::SignableRequest::new(
        "POST",
        format!("{}/", app.url),
        hdrs.iter().map(|(k, v)| (*k, v.as_str())),
        aws_sigv4::http_request::SignableBody::Bytes(body_a.as_bytes()),
    )
    .unwrap();
    let (ins, _) = aws_sigv4::http_request::sign(signable, &params).unwrap().into_parts();
    let mut headers: Vec<(&str, String)> = vec![hdrs[0].clone(), hdrs[2].clone()];
    for (k, v) in ins.headers() {
        headers.push((if k == "authorization" { "authorization" } else { "x-amz-date" }, v.to_owned()));
    }
    c.raw(headers.clone(), body_b.into_bytes()).await.err("InvalidSignatureException");
    c.raw(headers, body_a.into_bytes()).await.ok();
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
        // botocore resends one call with the same invocation id: it counts once.
        for _ in 0..3 {
            let (h, b) = attempt("same-call", "Wrong-Pass-1");
            c.raw(h, b).await.err("NotAuthorizedException");
        }
        for i in 0..2 {
            let (h, b) = attempt(&format!("call-{i}"), "Wrong-Pass-1");
            c.raw(h, b).await.err("NotAuthorizedException");
        }
        // Three distinct failures reached the limit: even the right password is refused now.
        let (h, b) = attempt("call-right", PW);
        c.raw(h, b).await.err("LimitExceededException");
        // Another user is not affected.
        c.user(&pool, "lee", PW, "lee@example.com").await;
        c.sign_in(&client, "lee", PW).await.ok();
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn per_user_limit_counts_retries_once() {
        let app = TestApp::spawn_with(Backend::Sqlite, |cfg| cfg.throttle.per_user = 3).await.unwrap();
        run(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn per_user_limit_counts_retries_once_postgres() {
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
