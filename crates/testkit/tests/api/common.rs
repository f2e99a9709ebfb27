//! A small Cognito wire client for the integration tests: unsigned calls, SigV4-signed admin
//! calls (signed with the `aws-sigv4` crate, as an AWS SDK would), and helpers.
#![allow(dead_code)]

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde_json::{json, Value};
pub use warden_testkit::{Backend, TestApp};

/// Expands a test body into one test per backend.
#[macro_export]
macro_rules! both_backends {
    // With the configuration changed by `$tweak` (a closure taking `&mut Config`).
    ($name:ident, config $tweak:expr, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::spawn_with(Backend::Sqlite, $tweak).await.expect("sqlite app");
                run(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match TestApp::spawn_with(Backend::Postgres, $tweak).await {
                    Some(app) => run(app).await,
                    None => eprintln!("skipped: WARDEN_TEST_POSTGRES_URL is not set"),
                }
            }
        }
    };
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
                run(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match TestApp::spawn(Backend::Postgres).await {
                    Some(app) => run(app).await,
                    None => eprintln!("skipped: WARDEN_TEST_POSTGRES_URL is not set"),
                }
            }
        }
    };
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub request_id: Option<String>,
    pub cache_control: Option<String>,
}

impl Reply {
    pub fn error_type(&self) -> &str {
        self.body.get("__type").and_then(Value::as_str).unwrap_or("")
    }
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected success, got {} {}", self.status, self.body);
        self.body
    }
    /// Asserts a 400 with the given `__type`.
    pub fn err(self, kind: &str) -> Value {
        assert_eq!(self.status, 400, "expected 400 {kind}, got {} {}", self.status, self.body);
        assert_eq!(self.error_type(), kind, "{}", self.body);
        self.body
    }
}

pub struct Cognito {
    pub url: String,
    pub http: reqwest::Client,
    pub key: (String, String),
    /// The region of signed calls' credential scope.
    pub region: String,
}

impl Cognito {
    /// A client whose calls come from `ip`, a loopback address other than 127.0.0.1 (a source of
    /// its own for per-source limits).
    pub fn from_address(app: &TestApp, ip: [u8; 4]) -> Self {
        let http = reqwest::Client::builder().local_address(std::net::IpAddr::from(ip)).build().unwrap();
        Self { http, ..Self::new(app) }
    }

    /// A client of `pool` with PreventUserExistenceErrors LEGACY: errors say what happened.
    pub async fn legacy_client(&self, pool: &str) -> String {
        let r = self
            .admin(
                "CreateUserPoolClient",
                json!({ "UserPoolId": pool, "ClientName": "legacy", "PreventUserExistenceErrors": "LEGACY" }),
            )
            .await
            .ok();
        r["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned()
    }

    pub fn new(app: &TestApp) -> Self {
        Self {
            url: app.url.clone(),
            http: reqwest::Client::new(),
            key: app.admin_key.clone(),
            region: "eu-west-2".into(),
        }
    }

    pub async fn raw(&self, headers: Vec<(&str, String)>, body: Vec<u8>) -> Reply {
        let mut req = self.http.post(format!("{}/", self.url)).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let request_id = resp.headers().get("x-amzn-requestid").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let cache_control = resp.headers().get("cache-control").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, request_id, cache_control }
    }

