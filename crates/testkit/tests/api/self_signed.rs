//! Self-managed issuers: tokens signed by the customer's own key (the Rust SelfManagedSigner for
//! RS256, an ES256 key too) pass the gateway with the mapped permissions; the bad ones do not.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::*;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::Engine;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use scribeauth::SelfManagedSigner;
use serde_json::{json, Value};
use warden_core::service::IssuerSpec;
use warden_gateway::{GatewayConfig, Route, Verifier};

const ISS: &str = "https://customer.example";

fn rsa_keys() -> (String, String) {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let public = rsa::RsaPublicKey::from(&private);
    (private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(), public.to_public_key_pem(LineEnding::LF).unwrap())
}

/// An ES256 signing key (PKCS#8 DER) and its public key in PEM.
fn ec_keys() -> (Vec<u8>, String) {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let spki = pair.public_key().as_der().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(spki.as_ref());
    let body: Vec<String> = b64.as_bytes().chunks(64).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
    (pkcs8.as_ref().to_vec(), format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", body.join("\n")))
}

async fn echo(hits: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let hits = hits.clone();
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            let h = |k: &str| req.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            axum::Json(json!({ "auth": h("x-warden-auth"), "sub": h("x-warden-sub"), "issuer": h("x-warden-issuer"), "permissions": h("x-warden-permissions") }))
        }
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    url
}

