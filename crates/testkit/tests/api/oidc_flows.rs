//! The OIDC door end to end on both stores: discovery, the hosted login with CSRF, the code
//! flow with PKCE and replay revocation, single sign-on and prompts, refresh with and without
//! rotation, client_credentials, userinfo, introspection, revocation and logout.

use crate::common::{self, verified_claims, Backend, TestApp};
use crate::oidc::*;

both_backends!(discovery_is_complete_and_truthful, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let doc = b.get(&format!("/{}/.well-known/openid-configuration", s.pool_id)).await.json();
    assert_eq!(doc["issuer"], format!("{}/{}", app.url, s.pool_id));
    assert_eq!(doc["authorization_endpoint"], format!("{}/oauth2/authorize", app.url));
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(doc["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    let rfc8414 = b.get(&format!("/.well-known/oauth-authorization-server/{}", s.pool_id)).await.json();
    assert_eq!(rfc8414["issuer"], doc["issuer"]);
    let jwks = b.get(doc["jwks_uri"].as_str().unwrap()).await.json();
    let mut kinds: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kty"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["EC", "RSA"], "an RS256 and an ES256 key are published");
    assert_eq!(b.get("/eu-west-2_nope/.well-known/openid-configuration").await.status, 404);
    app.stop().await;
});

both_backends!(code_flow_issues_checked_tokens_and_a_replay_revokes_them, |app| {
    let s = setup(&app).await;
    let (client_id, secret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let mut b = Browser::new(&app.url);
    let page = b.get(&authorize_url(client_id, &[])).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"username\"") && page.body.contains("name=\"password\""));
    assert!(b.cookies.contains_key("warden_csrf"));
    // A wrong password shows the form again; nothing is issued.
    let wrong = b.login(&page, "alice", "Wrong-passw0rd!").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Incorrect username or password."), "{}", wrong.body);
    let done = b.login(&page, "alice", PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(done.location.as_deref().unwrap().starts_with(CALLBACK));
    let params = done.redirect_params();
    assert_eq!(params["state"], "st-1");
    assert_eq!(params["iss"], format!("{}/{}", app.url, s.pool_id));
    let code = params["code"].clone();

    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CALLBACK)];
    let tokens = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &form).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let tokens = tokens.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "email openid");
    let access = tokens["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let at = verified_claims(&app.url, &s.pool_id, access).await;
    assert_eq!(at["aud"], client_id);
    assert_eq!(at["client_id"], client_id);
    assert_eq!(at["scope"], "email openid");
    let id = verified_claims(&app.url, &s.pool_id, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(id["aud"], client_id);
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));
    assert_eq!(id["email"], "alice@example.com");
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(access.as_bytes());
    assert_eq!(id["at_hash"], base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]));

    let info = userinfo(&app.url, access).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.json()["email"], "alice@example.com");
    assert_eq!(info.json()["sub"], at["sub"]);

    // The same code again: refused, and what it issued the first time is revoked.
    let replay = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &form).await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");
    let after = userinfo(&app.url, access).await;
    assert_eq!(after.status, 401, "{}", after.body);
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let r = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &refresh).await;
    assert_eq!(r.json()["error"], "invalid_grant");
    app.stop().await;
});

both_backends!(bad_requests_never_redirect_to_unregistered_uris_and_csrf_is_enforced, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let bad_uri = b.get(&authorize_url(&s.confidential.0, &[("redirect_uri", "https://evil.example/cb")])).await;
    assert_eq!(bad_uri.status, 400);
    assert!(bad_uri.location.is_none());
    assert!(bad_uri.body.contains("<p id=\"error\">invalid_request</p>"));
    let unknown_client = b.get(&authorize_url("nope", &[])).await;
    assert_eq!(unknown_client.status, 400);
    assert!(unknown_client.location.is_none());
    // Errors after the redirect URI is known go back to the client.
    let no_type = b.get(&authorize_url(&s.confidential.0, &[("response_type", "")])).await;
    assert_eq!(no_type.redirect_params()["error"], "invalid_request");
    assert_eq!(no_type.redirect_params()["state"], "st-1");
    let token_type = b.get(&authorize_url(&s.confidential.0, &[("response_type", "token")])).await;
    assert_eq!(token_type.redirect_params()["error"], "unsupported_response_type");
    let scope = b.get(&authorize_url(&s.confidential.0, &[("scope", "openid phone")])).await;
    assert_eq!(scope.redirect_params()["error"], "invalid_scope");
    let service = b.get(&authorize_url(&s.service.0, &[])).await;
    assert_eq!(service.status, 400, "a client without callback URLs gets a page");
    // CSRF: the form without the cookie's token is refused and nothing signs in.
    let page = b.get(&authorize_url(&s.confidential.0, &[])).await;
    let request = page.field("request").unwrap();
    let refused = b
        .post("/login", &[("request", &request), ("csrf", "forged"), ("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.location.is_none());
    let missing = b.post("/login", &[("request", &request), ("username", "alice"), ("password", PASSWORD)]).await;
    assert_eq!(missing.status, 403);
    assert!(!b.cookies.keys().any(|k| k.starts_with("warden_session")));
    // A tampered sealed request is refused.
    let csrf = page.field("csrf").unwrap();
    let tampered =
        b.post("/login", &[("request", "AAAA"), ("csrf", &csrf), ("username", "alice"), ("password", PASSWORD)]).await;
    assert_eq!(tampered.status, 400);
    app.stop().await;
});

both_backends!(pkce_is_required_for_public_clients_and_checked, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let missing = b.get(&authorize_url(&s.public, &[])).await;
    assert_eq!(missing.redirect_params()["error"], "invalid_request");
    let challenge = challenge_of(VERIFIER);
    let plain =
        b.get(&authorize_url(&s.public, &[("code_challenge", &challenge), ("code_challenge_method", "plain")])).await;
    assert_eq!(plain.redirect_params()["error"], "invalid_request");
    let pkce = [("code_challenge", challenge.as_str()), ("code_challenge_method", "S256")];
    let code = code_for(&mut b, &s.public, &pkce).await["code"].clone();
    let token = |verifier: &'static str, code: String| {
        let url = app.url.clone();
        let client = s.public.clone();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CALLBACK),
                ("client_id", client.as_str()),
            ];
            if !verifier.is_empty() {
                form.push(("code_verifier", verifier));
            }
            post_form(&url, "/oauth2/token", None, &form).await
        }
    };
    let wrong = token("wrong-verifier-wrong-verifier-wrong-verifier-00", code.clone()).await;
    assert_eq!(wrong.json()["error"], "invalid_grant");
    let none = token("", code.clone()).await;
    assert_eq!(none.json()["error"], "invalid_grant");
    // Signed in already: the next authorization returns a code at once (single sign-on).
    let sso = b.get(&authorize_url(&s.public, &pkce)).await;
    assert_eq!(sso.status, 302, "{}", sso.body);
    let code2 = sso.redirect_params()["code"].clone();
    let ok = token(VERIFIER, code2).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // A public client cannot pretend to be confidential, and a code is bound to its client.
    let other = post_form(
        &app.url,
        "/oauth2/token",
        Some((&s.confidential.0, &s.confidential.1)),
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(other.json()["error"], "invalid_grant");
    app.stop().await;
});

