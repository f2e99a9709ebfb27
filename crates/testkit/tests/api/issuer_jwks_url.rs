//! Self-managed issuers registered with a JWKS URL: their keys follow the URL (a rotation is
//! picked up on the first token with the new `kid`, rate-limited; the periodic refresh), a JWKS
//! server that is down keeps the old keys, a removed issuer is refused at once, and another
//! instance sharing the store sees changes within the cache's bounds. A small JWKS server on
//! 127.0.0.1 counts its fetches; time moves on a manual clock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::Engine;
use serde_json::{json, Value};
use warden_core::clock::ManualClock;
use warden_core::service::{IssuerSpec, KID_FETCH_SECS, REFRESH_SECS};

const ISS: &str = "https://rotating.example";

/// A JWKS served on 127.0.0.1: `None` answers 503 (the issuer's server is down).
struct JwksServer {
    url: String,
    fetches: Arc<AtomicUsize>,
    keys: Arc<Mutex<Option<Vec<Value>>>>,
}

impl JwksServer {
    async fn start(keys: Vec<Value>, delay: Duration) -> Self {
        let fetches = Arc::new(AtomicUsize::new(0));
        let served = Arc::new(Mutex::new(Some(keys)));
        let (f, k) = (fetches.clone(), served.clone());
        let app = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let (f, k) = (f.clone(), k.clone());
                async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    let keys = k.lock().unwrap().clone();
                    match keys {
                        Some(keys) => (axum::http::StatusCode::OK, axum::Json(json!({ "keys": keys }))),
                        None => (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({}))),
                    }
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/.well-known/jwks.json", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        Self { url, fetches, keys: served }
    }

    fn serve(&self, keys: Option<Vec<Value>>) {
        *self.keys.lock().unwrap() = keys;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// An ES256 key of the issuer and its public JWK.
struct IssuerKey {
    pkcs8: Vec<u8>,
    jwk: Value,
}

fn key(kid: &str) -> IssuerKey {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    // The uncompressed point: 0x04, x, y.
    let point = pair.public_key().as_ref().to_vec();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = json!({ "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                      "x": b64(&point[1..33]), "y": b64(&point[33..]) });
    IssuerKey { pkcs8: pkcs8.as_ref().to_vec(), jwk }
}

/// A token of `ISS` signed with `key`, naming `kid`.
fn token(key: &IssuerKey, kid: &str, now: i64) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(kid.into());
    let claims =
        json!({ "iss": ISS, "sub": "acct-42", "aud": "https://apis.scribelabs.ai", "scope": "read", "exp": now + 300 });
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ec_der(&key.pkcs8)).unwrap()
}

fn spec(url: &str) -> IssuerSpec {
    IssuerSpec {
        iss: ISS.into(),
        jwks_url: Some(url.into()),
        sub: "acct-42".into(),
        scopes: [("read".to_owned(), vec!["read".to_owned()])].into(),
        max_ttl_secs: 600,
        ..IssuerSpec::default()
    }
}

async fn spawn(backend: Backend) -> Option<(TestApp, Arc<ManualClock>)> {
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let clock = Arc::new(ManualClock::new(start));
    match TestApp::spawn_with_clock(backend, clock.clone()).await {
        Some(app) => Some((app, clock)),
        None => {
            eprintln!("skipped: WARDEN_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

async fn keys_follow_the_url(backend: Backend) {
    let Some((app, clock)) = spawn(backend).await else { return };
    let w = &app.warden;
    let accepted =
        |t: String| async move { w.federation.verify_self_signed(&t).await.map(|c| c.is_some()).unwrap_or(false) };
    let (a, b, c, d) = (key("a"), key("b"), key("c"), key("d"));
    let server = JwksServer::start(vec![a.jwk.clone()], Duration::from_millis(200)).await;

    // Registration fetches the keys and stores the URL.
    let issuer = w.federation.add_issuer(spec(&server.url)).await.unwrap();
    assert_eq!(
        (issuer.jwks_url.as_deref(), issuer.jwks_fetched_at, issuer.jwks.len()),
        (Some(&*server.url), Some(w.kernel.now()), 1)
    );
    assert_eq!(server.fetches(), 1);
    let listed = w.federation.list_issuers().await.unwrap();
    assert_eq!(listed[0].jwks_url.as_deref(), Some(server.url.as_str()), "the URL is stored");
    for _ in 0..3 {
        assert!(accepted(token(&a, "a", w.kernel.now())).await);
    }
    assert_eq!(server.fetches(), 1, "a known kid fetches nothing");

    // The issuer rotates to key B: the first tokens with kid "b" fetch once (concurrent ones
    // share the fetch) and pass.
    server.serve(Some(vec![b.jwk.clone()]));
    let mut concurrent = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (w, t) = (app.warden.clone(), token(&b, "b", w.kernel.now()));
        concurrent
            .spawn(async move { w.federation.verify_self_signed(&t).await.map(|c| c.is_some()).unwrap_or(false) });
    }
    for ok in concurrent.join_all().await {
        assert!(ok, "a token with the rotated key passes after one fetch");
    }
    assert_eq!(server.fetches(), 2);
    assert!(!accepted(token(&a, "a", w.kernel.now())).await, "key A is gone from the JWKS");

    // Within a minute of that fetch an unknown kid fetches nothing, even a real new key's.
    server.serve(Some(vec![b.jwk.clone(), c.jwk.clone()]));
    assert!(!accepted(token(&c, "c", w.kernel.now())).await);
    assert!(!accepted(token(&c, "forged", w.kernel.now())).await);
    assert_eq!(server.fetches(), 2, "rate-limited: no fetch for unknown kids within {KID_FETCH_SECS} s");
    clock.advance(KID_FETCH_SECS);
    assert!(accepted(token(&c, "c", w.kernel.now())).await, "a minute later the new kid fetches again");
    assert_eq!(server.fetches(), 3);
    assert!(!accepted(token(&c, "forged", w.kernel.now())).await);
    assert_eq!(server.fetches(), 3);

    // The issuer's server is down: fetches fail and the old keys keep working.
    server.serve(None);
    clock.advance(KID_FETCH_SECS);
    assert!(!accepted(token(&d, "d", w.kernel.now())).await);
    assert_eq!(server.fetches(), 4, "the unknown kid tried");
    assert!(accepted(token(&b, "b", w.kernel.now())).await && accepted(token(&c, "c", w.kernel.now())).await);
    assert!(w.federation.refresh_issuer_keys(ISS).await.is_err(), "an explicit refresh reports the failure");
    clock.advance(REFRESH_SECS);
    assert_eq!(w.federation.refresh_due_issuer_keys().await.unwrap(), 0);
    assert_eq!(server.fetches(), 6);
    assert!(accepted(token(&c, "c", w.kernel.now())).await, "still the old keys");
    assert_eq!(w.federation.list_issuers().await.unwrap()[0].jwks.len(), 2);

    // Back up with key D only: the periodic refresh takes it (and drops B and C).
    server.serve(Some(vec![d.jwk.clone()]));
    assert_eq!(w.federation.refresh_due_issuer_keys().await.unwrap(), 1);
    assert_eq!(server.fetches(), 7);
    assert_eq!(w.federation.refresh_due_issuer_keys().await.unwrap(), 0, "not due again for {REFRESH_SECS} s");
    assert_eq!(server.fetches(), 7);
    assert!(accepted(token(&d, "d", w.kernel.now())).await);
    assert_eq!(server.fetches(), 7, "the periodic refresh brought D: no kid miss");
    let stored = w.federation.list_issuers().await.unwrap().remove(0);
    assert_eq!((stored.jwks, stored.jwks_fetched_at), (vec![d.jwk.clone()], Some(w.kernel.now())));

    // Removed: refused at once, and no longer fetched.
    w.federation.remove_issuer(ISS).await.unwrap();
    assert!(
        w.federation.verify_self_signed(&token(&d, "d", w.kernel.now())).await.unwrap().is_none(),
        "not a registered issuer"
    );
    assert!(w.federation.verify_self_signed(&token(&d, "e", w.kernel.now())).await.unwrap().is_none());
    clock.advance(REFRESH_SECS);
    assert_eq!(w.federation.refresh_due_issuer_keys().await.unwrap(), 0);
    assert_eq!(server.fetches(), 7);
    app.stop().await;
}

/// Another instance sharing the store sees a new issuer on the first token naming it, and a
/// removal within a minute; its kid-miss fetch is its own, rate-limited the same way.
async fn another_instance_sees_changes(backend: Backend) {
    let Some((app, clock)) = spawn(backend).await else { return };
    let other = app.another_instance(clock.clone()).await;
    let (w1, w2) = (&app.warden, &other.warden);
    let (a, b) = (key("a"), key("b"));
    let server = JwksServer::start(vec![a.jwk.clone()], Duration::ZERO).await;
    assert!(
        w2.federation.verify_self_signed(&token(&a, "a", w2.kernel.now())).await.unwrap().is_none(),
        "not registered yet"
    );

    w1.federation.add_issuer(spec(&server.url)).await.unwrap();
    assert!(
        w2.federation.verify_self_signed(&token(&a, "a", w2.kernel.now())).await.unwrap().is_none(),
        "an unknown iss is remembered briefly, so a flood of them cannot hammer the store"
    );
    clock.advance(5);
    assert!(
        w2.federation.verify_self_signed(&token(&a, "a", w2.kernel.now())).await.unwrap().is_some(),
        "found in the store"
    );

    // Rotation seen by instance 1 first: instance 2 finds kid "b" missing and fetches for itself.
    server.serve(Some(vec![b.jwk.clone()]));
    assert!(w1.federation.verify_self_signed(&token(&b, "b", w1.kernel.now())).await.unwrap().is_some());
    assert!(w2.federation.verify_self_signed(&token(&b, "b", w2.kernel.now())).await.unwrap().is_some());
    assert_eq!(server.fetches(), 3);

    w1.federation.remove_issuer(ISS).await.unwrap();
    assert!(w1.federation.verify_self_signed(&token(&b, "b", w1.kernel.now())).await.unwrap().is_none());
    assert!(
        w2.federation.verify_self_signed(&token(&b, "b", w2.kernel.now())).await.unwrap().is_some(),
        "cached for up to 5 s"
    );
    clock.advance(5);
    assert!(
        w2.federation.verify_self_signed(&token(&b, "b", w2.kernel.now())).await.unwrap().is_none(),
        "the table was re-read"
    );
    other.store.close().await;
    app.stop().await;
}

/// A registration whose JWKS cannot be had is refused; so is a URL that is not http(s).
async fn registration_needs_the_keys(backend: Backend) {
    let Some((app, _clock)) = spawn(backend).await else { return };
    let server = JwksServer::start(Vec::new(), Duration::ZERO).await;
    let err = app.warden.federation.add_issuer(spec(&server.url)).await.unwrap_err().to_string();
    assert!(err.contains("no RSA or P-256 signing key"), "{err}");
    server.serve(None);
    let err = app.warden.federation.add_issuer(spec(&server.url)).await.unwrap_err().to_string();
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(app.warden.federation.add_issuer(spec("file:///etc/jwks.json")).await.is_err());
    assert!(app.warden.federation.list_issuers().await.unwrap().is_empty());
    app.stop().await;
}

warden_testkit::on_both_stores!(keys_follow_the_url, another_instance_sees_changes, registration_needs_the_keys);