both_backends!(self_signed_tokens_through_the_gateway, |app| {
    let (rsa_private, rsa_public) = rsa_keys();
    let (ec_private, ec_public) = ec_keys();
    app.warden
        .federation
        .add_issuer(IssuerSpec {
            iss: ISS.into(),
            public_keys_pem: vec![rsa_public, ec_public],
            jwks: Vec::new(),
            jwks_url: None,
            sub: "acct-42".into(),
            scopes: [
                ("read".to_owned(), vec!["read".to_owned()]),
                ("write".to_owned(), vec!["read".to_owned(), "write".to_owned()]),
            ]
            .into(),
            max_ttl_secs: 3600,
        })
        .await
        .unwrap();
    assert!(app
        .warden
        .federation
        .add_issuer(IssuerSpec {
            iss: "x".into(),
            public_keys_pem: vec!["junk".into()],
            sub: "s".into(),
            max_ttl_secs: 600,
            ..IssuerSpec::default()
        })
        .await
        .is_err());

    let hits = Arc::new(AtomicUsize::new(0));
    let up = echo(hits.clone()).await;
    let config = GatewayConfig {
        upstream: up,
        routes: vec![
            Route { prefix: "/v1".into(), methods: vec![], permission: "read".into() },
            Route { prefix: "/v1/jobs".into(), methods: vec!["POST".into()], permission: "write".into() },
        ],
        ..GatewayConfig::default()
    };
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gw = format!("http://{}", l.local_addr().unwrap());
    let router = warden_gateway::router(Verifier::new(app.warden.clone(), config)).unwrap();
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });

    let now = app.warden.kernel.now();
    let signer = SelfManagedSigner::new(&rsa_private, ISS, "acct-42").unwrap();
    let get = |token: String| reqwest::Client::new().get(format!("{gw}/v1/docs")).bearer_auth(token).send();
    let post = |token: String| reqwest::Client::new().post(format!("{gw}/v1/jobs")).bearer_auth(token).send();

    let r = get(signer.sign(&["read"], now + 600).unwrap()).await.unwrap();
    assert_eq!(r.status(), 200);
    let seen: Value = r.json().await.unwrap();
    assert_eq!(seen, json!({ "auth": "self-signed", "sub": "acct-42", "issuer": ISS, "permissions": "read" }));
    assert_eq!(post(signer.sign(&["read", "write"], now + 600).unwrap()).await.unwrap().status(), 200);
    assert_eq!(post(signer.sign(&["read"], now + 600).unwrap()).await.unwrap().status(), 403, "read cannot write");

    // ES256 with the second key.
    let claims = json!({ "iss": ISS, "sub": "acct-42", "aud": "https://apis.scribelabs.ai", "scope": "write", "exp": now + 300 });
    let es = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &jsonwebtoken::EncodingKey::from_ec_der(&ec_private),
    )
    .unwrap();
    assert_eq!(post(es).await.unwrap().status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    // Refused, with a reason, and never forwarded.
    let reason = |r: reqwest::Response| async move {
        assert_eq!(r.status(), 401);
        r.json::<Value>().await.unwrap()["error"].as_str().unwrap().to_owned()
    };
    assert!(reason(get(signer.sign_unchecked(&["read"], now - 10).unwrap()).await.unwrap()).await.contains("expired"));
    assert!(reason(get(signer.sign(&["read"], now + 7200).unwrap()).await.unwrap()).await.contains("too far ahead"));
    assert!(reason(get(signer.sign(&["admin"], now + 600).unwrap()).await.unwrap()).await.contains("unmapped scope"));
    let (other_private, _) = rsa_keys();
    let forged = SelfManagedSigner::new(&other_private, ISS, "acct-42").unwrap();
    assert!(reason(get(forged.sign(&["read"], now + 600).unwrap()).await.unwrap()).await.contains("bad signature"));
    let stranger = SelfManagedSigner::new(&rsa_private, "https://stranger.example", "acct-42").unwrap();
    assert!(reason(get(stranger.sign(&["read"], now + 600).unwrap()).await.unwrap()).await.contains("unknown issuer"));
    let other_sub = SelfManagedSigner::new(&rsa_private, ISS, "acct-7").unwrap();
    assert!(reason(get(other_sub.sign(&["read"], now + 600).unwrap()).await.unwrap()).await.contains("wrong sub"));
    // Claims of our own, signed with the issuer's RSA key.
    let rs256 = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_rsa_pem(rsa_private.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let wrong_aud =
        json!({ "iss": ISS, "sub": "acct-42", "aud": "https://elsewhere", "scope": "read", "exp": now + 300 });
    assert!(reason(get(rs256(wrong_aud)).await.unwrap()).await.contains("wrong audience"));
    let early = json!({ "iss": ISS, "sub": "acct-42", "aud": "https://apis.scribelabs.ai", "scope": "read",
                        "exp": now + 600, "nbf": now + 300 });
    assert!(reason(get(rs256(early)).await.unwrap()).await.contains("not valid yet"));
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"k"),
    )
    .unwrap();
    assert!(reason(get(hs).await.unwrap()).await.contains("algorithm"));
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    app.warden.federation.remove_issuer(ISS).await.unwrap();
    // The gateway remembers a verification for one second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(get(signer.sign(&["read"], now + 600).unwrap()).await.unwrap().status(), 401);
    app.stop().await;
});

both_backends!(issuer_keys_from_a_jwks, |app| {
    use rsa::traits::PublicKeyParts;
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let public = rsa::RsaPublicKey::from(&private);
    let b64 = |b: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = json!({ "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": b64(public.n().to_bytes_be()), "e": b64(public.e().to_bytes_be()) });
    app.warden
        .federation
        .add_issuer(IssuerSpec {
            iss: ISS.into(),
            jwks: vec![jwk],
            sub: "acct-42".into(),
            scopes: [("read".to_owned(), vec!["read".to_owned()])].into(),
            max_ttl_secs: 600,
            ..IssuerSpec::default()
        })
        .await
        .unwrap();
    let bad = app
        .warden
        .federation
        .add_issuer(IssuerSpec {
            iss: "y".into(),
            jwks: vec![json!({ "kty": "oct", "k": "AAAA" })],
            sub: "s".into(),
            scopes: [("r".to_owned(), vec!["r".to_owned()])].into(),
            max_ttl_secs: 600,
            ..IssuerSpec::default()
        })
        .await;
    assert!(bad.is_err(), "a symmetric JWK is not a public key");
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(private.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    let now = app.warden.kernel.now();
    let claims =
        json!({ "iss": ISS, "sub": "acct-42", "aud": "https://apis.scribelabs.ai", "scope": "read", "exp": now + 300 });
    let with_kid = |kid: &str| {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, &claims, &key).unwrap()
    };
    let ok = app.warden.federation.verify_self_signed(&with_kid("k1")).await.unwrap().expect("a registered issuer");
    assert_eq!(ok.permissions.into_iter().collect::<Vec<_>>(), ["read"]);
    let no_kid =
        jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256), &claims, &key).unwrap();
    assert!(
        app.warden.federation.verify_self_signed(&no_kid).await.unwrap().is_some(),
        "without a kid every key is tried"
    );
    assert!(app.warden.federation.verify_self_signed(&with_kid("k2")).await.is_err(), "an unknown kid has no key");
    app.stop().await;
});