both_backends!(prompts_and_max_age, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let none = b.get(&authorize_url(&s.confidential.0, &[("prompt", "none")])).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
    code_for(&mut b, &s.confidential.0, &[]).await;
    let silent = b.get(&authorize_url(&s.confidential.0, &[("prompt", "none")])).await;
    assert!(silent.redirect_params().contains_key("code"), "{:?}", silent.location);
    let login = b.get(&authorize_url(&s.confidential.0, &[("prompt", "login")])).await;
    assert_eq!(login.status, 200, "prompt=login shows the login page");
    let hinted = Browser::new(&app.url).get(&authorize_url(&s.confidential.0, &[("login_hint", "al<ice>")])).await;
    assert!(hinted.body.contains("value=\"al&lt;ice&gt;\""));
    let unknown_param = b.get(&authorize_url(&s.confidential.0, &[("foo", "bar"), ("ui_locales", "fr")])).await;
    assert_eq!(unknown_param.status, 302);
    // id_token_hint naming Alice, but Bob signs in: no code for Bob (login_required).
    let code = code_for(&mut b, &s.confidential.0, &[]).await["code"].clone();
    let alice = redeem(&app.url, &s.confidential, &code).await;
    common::Cognito::new(&app).user(&s.pool_id, "bob", PASSWORD, "bob@example.com").await;
    let mut other = Browser::new(&app.url);
    let hint = alice["id_token"].as_str().unwrap();
    let page = other.get(&authorize_url(&s.confidential.0, &[("id_token_hint", hint)])).await;
    assert_eq!(page.status, 200, "no browser session: the login page");
    let done = other.login(&page, "bob", PASSWORD).await;
    let params = done.redirect_params();
    assert_eq!(params["error"], "login_required", "{:?}", done.location);
    assert!(!params.contains_key("code"));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let max_age = b.get(&authorize_url(&s.confidential.0, &[("max_age", "1")])).await;
    assert_eq!(max_age.status, 200, "an old sign-in is not enough for max_age=1");
    app.stop().await;
});

both_backends!(refresh_rotates_for_rotating_clients_and_reuse_kills_the_family, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let (id, secret) = (s.rotating.0.as_str(), s.rotating.1.as_str());
    let code = code_for(&mut b, id, &[]).await["code"].clone();
    let t = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CALLBACK)],
    )
    .await
    .json();
    let first = t["refresh_token"].as_str().unwrap().to_owned();
    let r1 = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &first)],
    )
    .await
    .json();
    let second = r1["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(first, second);
    assert!(r1["id_token"].is_string());
    // The Cognito API's refresh would not rotate: it refuses this client's tokens, changing nothing.
    let cognito = common::Cognito::new(&app);
    cognito
        .call(
            "InitiateAuth",
            serde_json::json!({ "ClientId": id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": second } }),
        )
        .await
        .err("NotAuthorizedException");
    // A narrower scope shapes the answer's tokens; the family keeps its grant.
    let narrow = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &second), ("scope", "openid")],
    )
    .await
    .json();
    assert_eq!(narrow["scope"], "openid", "{narrow}");
    let claims = verify_any(&app.url, &s.pool_id, narrow["access_token"].as_str().unwrap()).await.1;
    assert_eq!(claims["scope"], "openid");
    let second = narrow["refresh_token"].as_str().expect("rotated").to_owned();
    let wide = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &second)],
    )
    .await
    .json();
    assert_eq!(wide["scope"], r1["scope"], "the family's grant is unchanged");
    let second = wide["refresh_token"].as_str().expect("rotated").to_owned();
    // The old token again: refused, and the family (the new token too) is dead.
    let reuse = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &first)],
    )
    .await;
    assert_eq!(reuse.json()["error"], "invalid_grant");
    let after = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &second)],
    )
    .await;
    assert_eq!(after.json()["error"], "invalid_grant");
    assert_eq!(userinfo(&app.url, r1["access_token"].as_str().unwrap()).await.status, 401);

    // A non-rotating client keeps its refresh token (Cognito's behaviour).
    let (cid, csecret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let code = code_for(&mut b, cid, &[]).await["code"].clone();
    let t = post_form(
        &app.url,
        "/oauth2/token",
        Some((cid, csecret)),
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CALLBACK)],
    )
    .await
    .json();
    let rt = t["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let r = post_form(
            &app.url,
            "/oauth2/token",
            Some((cid, csecret)),
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json().get("refresh_token").is_none());
    }
    // The administrator takes a scope away from the client: its refreshes no longer mint it.
    let mut narrowed = app.warden.kernel.client(cid).await.unwrap();
    narrowed.settings.allowed_oauth_scopes.retain(|s| s != "email");
    app.warden.directory.update_client(narrowed).await.unwrap();
    let r = post_form(
        &app.url,
        "/oauth2/token",
        Some((cid, csecret)),
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
    .json();
    let scope = r["scope"].as_str().unwrap_or_default().to_owned();
    assert!(scope.split(' ').any(|s| s == "openid") && !scope.split(' ').any(|s| s == "email"), "{r}");
    let access_claims = verify_any(&app.url, &s.pool_id, r["access_token"].as_str().unwrap()).await.1;
    assert_eq!(access_claims["scope"], scope.as_str());
    // The API behind a custom scope is deleted: the scope is neither minted again nor granted.
    let code = code_for(&mut b, cid, &[("scope", "openid api/read")]).await["code"].clone();
    let api = redeem(&app.url, &s.confidential, &code).await;
    assert_eq!(api["scope"], "api/read openid", "{api}");
    app.warden.directory.delete_resource_server(&s.pool_id, "api").await.unwrap();
    let r = post_form(
        &app.url,
        "/oauth2/token",
        Some((cid, csecret)),
        &[("grant_type", "refresh_token"), ("refresh_token", api["refresh_token"].as_str().unwrap())],
    )
    .await
    .json();
    assert_eq!(r["scope"], "openid", "{r}");
    let denied = b.get(&authorize_url(cid, &[("scope", "openid api/read")])).await;
    assert_eq!(denied.redirect_params()["error"], "invalid_scope");
    // Another client cannot use it.
    let stolen = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await;
    assert_eq!(stolen.json()["error"], "invalid_grant");
    app.stop().await;
});

