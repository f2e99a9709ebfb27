//! Groups through the OIDC door: the code flow's id and access tokens carry `cognito:groups`
//! (and the id token the groups' roles), and the refresh_token grant sees membership changes.

use crate::common::{verified_claims, Backend, TestApp};
use crate::oidc::*;
use serde_json::json;
use warden_core::service::{CreateUser, GroupSpec};
use warden_core::Secret;

const ROLE: &str = "arn:aws:iam::123456789012:role/Admins";

both_backends!(code_flow_tokens_carry_cognito_groups, |app| {
    let s = setup(&app).await;
    let w = &app.warden;
    let spec = |name: &str, precedence: Option<i64>, role: Option<&str>| GroupSpec {
        pool_id: s.pool_id.clone(),
        name: name.into(),
        description: None,
        precedence,
        role_arn: role.map(str::to_owned),
    };
    w.directory.create_group(spec("staff", Some(3), None)).await.unwrap();
    w.directory.create_group(spec("admins", Some(1), Some(ROLE))).await.unwrap();
    w.directory.create_group(spec("later", None, None)).await.unwrap();
    for g in ["staff", "admins"] {
        w.directory.admin_add_user_to_group(&s.pool_id, "alice", g).await.unwrap();
    }

    let (client_id, secret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let mut b = Browser::new(&app.url);
    let params = code_for(&mut b, client_id, &[]).await;
    let form = [("grant_type", "authorization_code"), ("code", params["code"].as_str()), ("redirect_uri", CALLBACK)];
    let tokens = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &form).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let tokens = tokens.json();
    let id = verified_claims(&app.url, &s.pool_id, tokens["id_token"].as_str().unwrap()).await;
    let at = verified_claims(&app.url, &s.pool_id, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(id["cognito:groups"], json!(["admins", "staff"]));
    assert_eq!(at["cognito:groups"], json!(["admins", "staff"]));
    assert_eq!(id["cognito:roles"], json!([ROLE]));
    assert_eq!(id["cognito:preferred_role"], ROLE);
    assert_eq!(id["nonce"], "n-1", "the OIDC claims are still there");

    // The refresh_token grant reads the groups again.
    w.directory.admin_remove_user_from_group(&s.pool_id, "alice", "admins").await.unwrap();
    w.directory.admin_add_user_to_group(&s.pool_id, "alice", "later").await.unwrap();
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let r = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &refresh).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = verified_claims(&app.url, &s.pool_id, r.json()["id_token"].as_str().unwrap()).await;
    assert_eq!(id["cognito:groups"], json!(["staff", "later"]));
    assert!(id.get("cognito:roles").is_none() && id.get("cognito:preferred_role").is_none());
    app.stop().await;
});

both_backends!(discovery_lists_every_claim_id_tokens_and_userinfo_carry, |app| {
    let s = setup(&app).await;
    let w = &app.warden;
    w.directory
        .create_group(GroupSpec {
            pool_id: s.pool_id.clone(),
            name: "admins".into(),
            description: None,
            precedence: Some(1),
            role_arn: Some(ROLE.into()),
        })
        .await
        .unwrap();
    let attributes = [
        ("email", "bo@example.com"),
        ("email_verified", "true"),
        ("phone_number", "+15555550100"),
        ("address", "1 High Street"),
        ("name", "Bo"),
        ("zoneinfo", "Europe/London"),
        ("custom:tier", "gold"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    w.directory
        .admin_create_user(CreateUser {
            pool_id: s.pool_id.clone(),
            username: "bo".into(),
            temporary_password: Some(Secret::new("Temp-Passw0rd!".into())),
            attributes,
            message_action: Some("SUPPRESS".into()),
        })
        .await
        .unwrap();
    w.directory.admin_set_user_password(&s.pool_id, "bo", &Secret::new(PASSWORD.into()), true).await.unwrap();
    w.directory.admin_add_user_to_group(&s.pool_id, "bo", "admins").await.unwrap();

    // `openid` alone releases every attribute.
    let (client_id, secret) = (s.confidential.0.as_str(), s.confidential.1.as_str());
    let mut b = Browser::new(&app.url);
    let page = b.get(&authorize_url(client_id, &[("scope", "openid")])).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let done = b.login(&page, "bo", PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let code = done.redirect_params()["code"].clone();
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CALLBACK)];
    let tokens = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &form).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let tokens = tokens.json();
    let id = verified_claims(&app.url, &s.pool_id, tokens["id_token"].as_str().unwrap()).await;
    let info = userinfo(&app.url, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info.status, 200, "{}", info.body);
    let info = info.json();
    assert_eq!(id["address"], "1 High Street");
    assert_eq!(id["cognito:roles"], json!([ROLE]));
    assert_eq!(id["cognito:preferred_role"], ROLE);
    assert_eq!(info["address"], "1 High Street");
    assert_eq!(info["custom:tier"], "gold");

    let doc = b.get(&format!("/{}/.well-known/openid-configuration", s.pool_id)).await.json();
    let supported: Vec<&str> =
        doc["claims_supported"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(!supported.iter().any(|c| c.starts_with("custom:")), "{supported:?}");
    for (what, claims) in [("the id token", &id), ("userinfo", &info)] {
        for name in claims.as_object().unwrap().keys().filter(|k| !k.starts_with("custom:")) {
            assert!(supported.contains(&name.as_str()), "{what} carries {name}, missing from claims_supported");
        }
    }
    // private_key_jwt is offered on revocation and introspection, so are its algorithms.
    for endpoint in ["token", "revocation", "introspection"] {
        let methods = &doc[format!("{endpoint}_endpoint_auth_methods_supported").as_str()];
        assert!(methods.as_array().unwrap().contains(&json!("private_key_jwt")), "{endpoint}: {methods}");
        let algs = &doc[format!("{endpoint}_endpoint_auth_signing_alg_values_supported").as_str()];
        assert_eq!(algs, &json!(["RS256", "ES256"]), "{endpoint}");
    }
    app.stop().await;
});