    fn target(op: &str) -> (&'static str, String) {
        ("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"))
    }

    /// An unsigned call.
    pub async fn call(&self, op: &str, body: Value) -> Reply {
        let headers = vec![Self::target(op), ("content-type", "application/x-amz-json-1.1".into())];
        self.raw(headers, body.to_string().into_bytes()).await
    }

    /// A call signed with `key` at `time`.
    pub async fn signed_with(&self, op: &str, body: Value, key: (&str, &str), time: SystemTime) -> Reply {
        self.signed_for(("cognito-idp", "AWSCognitoIdentityProviderService"), op, body, key, time).await
    }

    /// A cognito-identity call signed with the app's bootstrap admin key.
    pub async fn identity_admin(&self, op: &str, body: Value) -> Reply {
        let key = self.key.clone();
        self.signed_for(
            ("cognito-identity", "AWSCognitoIdentityService"),
            op,
            body,
            (&key.0, &key.1),
            SystemTime::now(),
        )
        .await
    }

    /// An unsigned cognito-identity call.
    pub async fn identity(&self, op: &str, body: Value) -> Reply {
        let headers = vec![
            ("x-amz-target", format!("AWSCognitoIdentityService.{op}")),
            ("content-type", "application/x-amz-json-1.1".into()),
        ];
        self.raw(headers, body.to_string().into_bytes()).await
    }

    /// A call to `service` (signing name, target prefix) signed with `key` at `time`.
    pub async fn signed_for(
        &self,
        service: (&str, &str),
        op: &str,
        body: Value,
        key: (&str, &str),
        time: SystemTime,
    ) -> Reply {
        let body = body.to_string().into_bytes();
        let host = self.url.trim_start_matches("http://").to_owned();
        let target = format!("{}.{op}", service.1);
        let base =
            [("content-type", "application/x-amz-json-1.1".to_owned()), ("host", host), ("x-amz-target", target)];
        let identity = Credentials::new(key.0, key.1, None, None, "test").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(service.0)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let signable = SignableRequest::new(
            "POST",
            format!("{}/", self.url),
            base.iter().map(|(k, v)| (*k, v.as_str())),
            SignableBody::Bytes(&body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let mut headers: Vec<(&str, String)> =
            base.iter().filter(|(k, _)| *k != "host").map(|(k, v)| (*k, v.clone())).collect();
        for (k, v) in instructions.headers() {
            let k: &'static str = match k {
                "authorization" => "authorization",
                "x-amz-date" => "x-amz-date",
                other => panic!("unexpected signing header {other}"),
            };
            headers.push((k, v.to_owned()));
        }
        self.raw(headers, body).await
    }

    /// A call signed with the app's bootstrap admin key, now.
    pub async fn admin(&self, op: &str, body: Value) -> Reply {
        let key = self.key.clone();
        self.signed_with(op, body, (&key.0, &key.1), SystemTime::now()).await
    }

    /// A pool, a public client allowing password and refresh flows (plus admin), returned as ids.
    pub async fn setup(&self, mfa: &str) -> (String, String) {
        let pool = self.admin("CreateUserPool", json!({ "PoolName": "test", "MfaConfiguration": mfa })).await.ok();
        let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
        let client = self
            .admin(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": "app",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
                }),
            )
            .await
            .ok();
        (pool_id, client["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned())
    }

    /// A CONFIRMED user with a permanent password.
    pub async fn user(&self, pool_id: &str, username: &str, password: &str, email: &str) {
        self.admin(
            "AdminCreateUser",
            json!({
                "UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": email }, { "Name": "email_verified", "Value": "true" }],
            }),
        )
        .await
        .ok();
        self.admin(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": true }),
        )
        .await
        .ok();
    }

    pub async fn sign_in(&self, client_id: &str, username: &str, password: &str) -> Reply {
        self.call(
            "InitiateAuth",
            json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": username, "PASSWORD": password } }),
        )
        .await
    }
}

/// The claims of a JWT, verified against the server's JWKS for `pool_id`.
pub async fn verified_claims(url: &str, pool_id: &str, token: &str) -> Value {
    let jwks: Value =
        reqwest::get(format!("{url}/{pool_id}/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let kid = header.kid.expect("kid");
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).expect("key in JWKS");
    let key =
        jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.validate_aud = false;
    v.set_issuer(&[format!("{url}/{pool_id}")]);
    jsonwebtoken::decode::<Value>(token, &key, &v).expect("token verifies").claims
}
