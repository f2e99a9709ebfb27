//! A tiny browser and RP for the OIDC door's tests: cookies kept by hand, redirects not
//! followed, forms read out of the server's HTML.
#![allow(dead_code)]

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use warden_core::model::{ClientSettings, OAuthFlow, PoolSettings, ResourceServerScope};
use warden_core::service::ResourceServerSpec;
use warden_core::service::{ClientSpec, CreateUser, PoolSpec};
use warden_core::Secret;
use warden_testkit::TestApp;

pub const CALLBACK: &str = "http://127.0.0.1:9/cb";
pub const LOGOUT: &str = "http://127.0.0.1:9/bye";
pub const PASSWORD: &str = "Corr3ct-Horse!";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub struct Setup {
    pub pool_id: String,
    pub confidential: (String, String),
    pub public: String,
    pub rotating: (String, String),
    pub service: (String, String),
}

/// A pool with a user `alice`, a confidential and a public code-flow client, a confidential one
/// that rotates refresh tokens, and a service client with `api/read` — all made through core.
pub async fn setup(app: &TestApp) -> Setup {
    let w = &app.warden;
    let pool =
        w.directory.create_pool(PoolSpec { name: "oidc".into(), settings: PoolSettings::default() }).await.unwrap();
    w.directory
        .create_resource_server(ResourceServerSpec {
            pool_id: pool.id.clone(),
            identifier: "api".into(),
            name: "API".into(),
            scopes: vec![
                ResourceServerScope { name: "read".into(), description: "read".into() },
                ResourceServerScope { name: "write".into(), description: "write".into() },
            ],
        })
        .await
        .unwrap();
    let code_settings = |rotate: bool| ClientSettings {
        allowed_oauth_flows: vec![OAuthFlow::Code],
        allowed_oauth_scopes: vec!["openid".into(), "email".into(), "profile".into(), "api/read".into()],
        allowed_oauth_flows_user_pool_client: true,
        callback_urls: vec![CALLBACK.into()],
        logout_urls: vec![LOGOUT.into()],
        refresh_token_rotation: rotate,
        ..ClientSettings::default()
    };
    let make = |name: &str, secret: bool, settings: ClientSettings| {
        let spec = ClientSpec { pool_id: pool.id.clone(), name: name.into(), generate_secret: secret, settings };
        async move {
            let c = w.directory.create_client(spec).await.unwrap();
            (c.client.id, c.secret.map(|s| s.expose().clone()).unwrap_or_default())
        }
    };
    let confidential = make("web", true, code_settings(false)).await;
    let public = make("spa", false, code_settings(false)).await.0;
    let rotating = make("rotating", true, code_settings(true)).await;
    let service = make(
        "svc",
        true,
        ClientSettings {
            allowed_oauth_flows: vec![OAuthFlow::ClientCredentials],
            allowed_oauth_scopes: vec!["api/read".into()],
            allowed_oauth_flows_user_pool_client: true,
            ..ClientSettings::default()
        },
    )
    .await;
    user(app, &pool.id, "alice", "alice@example.com").await;
    Setup { pool_id: pool.id, confidential, public, rotating, service }
}

/// A CONFIRMED user with `PASSWORD`.
pub async fn user(app: &TestApp, pool_id: &str, username: &str, email: &str) {
    let w = &app.warden;
    let mut attributes = BTreeMap::new();
    attributes.insert("email".to_owned(), email.to_owned());
    attributes.insert("email_verified".to_owned(), "true".to_owned());
    w.directory
        .admin_create_user(CreateUser {
            pool_id: pool_id.into(),
            username: username.into(),
            temporary_password: Some(Secret::new("Temp-Passw0rd!".into())),
            attributes,
            message_action: Some("SUPPRESS".into()),
        })
        .await
        .unwrap();
    w.directory.admin_set_user_password(pool_id, username, &Secret::new(PASSWORD.into()), true).await.unwrap();
}

pub struct Resp {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }

    /// The query parameters of the redirect.
    pub fn redirect_params(&self) -> BTreeMap<String, String> {
        let loc = self.location.as_deref().unwrap_or_else(|| panic!("no redirect ({}): {}", self.status, self.body));
        let url = reqwest::Url::parse(loc).unwrap();
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    /// The value of a hidden input in the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'"))
    }
}

/// A cookie-keeping browser that does not follow redirects.
pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Self { base: base.to_owned(), http, cookies: BTreeMap::new() }
    }

    /// A browser whose requests come from `ip`, a loopback address other than 127.0.0.1.
    pub fn from_address(base: &str, ip: [u8; 4]) -> Self {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .unwrap();
        Self { base: base.to_owned(), http, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, resp: reqwest::Response) -> Resp {
        for v in resp.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if v.contains("Max-Age=0") || val.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let status = resp.status().as_u16();
        let location = resp.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned());
        Resp { status, location, body: resp.text().await.unwrap() }
    }

    pub async fn get(&mut self, path_and_query: &str) -> Resp {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_owned()
        } else {
            format!("{}{path_and_query}", self.base)
        };
        let resp = self.http.get(url).header("cookie", self.cookie_header()).send().await.unwrap();
        self.finish(resp).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let body: String = reqwest::Url::parse_with_params("http://x/", form).unwrap().query().unwrap_or("").to_owned();
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    /// Fills and submits the login form on `page`.
    pub async fn login(&mut self, page: &Resp, username: &str, password: &str) -> Resp {
        let request = page.field("request").expect("login form has the request");
        let csrf = page.field("csrf").expect("login form has the csrf token");
        self.post("/login", &[("request", &request), ("csrf", &csrf), ("username", username), ("password", password)])
            .await
    }
}

/// An authorization URL.
pub fn authorize_url(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email"),
        ("state", "st-1"),
        ("nonce", "n-1"),
    ];
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        params.push((k, v));
    }
    let url = reqwest::Url::parse_with_params("http://x/oauth2/authorize", &params).unwrap();
    format!("/oauth2/authorize?{}", url.query().unwrap())
}

/// POSTs a form to the token (or another) endpoint with optional Basic credentials.
pub async fn post_form(base: &str, path: &str, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> Resp {
    let http = reqwest::Client::new();
    let mut req = http.post(format!("{base}{path}")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    Resp { status, location: None, body: resp.text().await.unwrap() }
}

pub async fn userinfo(base: &str, token: &str) -> Resp {
    let resp = reqwest::Client::new().get(format!("{base}/oauth2/userInfo")).bearer_auth(token).send().await.unwrap();
    let status = resp.status().as_u16();
    Resp { status, location: None, body: resp.text().await.unwrap() }
}

/// Signs in through the hosted page (or rides the browser's session) and returns the
/// redirect's parameters.
pub async fn code_for(browser: &mut Browser, client_id: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let page = browser.get(&authorize_url(client_id, extra)).await;
    if page.status == 302 {
        return page.redirect_params();
    }
    assert_eq!(page.status, 200, "{}", page.body);
    let done = browser.login(&page, "alice", PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    done.redirect_params()
}

/// The token endpoint's answer for an authorization code of a confidential client.
pub async fn redeem(url: &str, client: &(String, String), code: &str) -> Value {
    post_form(
        url,
        "/oauth2/token",
        Some((&client.0, &client.1)),
        &[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CALLBACK)],
    )
    .await
    .json()
}

pub fn json_of(v: &Value) -> Value {
    json!(v)
}
