//! Groups through the OIDC door: the code flow's id and access tokens carry `cognito:groups`
//! (and the id token the groups' roles), and the refresh_token grant sees membership changes.

mod common;
mod oidc;

use common::{verified_claims, Backend, TestApp};
use oidc::*;
use serde_json::json;
use warden_core::service::GroupSpec;

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
    w.create_group(spec("staff", Some(3), None)).await.unwrap();
    w.create_group(spec("admins", Some(1), Some(ROLE))).await.unwrap();
    w.create_group(spec("later", None, None)).await.unwrap();
    for g in ["staff", "admins"] {
        w.admin_add_user_to_group(&s.pool_id, "alice", g).await.unwrap();
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
    w.admin_remove_user_from_group(&s.pool_id, "alice", "admins").await.unwrap();
    w.admin_add_user_to_group(&s.pool_id, "alice", "later").await.unwrap();
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let r = post_form(&app.url, "/oauth2/token", Some((client_id, secret)), &refresh).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = verified_claims(&app.url, &s.pool_id, r.json()["id_token"].as_str().unwrap()).await;
    assert_eq!(id["cognito:groups"], json!(["staff", "later"]));
    assert!(id.get("cognito:roles").is_none() && id.get("cognito:preferred_role").is_none());
    app.stop().await;
});