both_backends!(client_credentials_introspection_and_revocation, |app| {
    let s = setup(&app).await;
    let (id, secret) = (s.service.0.as_str(), s.service.1.as_str());
    let t = post_form(&app.url, "/oauth2/token", Some((id, secret)), &[("grant_type", "client_credentials")]).await;
    assert_eq!(t.status, 200, "{}", t.body);
    let t = t.json();
    assert_eq!(t["scope"], "api/read");
    assert!(t.get("refresh_token").is_none() && t.get("id_token").is_none());
    let claims = verified_claims(&app.url, &s.pool_id, t["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["aud"], serde_json::json!(["api"]));
    // client_secret_post works too; a wrong secret is invalid_client with 401.
    let post = post_form(
        &app.url,
        "/oauth2/token",
        None,
        &[("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret), ("scope", "api/read")],
    )
    .await;
    assert_eq!(post.status, 200, "{}", post.body);
    let wrong = post_form(&app.url, "/oauth2/token", Some((id, "nope")), &[("grant_type", "client_credentials")]).await;
    assert_eq!((wrong.status, wrong.json()["error"].as_str().unwrap()), (401, "invalid_client"));
    let unallowed = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "client_credentials"), ("scope", "api/write")],
    )
    .await;
    assert_eq!(unallowed.json()["error"], "invalid_scope");
    let user_client = post_form(
        &app.url,
        "/oauth2/token",
        Some((&s.confidential.0, &s.confidential.1)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(user_client.json()["error"], "unauthorized_client");
    let grant = post_form(&app.url, "/oauth2/token", Some((id, secret)), &[("grant_type", "password")]).await;
    assert_eq!(grant.json()["error"], "unsupported_grant_type");

    // The resource server is read from memory after the first grant; changing it through this
    // instance takes effect at once (another instance's change, within the cache's seconds).
    use warden_core::model::ResourceServerScope;
    let only_write = warden_core::service::ResourceServerSpec {
        pool_id: s.pool_id.clone(),
        identifier: "api".into(),
        name: "API".into(),
        scopes: vec![ResourceServerScope { name: "write".into(), description: "write".into() }],
    };
    app.warden.directory.update_resource_server(only_write.clone()).await.unwrap();
    let gone = post_form(&app.url, "/oauth2/token", Some((id, secret)), &[("grant_type", "client_credentials")]).await;
    assert_eq!((gone.status, gone.json()["error"].as_str().unwrap()), (400, "invalid_scope"));
    let mut both = only_write;
    both.scopes.insert(0, ResourceServerScope { name: "read".into(), description: "read".into() });
    app.warden.directory.update_resource_server(both).await.unwrap();
    let back = post_form(&app.url, "/oauth2/token", Some((id, secret)), &[("grant_type", "client_credentials")]).await;
    assert_eq!(back.status, 200, "{}", back.body);

    // Introspection, authenticated; unauthenticated is 401.
    let access = t["access_token"].as_str().unwrap();
    let i = post_form(&app.url, "/oauth2/introspect", Some((id, secret)), &[("token", access)]).await.json();
    assert_eq!(i["active"], true);
    assert_eq!(i["scope"], "api/read");
    assert_eq!(i["client_id"], id);
    let anon = post_form(&app.url, "/oauth2/introspect", None, &[("token", access)]).await;
    assert_eq!(anon.status, 401);
    let garbage =
        post_form(&app.url, "/oauth2/introspect", Some((id, secret)), &[("token", "abc.def.ghi")]).await.json();
    assert_eq!(garbage, serde_json::json!({ "active": false }));

    // A user's refresh token: active until revoked, then inactive, and its access token dies.
    let mut b = Browser::new(&app.url);
    let (cid, csecret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let code = code_for(&mut b, cid, &[]).await["code"].clone();
    let ut = post_form(
        &app.url,
        "/oauth2/token",
        Some((cid, csecret)),
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CALLBACK)],
    )
    .await
    .json();
    let rt = ut["refresh_token"].as_str().unwrap();
    let i = post_form(&app.url, "/oauth2/introspect", Some((id, secret)), &[("token", rt)]).await.json();
    assert_eq!(i["active"], true);
    assert_eq!(i["token_type"], "refresh_token");
    let unknown = post_form(&app.url, "/oauth2/revoke", Some((cid, csecret)), &[("token", "never-issued")]).await;
    assert_eq!(unknown.status, 200);
    let foreign = post_form(&app.url, "/oauth2/revoke", Some((id, secret)), &[("token", rt)]).await;
    assert_eq!(foreign.status, 400, "another client cannot revoke it");
    let revoked = post_form(&app.url, "/oauth2/revoke", Some((cid, csecret)), &[("token", rt)]).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let i = post_form(&app.url, "/oauth2/introspect", Some((id, secret)), &[("token", rt)]).await.json();
    assert_eq!(i["active"], false);
    let i = post_form(
        &app.url,
        "/oauth2/introspect",
        Some((id, secret)),
        &[("token", ut["access_token"].as_str().unwrap())],
    )
    .await
    .json();
    assert_eq!(i["active"], false);
    assert_eq!(userinfo(&app.url, ut["access_token"].as_str().unwrap()).await.status, 401);

    // A service client deleted: its tokens are dead at introspection too.
    let i = post_form(&app.url, "/oauth2/introspect", Some((cid, csecret)), &[("token", access)]).await.json();
    assert_eq!(i["active"], true);
    app.warden.directory.delete_client(&s.pool_id, id).await.unwrap();
    let i = post_form(&app.url, "/oauth2/introspect", Some((cid, csecret)), &[("token", access)]).await.json();
    assert_eq!(i, serde_json::json!({ "active": false }));
    app.stop().await;
});

both_backends!(logout_confirms_ends_the_session_and_returns_only_to_registered_uris, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let code = code_for(&mut b, &s.confidential.0, &[]).await["code"].clone();
    let t = redeem(&app.url, &s.confidential, &code).await;
    let id_token = t["id_token"].as_str().unwrap();
    let q = |uri: &str| {
        let url = reqwest::Url::parse_with_params(
            "http://x/logout",
            &[("id_token_hint", id_token), ("post_logout_redirect_uri", uri), ("state", "bye 1")],
        )
        .unwrap();
        format!("/logout?{}", url.query().unwrap())
    };
    let evil = b.get(&q("https://evil.example/")).await;
    assert_eq!(evil.status, 400);
    assert!(evil.location.is_none());
    let confirm = b.get(&q(LOGOUT)).await;
    assert_eq!(confirm.status, 200);
    let request = confirm.field("request").unwrap();
    let forged = b.post("/logout", &[("request", &request), ("csrf", "x")]).await;
    assert_eq!(forged.status, 403);
    let csrf = confirm.field("csrf").unwrap();
    let done = b.post("/logout", &[("request", &request), ("csrf", &csrf)]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some(format!("{LOGOUT}?state=bye%201").as_str()));
    assert!(!b.cookies.keys().any(|k| k.starts_with("warden_session")));
    let none = b.get(&authorize_url(&s.confidential.0, &[("prompt", "none")])).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
    // Cognito's form: client_id and logout_uri.
    let cognito = b.get(&format!("/logout?client_id={}&logout_uri={}", s.confidential.0, LOGOUT)).await;
    assert_eq!(cognito.status, 200);
    app.stop().await;
});

both_backends!(logout_takes_a_relying_partys_form_post_like_the_get, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let code = code_for(&mut b, &s.confidential.0, &[]).await["code"].clone();
    let t = redeem(&app.url, &s.confidential, &code).await;
    let id_token = t["id_token"].as_str().unwrap();
    let client_id = s.confidential.0.as_str();
    // The same checks as the GET: an unregistered URI is a page, never a redirect.
    let evil = [("id_token_hint", id_token), ("post_logout_redirect_uri", "https://evil.example/"), ("state", "s")];
    let evil = b.post("/logout", &evil).await;
    assert_eq!(evil.status, 400, "{}", evil.body);
    assert!(evil.location.is_none());
    // OIDC RP-Initiated Logout §2: the RP may POST its request as a form; the user confirms.
    let form = [
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", LOGOUT),
        ("client_id", client_id),
        ("state", "bye 2"),
    ];
    let confirm = b.post("/logout", &form).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.location.is_none(), "nothing ends before the user confirms");
    assert!(b.cookies.keys().any(|k| k.starts_with("warden_session")), "the session is still there");
    let still = b.get(&authorize_url(client_id, &[("prompt", "none")])).await;
    assert!(still.redirect_params().contains_key("code"), "still signed in: {:?}", still.location);
    let request = confirm.field("request").expect("the confirmation form");
    let csrf = confirm.field("csrf").expect("the confirmation form's CSRF token");
    let done = b.post("/logout", &[("request", &request), ("csrf", &csrf)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(format!("{LOGOUT}?state=bye%202").as_str()));
    assert!(!b.cookies.keys().any(|k| k.starts_with("warden_session")));
    let none = b.get(&authorize_url(client_id, &[("prompt", "none")])).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
    // Cognito's parameters POSTed: the confirmation page too.
    let cognito = b.post("/logout", &[("client_id", client_id), ("logout_uri", LOGOUT)]).await;
    assert_eq!(cognito.status, 200, "{}", cognito.body);
    assert!(cognito.field("request").is_some() && cognito.field("csrf").is_some());
    app.stop().await;
});