both_backends!(self_signed_tokens_at_introspection, |app| {
    use warden_core::model::{ClientSettings, PoolSettings};
    use warden_core::service::{ClientSpec, PoolSpec};
    let (rsa_private, rsa_public) = rsa_keys();
    app.warden
        .federation
        .add_issuer(IssuerSpec {
            iss: ISS.into(),
            public_keys_pem: vec![rsa_public],
            jwks: Vec::new(),
            jwks_url: None,
            sub: "acct-42".into(),
            scopes: [("read".to_owned(), vec!["read".to_owned()])].into(),
            max_ttl_secs: 3600,
        })
        .await
        .unwrap();
    // Any authenticated client of the deployment may introspect them.
    let pool = app
        .warden
        .directory
        .create_pool(PoolSpec { name: "p".into(), settings: PoolSettings::default() })
        .await
        .unwrap();
    let rs = app
        .warden
        .directory
        .create_client(ClientSpec {
            pool_id: pool.id,
            name: "resource".into(),
            generate_secret: true,
            settings: ClientSettings::default(),
        })
        .await
        .unwrap();
    let (id, secret) = (rs.client.id.clone(), rs.secret.unwrap().expose().clone());
    let introspect = |token: String, auth: bool| {
        let (url, id, secret) = (app.url.clone(), id.clone(), secret.clone());
        async move {
            let mut req = reqwest::Client::new().post(format!("{url}/oauth2/introspect")).form(&[("token", token)]);
            if auth {
                req = req.basic_auth(id, Some(secret));
            }
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let now = app.warden.kernel.now();
    let signer = SelfManagedSigner::new(&rsa_private, ISS, "acct-42").unwrap();
    let (status, good) = introspect(signer.sign(&["read"], now + 600).unwrap(), true).await;
    assert_eq!(status, 200);
    assert_eq!(good["active"], true);
    assert_eq!(good["iss"], ISS);
    assert_eq!(good["sub"], "acct-42");
    assert_eq!(good["scope"], "read");
    assert_eq!(good["exp"], now + 600);
    assert_eq!(good["permissions"], json!(["read"]));
    let (status, _) = introspect(signer.sign(&["read"], now + 600).unwrap(), false).await;
    assert_eq!(status, 401, "introspection needs client authentication");
    let (other_private, _) = rsa_keys();
    let forged = SelfManagedSigner::new(&other_private, ISS, "acct-42").unwrap();
    let stranger = SelfManagedSigner::new(&rsa_private, "https://stranger.example", "acct-42").unwrap();
    for bad in [
        signer.sign_unchecked(&["read"], now - 5).unwrap(),
        signer.sign(&["read"], now + 7200).unwrap(),
        signer.sign(&["admin"], now + 600).unwrap(),
        forged.sign(&["read"], now + 600).unwrap(),
        stranger.sign(&["read"], now + 600).unwrap(),
    ] {
        let (status, answer) = introspect(bad, true).await;
        assert_eq!((status, answer), (200, json!({ "active": false })));
    }
    app.stop().await;
});
