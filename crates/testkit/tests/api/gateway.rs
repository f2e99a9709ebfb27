//! The gateway: SigV4 requests signed with identity-pool credentials and Warden bearer tokens
//! reach the upstream with identity headers; everything else is refused and never reaches it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::common::*;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde_json::{json, Value};
use warden_core::Clock;
use warden_gateway::{GatewayConfig, Route, Verifier};

const PW: &str = "Correct-Horse-1";
const ROLE: &str = "arn:aws:iam::000000000000:role/scribe-api";

/// An upstream that echoes what it received and counts hits.
async fn upstream(hits: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let hits = hits.clone();
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            let headers: serde_json::Map<String, Value> = req
                .headers()
                .iter()
                .filter(|(k, _)| k.as_str().starts_with("x-warden-") || k.as_str() == "authorization")
                .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
                .collect();
            let path = req.uri().to_string();
            let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap();
            axum::Json(json!({ "path": path, "headers": headers, "body": String::from_utf8_lossy(&body) }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn gateway(app: &TestApp, upstream: &str) -> String {
    gateway_for_pools(app, upstream, Vec::new()).await
}

/// A gateway admitting access tokens of `pools` only (empty: every pool).
async fn gateway_for_pools(app: &TestApp, upstream: &str, pools: Vec<String>) -> String {
    let config = GatewayConfig {
        pools,
        upstream: upstream.to_owned(),
        routes: vec![
            Route { prefix: "/v1".into(), methods: vec![], permission: "read".into() },
            Route { prefix: "/v1/jobs".into(), methods: vec!["POST".into()], permission: "write".into() },
            Route { prefix: "/v1/admin".into(), methods: vec![], permission: "delete".into() },
        ],
        roles: [(ROLE.to_owned(), vec!["read".to_owned(), "write".to_owned()])].into(),
        scopes: [("aws.cognito.signin.user.admin".to_owned(), vec!["read".to_owned()])].into(),
        ..GatewayConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = warden_gateway::router(Verifier::new(app.warden.clone(), config)).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

struct Creds {
    akid: String,
    secret: String,
    token: String,
}

/// Signs like botocore's SigV4Auth for execute-api with UNSIGNED-PAYLOAD.
fn signed(url: &str, method: &str, path: &str, body: &str, c: &Creds, at: SystemTime) -> reqwest::RequestBuilder {
    let host = url.trim_start_matches("http://").to_owned();
    let base = [
        ("host", host),
        ("x-amz-content-sha256", "UNSIGNED-PAYLOAD".to_owned()),
        ("content-type", "application/json".to_owned()),
    ];
    let identity = Credentials::new(&c.akid, &c.secret, Some(c.token.clone()), None, "t").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-2")
        .name("execute-api")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let full = format!("{url}{path}");
    let req = SignableRequest::new(
        method,
        full.clone(),
        base.iter().map(|(k, v)| (*k, v.as_str())),
        SignableBody::UnsignedPayload,
    )
    .unwrap();
    let (ins, _) = sign(req, &params).unwrap().into_parts();
    let mut b = reqwest::Client::new().request(method.parse().unwrap(), full).body(body.to_owned());
    for (k, v) in base.iter().filter(|(k, _)| *k != "host") {
        b = b.header(*k, v);
    }
    for (k, v) in ins.headers() {
        b = b.header(k, v);
    }
    b
}

/// An identity pool trusting the user pool's client, whose authenticated role is ROLE; returns
/// its id and the provider name logins use.
async fn identity_pool_with_role(c: &Cognito, pool: &str, client: &str) -> (String, String) {
    let provider = format!("cognito-idp.eu-west-2.amazonaws.com/{pool}");
    let created = c
        .identity_admin(
            "CreateIdentityPool",
            json!({ "IdentityPoolName": "api", "AllowUnauthenticatedIdentities": false,
                    "CognitoIdentityProviders": [{ "ProviderName": provider, "ClientId": client }] }),
        )
        .await
        .ok();
    let ip = created["IdentityPoolId"].as_str().unwrap().to_owned();
    c.identity_admin("SetIdentityPoolRoles", json!({ "IdentityPoolId": ip, "Roles": { "authenticated": ROLE } }))
        .await
        .ok();
    (ip, provider)
}

/// Signs `who` in and trades the id token for identity-pool credentials: the credentials, the
/// identity id, their Expiration and the user-pool tokens.
async fn federated(c: &Cognito, client: &str, ip: &str, provider: &str, who: &str) -> (Creds, String, i64, Value) {
    let t = c.sign_in(client, who, PW).await.ok()["AuthenticationResult"].clone();
    let id = c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": { provider: t["IdToken"] } })).await.ok()
        ["IdentityId"]
        .as_str()
        .unwrap()
        .to_owned();
    let cr = c
        .identity("GetCredentialsForIdentity", json!({ "IdentityId": id, "Logins": { provider: t["IdToken"] } }))
        .await
        .ok();
    let k = &cr["Credentials"];
    let creds = Creds {
        akid: k["AccessKeyId"].as_str().unwrap().into(),
        secret: k["SecretKey"].as_str().unwrap().into(),
        token: k["SessionToken"].as_str().unwrap().into(),
    };
    (creds, id, k["Expiration"].as_i64().unwrap(), t)
}

both_backends!(gateway_admits_only_verified_permitted_requests, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "pia", PW, "pia@example.com").await;
    c.user(&pool, "quin", PW, "quin@example.com").await;
    let (ip, provider) = identity_pool_with_role(&c, &pool, &client).await;
    let (pia, pia_id, _, pia_tokens) = federated(&c, &client, &ip, &provider, "pia").await;
    let (quin, ..) = federated(&c, &client, &ip, &provider, "quin").await;

    let hits = Arc::new(AtomicUsize::new(0));
    let up = upstream(hits.clone()).await;
    let gw = gateway(&app, &up).await;
    let now = SystemTime::now();

    // A signed request goes through with the identity headers.
    let r = signed(&gw, "GET", "/v1/docs?x=1", "", &pia, now).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let echo: Value = r.json().await.unwrap();
    assert_eq!(echo["path"], "/v1/docs?x=1");
    assert_eq!(echo["headers"]["x-warden-sub"], pia_id.as_str());
    assert_eq!(echo["headers"]["x-warden-auth"], "sigv4");
    assert_eq!(echo["headers"]["x-warden-permissions"], "read write");
    assert_eq!(echo["headers"]["x-warden-role"], ROLE);
    assert!(echo["headers"].get("authorization").is_none(), "credentials are not passed on");
    let post = signed(&gw, "POST", "/v1/jobs", "{\"a\":1}", &pia, now).send().await.unwrap();
    assert_eq!(post.status(), 200);
    assert_eq!(post.json::<Value>().await.unwrap()["body"], "{\"a\":1}");
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    // Refusals never reach the upstream.
    let refused = |status: u16, r: reqwest::Response| async move {
        assert_eq!(r.status().as_u16(), status);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    };
    refused(401, reqwest::Client::new().get(format!("{gw}/v1/docs")).send().await.unwrap()).await;
    refused(403, signed(&gw, "GET", "/v1/admin/x", "", &pia, now).send().await.unwrap()).await;
    refused(403, signed(&gw, "GET", "/elsewhere", "", &pia, now).send().await.unwrap()).await;
    // Tampered: signed for one path, sent to another.
    let tampered = signed(&gw, "GET", "/v1/docs", "", &pia, now).build().unwrap();
    let mut forged = reqwest::Request::new(tampered.method().clone(), format!("{gw}/v1/secrets").parse().unwrap());
    *forged.headers_mut() = tampered.headers().clone();
    refused(403, reqwest::Client::new().execute(forged).await.unwrap()).await;
    // Tampered header: a signed header changed.
    let mut changed = signed(&gw, "GET", "/v1/docs", "", &pia, now).build().unwrap();
    changed.headers_mut().insert("content-type", "text/plain".parse().unwrap());
    refused(403, reqwest::Client::new().execute(changed).await.unwrap()).await;
    // A signed header sent twice: the second value is not what was signed (AWS joins repeated
    // values with commas before signing), so the request is refused, not forwarded with both.
    let mut repeated = signed(&gw, "GET", "/v1/docs", "", &pia, now).build().unwrap();
    repeated.headers_mut().append("content-type", "text/plain".parse().unwrap());
    refused(403, reqwest::Client::new().execute(repeated).await.unwrap()).await;
    // Stale signature.
    refused(401, signed(&gw, "GET", "/v1/docs", "", &pia, now - Duration::from_secs(20 * 60)).send().await.unwrap())
        .await;
    // Another identity's session token with Pia's key.
    let swapped = Creds { akid: pia.akid.clone(), secret: pia.secret.clone(), token: quin.token.clone() };
    refused(401, signed(&gw, "GET", "/v1/docs", "", &swapped, now).send().await.unwrap()).await;
    // Wrong secret.
    let wrong = Creds { akid: pia.akid.clone(), secret: "x".repeat(40), token: pia.token.clone() };
    refused(403, signed(&gw, "GET", "/v1/docs", "", &wrong, now).send().await.unwrap()).await;
    // Forged identity headers are replaced, in either spelling.
    let r = signed(&gw, "GET", "/v1/docs", "", &pia, now)
        .header("x-warden-sub", "admin")
        .header("x_warden_role", "admin")
        .send()
        .await
        .unwrap();
    let seen = r.json::<Value>().await.unwrap();
    assert_eq!(seen["headers"]["x-warden-sub"], pia_id.as_str());
    assert!(seen["headers"].get("x_warden_role").is_none(), "{seen}");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    // A path another server would read differently from the route it matched here: refused.
    for path in
        ["/v1/%61dmin/x", "/v1//admin/x", "/v1/admin;x", "/v1/ad%00min", "/v1/admin%09", "/v1/a%20b", "/v1/admin%7F"]
    {
        refused(400, signed(&gw, "GET", path, "", &pia, now).send().await.unwrap()).await;
    }
    // A path an upstream would route to /v1/admin (without case, as Express and ASP.NET Core
    // do, or without its format suffix, as Rails does) needs /v1/admin's permission.
    for path in ["/v1/Admin/x", "/v1/ADMIN/X", "/v1/admin.json", "/v1/Admin.json/x"] {
        refused(403, signed(&gw, "POST", path, "", &pia, now).send().await.unwrap()).await;
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    // A bearer access token: the scope maps to read only.
    let bearer = |token: Value| {
        reqwest::Client::new().get(format!("{gw}/v1/docs")).bearer_auth(token.as_str().unwrap().to_owned())
    };
    let r = bearer(pia_tokens["AccessToken"].clone()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["headers"]["x-warden-scopes"], "aws.cognito.signin.user.admin");
    refused(
        403,
        reqwest::Client::new()
            .post(format!("{gw}/v1/jobs"))
            .bearer_auth(pia_tokens["AccessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused(401, bearer(pia_tokens["IdToken"].clone()).send().await.unwrap()).await;
    // A gateway that admits another pool's tokens only.
    let via = |gw: String| {
        reqwest::Client::new().get(format!("{gw}/v1/docs")).bearer_auth(pia_tokens["AccessToken"].as_str().unwrap())
    };
    let elsewhere = gateway_for_pools(&app, &up, vec!["eu-west-2_other".into()]).await;
    refused(401, via(elsewhere).send().await.unwrap()).await;
    let mine = gateway_for_pools(&app, &up, vec![pool.clone()]).await;
    assert_eq!(via(mine).send().await.unwrap().status(), 200);

    // After a global sign-out, both the token and the credentials are dead.
    c.call("GlobalSignOut", json!({ "AccessToken": pia_tokens["AccessToken"] })).await.ok();
    // The gateway remembers a verification for one second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    refused(401, signed(&gw, "GET", "/v1/docs", "", &pia, now).send().await.unwrap()).await;
    refused(401, bearer(pia_tokens["AccessToken"].clone()).send().await.unwrap()).await;
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    app.stop().await;
});

/// Signs with the payload hash in `x-amz-content-sha256` (a signed body).
fn signed_body(url: &str, path: &str, body: &str, c: &Creds) -> reqwest::RequestBuilder {
    use sha2::Digest;
    let host = url.trim_start_matches("http://").to_owned();
    let hash = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    let base = [("host", host), ("x-amz-content-sha256", hash)];
    let identity = Credentials::new(&c.akid, &c.secret, Some(c.token.clone()), None, "t").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-2")
        .name("execute-api")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let full = format!("{url}{path}");
    let req = SignableRequest::new(
        "POST",
        full.clone(),
        base.iter().map(|(k, v)| (*k, v.as_str())),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (ins, _) = sign(req, &params).unwrap().into_parts();
    let mut b = reqwest::Client::new().post(full).header("x-amz-content-sha256", &base[1].1);
    for (k, v) in ins.headers() {
        b = b.header(k, v);
    }
    b
}

both_backends!(signed_bodies_and_the_tower_layer, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "rae", PW, "rae@example.com").await;
    let (ip, provider) = identity_pool_with_role(&c, &pool, &client).await;
    let (creds, id, ..) = federated(&c, &client, &ip, &provider, "rae").await;

    // A Rust service that embeds the check as a layer.
    let config = GatewayConfig {
        routes: vec![Route { prefix: "/v1/jobs".into(), methods: vec!["POST".into()], permission: "write".into() }],
        roles: [(ROLE.to_owned(), vec!["write".to_owned()])].into(),
        ..GatewayConfig::default()
    };
    let hits = Arc::new(AtomicUsize::new(0));
    let h2 = hits.clone();
    let service = axum::Router::new()
        .route(
            "/v1/jobs",
            axum::routing::post(move |caller: axum::Extension<warden_gateway::Caller>, body: String| {
                let h2 = h2.clone();
                async move {
                    h2.fetch_add(1, Ordering::SeqCst);
                    axum::Json(json!({ "sub": caller.sub, "body": body }))
                }
            }),
        )
        .layer(warden_gateway::layer(Verifier::new(app.warden.clone(), config)));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, service).await.unwrap() });

    let r = signed_body(&url, "/v1/jobs", "{\"n\":1}", &creds).body("{\"n\":1}").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let seen: Value = r.json().await.unwrap();
    assert_eq!(seen["sub"], id);
    assert_eq!(seen["body"], "{\"n\":1}");
    // The signed body changed in transit.
    let r = signed_body(&url, "/v1/jobs", "{\"n\":1}", &creds).body("{\"n\":2}").send().await.unwrap();
    assert_eq!(r.status(), 403);
    // No credentials at all.
    assert_eq!(reqwest::Client::new().post(format!("{url}/v1/jobs")).send().await.unwrap().status(), 401);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    app.stop().await;
});

/// Temporary credentials die at their Expiration: a request signed with them afterwards, or one
/// signed before and replayed, is refused even though the gateway remembers the verification.
async fn expired_credentials_are_refused(backend: Backend) {
    let start = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let clock = Arc::new(warden_core::clock::ManualClock::new(start));
    let Some(app) = TestApp::spawn_with_clock(backend, clock.clone()).await else { return };
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "uma", PW, "uma@example.com").await;
    let (ip, provider) = identity_pool_with_role(&c, &pool, &client).await;
    let (creds, _, expiration, _) = federated(&c, &client, &ip, &provider, "uma").await;
    let hits = Arc::new(AtomicUsize::new(0));
    let up = upstream(hits.clone()).await;
    let gw = gateway(&app, &up).await;
    let at = |secs: i64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64);

    assert_eq!(signed(&gw, "GET", "/v1/docs", "", &creds, at(clock.now())).send().await.unwrap().status(), 200);
    // A minute before the end they still work; signed at the same instant, the request is new.
    clock.advance(expiration - clock.now() - 60);
    let last = signed(&gw, "GET", "/v1/docs", "", &creds, at(clock.now())).build().unwrap();
    let replay = last.try_clone().unwrap();
    assert_eq!(reqwest::Client::new().execute(last).await.unwrap().status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // Past the Expiration: the same signed request replayed within the skew limit, and a fresh one.
    clock.advance(61);
    let r = reqwest::Client::new().execute(replay).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    let fresh = signed(&gw, "GET", "/v1/docs", "", &creds, at(clock.now())).send().await.unwrap();
    assert_eq!(fresh.status(), 401);
    assert_eq!(hits.load(Ordering::SeqCst), 2, "refused requests never reach the upstream");
    app.stop().await;
}

warden_testkit::on_both_stores!(expired_credentials_are_refused);