both_backends!(hosted_login_reuses_the_new_password_and_totp_steps, |app| {
    let s = setup(&app).await;
    let w = &app.warden;
    // A user with a temporary password must choose a new one on the hosted page.
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("email".to_owned(), "bob@example.com".to_owned());
    w.directory
        .admin_create_user(warden_core::service::CreateUser {
            pool_id: s.pool_id.clone(),
            username: "bob".into(),
            temporary_password: Some(warden_core::Secret::new("Temp-Passw0rd!".into())),
            attributes,
            message_action: Some("SUPPRESS".into()),
        })
        .await
        .unwrap();
    let mut b = Browser::new(&app.url);
    let page = b.get(&authorize_url(&s.confidential.0, &[])).await;
    let step = b.login(&page, "bob", "Temp-Passw0rd!").await;
    assert_eq!(step.status, 200, "{}", step.body);
    assert!(step.body.contains("name=\"new_password\""));
    let fields = |r: &Resp| (r.field("request").unwrap(), r.field("csrf").unwrap(), r.field("session").unwrap());
    let (request, csrf, session) = fields(&step);
    let mismatch = b
        .post(
            "/login/challenge",
            &[
                ("request", &request),
                ("csrf", &csrf),
                ("challenge", "NEW_PASSWORD_REQUIRED"),
                ("session", &session),
                ("username", "bob"),
                ("new_password", "N3w-Password!"),
                ("confirm_password", "other"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    let weak = b
        .post(
            "/login/challenge",
            &[
                ("request", &request),
                ("csrf", &csrf),
                ("challenge", "NEW_PASSWORD_REQUIRED"),
                ("session", &session),
                ("username", "bob"),
                ("new_password", "weak"),
                ("confirm_password", "weak"),
            ],
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(weak.body.contains("Password does not conform to policy"), "{}", weak.body);
    let done = b
        .post(
            "/login/challenge",
            &[
                ("request", &request),
                ("csrf", &csrf),
                ("challenge", "NEW_PASSWORD_REQUIRED"),
                ("session", &session),
                ("username", "bob"),
                ("new_password", "N3w-Password!"),
                ("confirm_password", "N3w-Password!"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(done.redirect_params().contains_key("code"));

    // TOTP: a pool with optional MFA, a user who set it up through the Cognito API.
    use warden_core::model::{AuthFlow, ClientSettings, MfaConfiguration, OAuthFlow, PoolSettings};
    let pool = w
        .directory
        .create_pool(warden_core::service::PoolSpec {
            name: "mfa".into(),
            settings: PoolSettings { mfa_configuration: MfaConfiguration::Optional, ..PoolSettings::default() },
        })
        .await
        .unwrap();
    let client = w
        .directory
        .create_client(warden_core::service::ClientSpec {
            pool_id: pool.id.clone(),
            name: "both".into(),
            generate_secret: false,
            settings: ClientSettings {
                explicit_auth_flows: vec![AuthFlow::UserPassword, AuthFlow::RefreshToken],
                allowed_oauth_flows: vec![OAuthFlow::Code],
                allowed_oauth_scopes: vec!["openid".into()],
                allowed_oauth_flows_user_pool_client: true,
                callback_urls: vec![CALLBACK.into()],
                ..ClientSettings::default()
            },
        })
        .await
        .unwrap()
        .client;
    user(&app, &pool.id, "carol", "carol@example.com").await;
    let signed_in = w
        .accounts
        .sign_in(warden_core::service::SignIn {
            client_id: client.id.clone(),
            credential: warden_core::service::Credential::Password {
                username: "carol".into(),
                password: warden_core::Secret::new(PASSWORD.into()),
            },
            secret_hash: None,
            source: "test".into(),
            attempt_id: "a1".into(),
            remembered: None,
        })
        .await
        .unwrap();
    let warden_core::service::AuthOutcome::Tokens(tokens) = signed_in else { panic!("tokens expected") };
    let secret = w.accounts.associate_software_token(&tokens.access_token).await.unwrap();
    let now = w.kernel.now();
    let code = warden_core::crypto::totp::code_for_base32(secret.expose(), now).unwrap();
    w.accounts.verify_software_token(&tokens.access_token, &code).await.unwrap();
    w.accounts.set_software_token_mfa(&tokens.access_token, true).await.unwrap();

    let challenge = challenge_of(VERIFIER);
    let pkce = [("code_challenge", challenge.as_str()), ("code_challenge_method", "S256"), ("scope", "openid")];
    let mut b = Browser::new(&app.url);
    let page = b.get(&authorize_url(&client.id, &pkce)).await;
    let step = b.login(&page, "carol", PASSWORD).await;
    assert!(step.body.contains("name=\"code\""), "{}", step.body);
    let (request, csrf, session) = fields(&step);
    // The hosted session cannot be answered through the Cognito API.
    let api = w
        .accounts
        .respond_to_auth_challenge(warden_core::service::RespondToChallenge {
            client_id: client.id.clone(),
            session: session.clone(),
            username: "carol".into(),
            secret_hash: None,
            answer: warden_core::service::ChallengeAnswer::Totp { code: "000000".into() },
            source: "test".into(),
            attempt_id: "a2".into(),
            hosted: false,
        })
        .await;
    assert!(
        matches!(api, Err(warden_core::CoreError::Refused(warden_core::error::Refusal::SessionExpired, _))),
        "{api:?}"
    );
    let wrong = b
        .post(
            "/login/challenge",
            &[
                ("request", &request),
                ("csrf", &csrf),
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", &session),
                ("username", "carol"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    // A fresh step (the code used at set-up cannot be reused), so wait for the next window.
    tokio::time::sleep(std::time::Duration::from_secs((30 - w.kernel.now() % 30 + 1) as u64)).await;
    let code = warden_core::crypto::totp::code_for_base32(secret.expose(), w.kernel.now()).unwrap();
    let done = b
        .post(
            "/login/challenge",
            &[
                ("request", &request),
                ("csrf", &csrf),
                ("challenge", "SOFTWARE_TOKEN_MFA"),
                ("session", &session),
                ("username", "carol"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let code = done.redirect_params()["code"].clone();
    let t = post_form(
        &app.url,
        "/oauth2/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("client_id", &client.id),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    let id = verified_claims(&app.url, &pool.id, t.json()["id_token"].as_str().unwrap()).await;
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp"]));
    app.stop().await;
});

/// Verifies a token against the pool's JWKS whatever its algorithm (RS256 or ES256).
async fn verify_any(url: &str, pool_id: &str, token: &str) -> (jsonwebtoken::Header, serde_json::Value) {
    let jwks: serde_json::Value =
        reqwest::get(format!("{url}/{pool_id}/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let kid = header.kid.clone().expect("kid");
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).expect("key in JWKS");
    let key = match jwk["kty"].as_str().unwrap() {
        "RSA" => jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()),
        _ => jsonwebtoken::DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap()),
    }
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.validate_aud = false;
    v.set_issuer(&[format!("{url}/{pool_id}")]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &v).expect("token verifies").claims;
    (header, claims)
}

both_backends!(es256_clients_and_key_rotation_without_breaking_verifiers, |app| {
    let s = setup(&app).await;
    let w = &app.warden;
    let mut client = w.kernel.client(&s.confidential.0).await.unwrap();
    client.settings.id_token_signed_response_alg = Some(warden_core::model::SigningAlg::ES256);
    w.directory.update_client(client).await.unwrap();
    let mut b = Browser::new(&app.url);
    let (id, secret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let token = |code: String| {
        let url = app.url.clone();
        async move {
            post_form(
                &url,
                "/oauth2/token",
                Some((id, secret)),
                &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CALLBACK)],
            )
            .await
            .json()
        }
    };
    let t = token(code_for(&mut b, id, &[]).await["code"].clone()).await;
    let (h, claims) = verify_any(&app.url, &s.pool_id, t["id_token"].as_str().unwrap()).await;
    assert_eq!(h.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(claims["nonce"], "n-1");
    let (h, _) = verify_any(&app.url, &s.pool_id, t["access_token"].as_str().unwrap()).await;
    assert_eq!(h.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(userinfo(&app.url, t["access_token"].as_str().unwrap()).await.status, 200);
    let svc = post_form(
        &app.url,
        "/oauth2/token",
        Some((&s.service.0, &s.service.1)),
        &[("grant_type", "client_credentials")],
    )
    .await
    .json();
    let (h, _) = verify_any(&app.url, &s.pool_id, svc["access_token"].as_str().unwrap()).await;
    assert_eq!(h.alg, jsonwebtoken::Algorithm::RS256, "the service client kept the default");

    // Rotation: the new key is published at once but signs only after the lead (a verifier
    // with a cached JWKS holds it first); the old key keeps verifying and stays published.
    use warden_core::crypto::keys::Handover;
    let old_kid = h.kid.unwrap();
    let new_kid =
        w.tokens.rotate_signing_key(warden_core::model::SigningAlg::RS256, Handover::Scheduled).await.unwrap();
    assert_ne!(old_kid, new_kid);
    let (url, pool_id) = (app.url.as_str(), s.pool_id.as_str());
    let (svc_id, svc_secret) = (s.service.0.as_str(), s.service.1.as_str());
    let kids = move || async move {
        let jwks: serde_json::Value =
            reqwest::get(format!("{url}/{pool_id}/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let published = kids().await;
    assert!(published.contains(&old_kid) && published.contains(&new_kid), "{published:?}");
    let service_token = move || async move {
        let t = post_form(url, "/oauth2/token", Some((svc_id, svc_secret)), &[("grant_type", "client_credentials")])
            .await
            .json();
        t["access_token"].as_str().unwrap().to_owned()
    };
    let before_handover = service_token().await;
    let (h1, _) = verify_any(&app.url, &s.pool_id, &before_handover).await;
    assert_eq!(h1.kid.as_deref(), Some(old_kid.as_str()), "the old key signs until the handover");
    assert!(w.tokens.withdraw_signing_key(&old_kid).await.is_err(), "a key still signing cannot be withdrawn");

    // A handover at once (the old key is not to be trusted), then the old key withdrawn.
    let newest = w.tokens.rotate_signing_key(warden_core::model::SigningAlg::RS256, Handover::Immediate).await.unwrap();
    let introspect = move |token: String| async move {
        post_form(url, "/oauth2/introspect", Some((svc_id, svc_secret)), &[("token", &token)]).await.json()
    };
    assert_eq!(
        introspect(svc["access_token"].as_str().unwrap().to_owned()).await["active"],
        true,
        "retired, verifying"
    );
    let (h2, _) = verify_any(&app.url, &s.pool_id, &service_token().await).await;
    assert_eq!(h2.kid.as_deref(), Some(newest.as_str()));
    assert!(w.tokens.withdraw_signing_key(&newest).await.is_err(), "the signing key cannot be withdrawn");
    w.tokens.withdraw_signing_key(&old_kid).await.unwrap();
    assert!(!kids().await.contains(&old_kid));
    assert_eq!(introspect(before_handover).await["active"], false, "a withdrawn key verifies nothing");
    assert!(kids().await.contains(&new_kid), "the never-used middle key stays until withdrawn or expired");
    app.stop().await;
});

both_backends!(service_tokens_pass_the_gateway_with_their_scopes, |app| {
    use warden_gateway::{GatewayConfig, Route, Verifier};
    let s = setup(&app).await;
    let upstream = {
        let router = axum::Router::new().fallback(|req: axum::extract::Request| async move {
            let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
            axum::Json(serde_json::json!({ "auth": h("x-warden-auth"), "sub": h("x-warden-sub"), "permissions": h("x-warden-permissions") }))
        });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
        url
    };
    let config = GatewayConfig {
        upstream,
        routes: vec![
            Route { prefix: "/v1".into(), methods: vec![], permission: "read".into() },
            Route { prefix: "/v1/jobs".into(), methods: vec!["POST".into()], permission: "write".into() },
        ],
        scopes: [("api/read".to_owned(), vec!["read".to_owned()])].into(),
        ..GatewayConfig::default()
    };
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gw = format!("http://{}", l.local_addr().unwrap());
    let router = warden_gateway::router(Verifier::new(app.warden.clone(), config)).unwrap();
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });

    let t = post_form(
        &app.url,
        "/oauth2/token",
        Some((&s.service.0, &s.service.1)),
        &[("grant_type", "client_credentials")],
    )
    .await
    .json();
    let token = t["access_token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let r = http.get(format!("{gw}/v1/docs")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let seen: serde_json::Value = r.json().await.unwrap();
    assert_eq!(seen, serde_json::json!({ "auth": "service", "sub": s.service.0, "permissions": "read" }));
    let r = http.post(format!("{gw}/v1/jobs")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403, "api/read does not grant write");
    // A deleted service client's tokens stop working (after the gateway's one-second memory).
    app.warden.directory.delete_client(&s.pool_id, &s.service.0).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = http.get(format!("{gw}/v1/docs")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
});

both_backends!(one_token_model_across_the_oidc_and_cognito_doors, |app| {
    let s = setup(&app).await;
    let w = &app.warden;
    let mut client = w.kernel.client(&s.confidential.0).await.unwrap();
    client.settings.allowed_oauth_scopes.push("aws.cognito.signin.user.admin".into());
    w.directory.update_client(client).await.unwrap();
    let cognito = common::Cognito::new(&app);
    let mut b = Browser::new(&app.url);
    let (id, secret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    async fn token(url: &str, b: &mut Browser, id: &str, secret: &str, scope: &str) -> serde_json::Value {
        let code = code_for(b, id, &[("scope", scope)]).await["code"].clone();
        post_form(
            url,
            "/oauth2/token",
            Some((id, secret)),
            &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CALLBACK)],
        )
        .await
        .json()
    }
    // Only openid: the Cognito API refuses it for self-service operations.
    let narrow = token(&app.url, &mut b, id, secret, "openid").await;
    let r = cognito.call("GetUser", serde_json::json!({ "AccessToken": narrow["access_token"] })).await;
    let body = r.err("NotAuthorizedException");
    assert_eq!(body["message"], "Access Token does not have required scopes");
    // With aws.cognito.signin.user.admin the same token works there, and GlobalSignOut through
    // the Cognito door ends the OIDC door's tokens too.
    let wide = token(&app.url, &mut b, id, secret, "openid aws.cognito.signin.user.admin").await;
    let user = cognito.call("GetUser", serde_json::json!({ "AccessToken": wide["access_token"] })).await.ok();
    assert_eq!(user["Username"], "alice");
    cognito.call("GlobalSignOut", serde_json::json!({ "AccessToken": wide["access_token"] })).await.ok();
    assert_eq!(userinfo(&app.url, narrow["access_token"].as_str().unwrap()).await.status, 401);
    let r = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", wide["refresh_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_grant");
    // The sign-out ended the browser's hosted-login session too: no silent sign-on afterwards.
    let none = b.get(&authorize_url(id, &[("prompt", "none")])).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
    // So does an administrator's password reset of a signed-in browser's user.
    code_for(&mut b, id, &[]).await;
    let silent = b.get(&authorize_url(id, &[("prompt", "none")])).await;
    assert!(silent.redirect_params().contains_key("code"), "{:?}", silent.location);
    w.directory.admin_reset_user_password(&s.pool_id, "alice", "t").await.unwrap();
    let none = b.get(&authorize_url(id, &[("prompt", "none")])).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
    app.stop().await;
});

/// An ES256 key pair for private_key_jwt: the signing key and its public JWK.
fn es256_client_key(kid: &str) -> (jsonwebtoken::EncodingKey, serde_json::Value) {
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use base64::Engine;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref().to_vec();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = serde_json::json!({ "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "x": b64(&point[1..33]), "y": b64(&point[33..]) });
    (jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
}

both_backends!(private_key_jwt_client_authentication, |app| {
    use warden_core::model::{ClientSettings, OAuthFlow};
    let s = setup(&app).await;
    let w = &app.warden;
    let (key, jwk) = es256_client_key("k1");
    let (other_key, _) = es256_client_key("k1");
    let client = w
        .directory
        .create_client(warden_core::service::ClientSpec {
            pool_id: s.pool_id.clone(),
            name: "jwt-svc".into(),
            generate_secret: false,
            settings: ClientSettings {
                allowed_oauth_flows: vec![OAuthFlow::ClientCredentials],
                allowed_oauth_scopes: vec!["api/read".into()],
                allowed_oauth_flows_user_pool_client: true,
                jwks: vec![jwk],
                ..ClientSettings::default()
            },
        })
        .await
        .unwrap()
        .client;
    let id = client.id.clone();
    let now = w.kernel.now();
    let token_endpoint = format!("{}/oauth2/token", app.url);
    let sign = |claims: serde_json::Value, key: &jsonwebtoken::EncodingKey| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some("k1".into());
        jsonwebtoken::encode(&header, &claims, key).unwrap()
    };
    let claims = |jti: &str, aud: &str, exp: i64| serde_json::json!({ "iss": id, "sub": id, "aud": aud, "exp": exp, "iat": now, "jti": jti });
    let call = |assertion: String, extra: Vec<(&'static str, String)>| {
        let url = app.url.clone();
        async move {
            let mut form = vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned()),
                ("client_assertion", assertion),
            ];
            form.extend(extra);
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(&url, "/oauth2/token", None, &form).await
        }
    };
    let good = sign(claims("j1", &token_endpoint, now + 60), &key);
    let ok = call(good.clone(), vec![]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["scope"], "api/read");
    let error = |r: Resp| (r.status, r.json()["error"].as_str().unwrap().to_owned());
    assert_eq!(error(call(good, vec![]).await), (401, "invalid_client".into()), "a replayed jti");
    let issuer = format!("{}/{}", app.url, s.pool_id);
    assert_eq!(call(sign(claims("j2", &issuer, now + 60), &key), vec![]).await.status, 200, "aud = issuer");
    for (bad, why) in [
        (sign(claims("j3", "https://elsewhere/token", now + 60), &key), "wrong aud"),
        (sign(claims("j4", &token_endpoint, now - 1), &key), "expired"),
        (sign(claims("j5", &token_endpoint, now + 3600), &key), "exp too far"),
        (sign(claims("j6", &token_endpoint, now + 60), &other_key), "another key"),
    ] {
        assert_eq!(error(call(bad, vec![]).await), (401, "invalid_client".into()), "{why}");
    }
    let both = call(sign(claims("j7", &token_endpoint, now + 60), &key), vec![("client_secret", "x".into())]).await;
    assert_eq!(error(both), (400, "invalid_request".into()));
    // Such a client cannot authenticate without its assertion.
    let bare =
        post_form(&app.url, "/oauth2/token", None, &[("grant_type", "client_credentials"), ("client_id", &id)]).await;
    assert_eq!(error(bare), (401, "invalid_client".into()));
    // The Cognito API carries no assertion: such a client's users do not sign in there, nor are
    // its tokens refreshed or revoked there (anyone with its id could otherwise use it).
    let mut with_flows = w.kernel.client(&id).await.unwrap();
    with_flows.settings.explicit_auth_flows =
        vec![warden_core::model::AuthFlow::UserPassword, warden_core::model::AuthFlow::RefreshToken];
    w.directory.update_client(with_flows).await.unwrap();
    let cognito = common::Cognito::new(&app);
    let password = serde_json::json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    cognito
        .call(
            "InitiateAuth",
            serde_json::json!({ "ClientId": id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": password }),
        )
        .await
        .err("NotAuthorizedException");
    cognito.call("RevokeToken", serde_json::json!({ "ClientId": id, "Token": "x" })).await.err("UnauthorizedException");
    app.stop().await;
});

both_backends!(third_party_clients_ask_for_consent_once, |app| {
    let s = setup(&app).await;
    let w = &app.warden;
    let mut client = w.kernel.client(&s.confidential.0).await.unwrap();
    client.settings.require_consent = true;
    w.directory.update_client(client).await.unwrap();
    let id = s.confidential.0.as_str();
    let mut b = Browser::new(&app.url);
    let page = b.get(&authorize_url(id, &[])).await;
    let consent = b.login(&page, "alice", PASSWORD).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("id=\"scopes\"") && consent.body.contains("See your email address"));
    assert!(b.cookies.keys().any(|k| k.starts_with("warden_session")), "signed in before consenting");
    let (request, csrf) = (consent.field("request").unwrap(), consent.field("csrf").unwrap());
    let forged = b.post("/consent", &[("request", &request), ("csrf", "x"), ("decision", "allow")]).await;
    assert_eq!(forged.status, 403);
    let denied = b.post("/consent", &[("request", &request), ("csrf", &csrf), ("decision", "deny")]).await;
    assert_eq!(denied.redirect_params()["error"], "access_denied");
    // prompt=none cannot ask.
    let silent = b.get(&authorize_url(id, &[("prompt", "none")])).await;
    assert_eq!(silent.redirect_params()["error"], "consent_required");
    let again = b.get(&authorize_url(id, &[])).await;
    assert_eq!(again.status, 200);
    let (request, csrf) = (again.field("request").unwrap(), again.field("csrf").unwrap());
    let allowed = b.post("/consent", &[("request", &request), ("csrf", &csrf), ("decision", "allow")]).await;
    assert!(allowed.redirect_params().contains_key("code"), "{:?}", allowed.location);
    // Remembered: the same scopes go straight through; more scopes or prompt=consent ask again.
    let remembered = b.get(&authorize_url(id, &[])).await;
    assert!(remembered.redirect_params().contains_key("code"));
    let more = b.get(&authorize_url(id, &[("scope", "openid email profile")])).await;
    assert_eq!(more.status, 200);
    assert!(more.body.contains("See your profile"));
    let forced = b.get(&authorize_url(id, &[("prompt", "consent")])).await;
    assert_eq!(forced.status, 200);
    // A first-party client never asks.
    let first = code_for(&mut b, &s.rotating.0, &[]).await;
    assert!(first.contains_key("code"));
    app.stop().await;
});

/// The RFC 9700 cases that need time to pass, on a manual clock.
async fn expiry(backend: Backend) {
    use std::sync::Arc;
    use warden_core::clock::ManualClock;
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let clock = Arc::new(ManualClock::new(start));
    let Some(app) = TestApp::spawn_with_clock(backend, clock.clone()).await else {
        eprintln!("skipped: WARDEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let s = setup(&app).await;
    let (id, secret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let mut b = Browser::new(&app.url);
    let exchange = |code: String| {
        let url = app.url.clone();
        async move {
            post_form(
                &url,
                "/oauth2/token",
                Some((id, secret)),
                &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", CALLBACK)],
            )
            .await
        }
    };
    // An authorization code lives five minutes.
    let code = code_for(&mut b, id, &[]).await["code"].clone();
    clock.advance(301);
    assert_eq!(exchange(code).await.json()["error"], "invalid_grant", "an expired code");
    // The browser session lives an hour: after it, prompt=none finds no sign-in.
    clock.advance(3600);
    let none = b.get(&authorize_url(id, &[("prompt", "none")])).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
    // Access tokens expire after 30 minutes: userinfo and introspection refuse them, and the
    // refresh token still gives new ones.
    let code = code_for(&mut b, id, &[]).await["code"].clone();
    let t = exchange(code).await.json();
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(userinfo(&app.url, &access).await.status, 200);
    clock.advance(30 * 60 + 1);
    let expired = userinfo(&app.url, &access).await;
    assert_eq!(expired.status, 401);
    let i = post_form(&app.url, "/oauth2/introspect", Some((id, secret)), &[("token", &access)]).await.json();
    assert_eq!(i["active"], false);
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_eq!(userinfo(&app.url, refreshed.json()["access_token"].as_str().unwrap()).await.status, 200);
    // The refresh token itself lives 30 days.
    clock.advance(30 * 86_400);
    let late = post_form(
        &app.url,
        "/oauth2/token",
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
    )
    .await;
    assert_eq!(late.json()["error"], "invalid_grant");
    // A token of another pool is not active at this pool's introspection.
    let other = app
        .warden
        .directory
        .create_pool(warden_core::service::PoolSpec { name: "other".into(), settings: Default::default() })
        .await
        .unwrap();
    let foreign = app
        .warden
        .directory
        .create_client(warden_core::service::ClientSpec {
            pool_id: other.id,
            name: "rs".into(),
            generate_secret: true,
            settings: Default::default(),
        })
        .await
        .unwrap();
    let fresh = post_form(
        &app.url,
        "/oauth2/token",
        Some((&s.service.0, &s.service.1)),
        &[("grant_type", "client_credentials")],
    )
    .await
    .json();
    let token = fresh["access_token"].as_str().unwrap();
    let mine = post_form(&app.url, "/oauth2/introspect", Some((id, secret)), &[("token", token)]).await.json();
    assert_eq!(mine["active"], true);
    let theirs = post_form(
        &app.url,
        "/oauth2/introspect",
        Some((&foreign.client.id, foreign.secret.as_ref().unwrap().expose())),
        &[("token", token)],
    )
    .await
    .json();
    assert_eq!(theirs["active"], false, "another pool's token");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_sqlite() {
    expiry(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_postgres() {
    expiry(Backend::Postgres).await;
}

// GetTokensFromRefreshToken serves a rotating client whose grant has no `openid`: the answer has
// no IdToken (botocore's is optional), and the rotated token is the caller's, not retired unseen.
both_backends!(get_tokens_from_refresh_token_without_openid_keeps_the_family, |app| {
    let s = setup(&app).await;
    let mut b = Browser::new(&app.url);
    let (id, secret) = (s.rotating.0.as_str(), s.rotating.1.as_str());
    let code = code_for(&mut b, id, &[("scope", "email api/read")]).await["code"].clone();
    let t = redeem(&app.url, &s.rotating, &code).await;
    assert!(t.get("id_token").is_none(), "{t}");
    let mut refresh = t["refresh_token"].as_str().expect("a refresh token").to_owned();
    let cognito = common::Cognito::new(&app);
    for _ in 0..2 {
        let got = cognito
            .call(
                "GetTokensFromRefreshToken",
                serde_json::json!({ "ClientId": id, "ClientSecret": secret, "RefreshToken": refresh }),
            )
            .await
            .ok();
        let result = &got["AuthenticationResult"];
        assert!(result.get("IdToken").is_none(), "{got}");
        let next = result["RefreshToken"].as_str().expect("rotated").to_owned();
        assert_ne!(next, refresh);
        let claims = verify_any(&app.url, &s.pool_id, result["AccessToken"].as_str().unwrap()).await.1;
        let scope: Vec<&str> = claims["scope"].as_str().unwrap().split(' ').collect();
        assert!(scope.contains(&"api/read") && !scope.contains(&"openid"), "{claims}");
        refresh = next;
    }
    app.stop().await;
});
